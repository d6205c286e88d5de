// Download-domain check (spec §6.6): with DownloadDomain set, file/stream/archive downloads
// must come with a Host equal to it or to an alias.
#include "codec/http_text.hpp"
#include "server/middleware/middleware.hpp"

namespace plik::middleware {

Status downloadDomain(Context& ctx) {
  const auto& hosts = ctx.config().downloadHosts;
  if (ctx.config().downloadDomain.empty() || hosts.empty()) return {};
  std::string host = ctx.req.headerOr("Host");
  for (const auto& h : hosts)
    if (iequals(h, host)) return {};
  return Error::badRequest("Invalid download domain " + host);
}

}  // namespace plik::middleware
