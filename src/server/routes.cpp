// The one route table of plikd, in the order of Plik's server.go (spec §7).
#include "server/routes.hpp"

#include "server/handlers/handlers.hpp"

namespace plik {

const std::vector<Route>& routeTable() {
  using namespace handlers;
  constexpr unsigned kDownload = kStd | kRedirect | kUpload | kFile | kDownloadDomain;
  static const std::vector<Route> routes = {
      {"GET", "/config", kStd, getConfig},
      {"GET", "/version", kStd, getVersion},
      {"GET", "/qrcode", kStd, getQrCode},
      {"GET HEAD", "/health", kBare, getHealth},
      {"POST", "/", kStd, quickUpload},
      {"POST", "/upload", kStd, createUpload},
      {"GET", "/upload/{uploadID}", kStd | kUpload, getUpload},
      {"DELETE", "/upload/{uploadID}", kStd | kUpload, removeUpload},
      {"POST", "/file/{uploadID}", kStd | kUpload, addFile},
      {"POST", "/file/{uploadID}/{fileID}/{filename}", kStd | kUpload | kFile, addFile},
      {"DELETE", "/file/{uploadID}/{fileID}/{filename}", kStd | kUpload | kFile, removeFile},
      {"GET HEAD", "/file/{uploadID}/{fileID}/{filename}", kDownload, getFile},
      {"POST", "/stream/{uploadID}/{fileID}/{filename}", kStd | kUpload | kFile, addFile},
      {"DELETE", "/stream/{uploadID}/{fileID}/{filename}", kStd | kUpload | kFile, removeStream},
      {"GET HEAD", "/stream/{uploadID}/{fileID}/{filename}", kDownload, getFile},
      {"GET HEAD", "/archive/{uploadID}/{filename}", kStd | kRedirect | kUpload | kDownloadDomain,
       getArchive},
  };
  return routes;
}

bool matchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& vars) {
  if (pattern == "/") return path == "/";
  size_t pi = 0, si = 0;
  while (pi < pattern.size() && si < path.size()) {
    if (pattern[pi] != '/' || path[si] != '/') return false;
    ++pi;
    ++si;
    size_t pe = pattern.find('/', pi);
    if (pe == std::string_view::npos) pe = pattern.size();
    size_t se = path.find('/', si);
    if (se == std::string_view::npos) se = path.size();
    auto pseg = pattern.substr(pi, pe - pi);
    auto sseg = path.substr(si, se - si);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (sseg.empty()) return false;
      vars[std::string(pseg.substr(1, pseg.size() - 2))] = std::string(sseg);
    } else if (pseg != sseg) {
      return false;
    }
    pi = pe;
    si = se;
  }
  return pi == pattern.size() && si == path.size();
}

}  // namespace plik
