// Pure helpers of the plik client (see format.hpp): no I/O, unit-tested in
// tests/unit/client/format_test.cpp.
#include "client/format.hpp"

#include <charconv>
#include <cstdio>

namespace plik {

Result<int64_t> parseTtl(std::string_view s) {
  auto bad = [&] { return Error{0, "Invalid TTL " + std::string(s), {}}; };
  if (s.empty()) return bad();
  int64_t mult = 1;
  std::string_view num = s;
  switch (s.back()) {
    case 'm':
      mult = 60;
      num.remove_suffix(1);
      break;
    case 'h':
      mult = 3600;
      num.remove_suffix(1);
      break;
    case 'd':
      mult = 86400;
      num.remove_suffix(1);
      break;
    case 's':
      num.remove_suffix(1);
      break;
    default:
      break;
  }
  if (num.empty()) return bad();
  int64_t v = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
  if (ec != std::errc() || p != num.data() + num.size()) return bad();
  if (v < 0) return v == -1 && mult == 1 ? Result<int64_t>(int64_t{-1}) : Result<int64_t>(bad());
  if (v > INT64_MAX / mult) return bad();
  return v * mult;
}

std::pair<std::string, std::string> parseLoginPassword(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return {"plik", std::string(s)};
  return {std::string(s.substr(0, colon)), std::string(s.substr(colon + 1))};
}

std::vector<std::string> splitFields(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string escapePathSegment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool keep = std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '!' ||
                c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' ||
                c == ';' || c == '=' || c == ':' || c == '@';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string fileUrl(std::string_view base, bool stream, std::string_view uploadId,
                    std::string_view fileId, std::string_view name) {
  std::string b(base);
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + (stream ? "/stream/" : "/file/") + std::string(uploadId) + "/" + std::string(fileId) +
         "/" + escapePathSegment(name);
}

std::string uploadPageUrl(std::string_view url, std::string_view uploadId) {
  std::string b(url);
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + "/#/?id=" + std::string(uploadId);
}

std::string shellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string downloadCommand(std::string_view url, std::string_view fileName,
                            const CommandPipes& p) {
  std::string cmd;
  if (p.downloadBinary == "curl")
    cmd = "curl -s";
  else if (p.downloadBinary == "wget")
    cmd = "wget -q -O-";
  else
    cmd = p.downloadBinary;
  cmd += " \"" + std::string(url) + "\"";
  if (!p.decrypt.empty()) cmd += " | " + p.decrypt;
  if (!p.unarchive.empty())
    cmd += " | " + p.unarchive;
  else
    cmd += " > " + shellQuote(fileName);
  return cmd;
}

Result<std::string> tarCompressFlag(std::string_view c) {
  if (c == "gzip" || c == "bzip2" || c == "xz" || c == "lzip" || c == "lzma" || c == "lzop" ||
      c == "compress")
    return "--" + std::string(c);
  if (c == "no" || c.empty()) return std::string();
  return Error{0, "Invalid tar compression codec " + std::string(c), {}};
}

std::string tarExtension(std::string_view c) {
  if (c == "gzip") return ".tar.gz";
  if (c == "bzip2") return ".tar.bz2";
  if (c == "xz") return ".tar.xz";
  if (c == "lzip") return ".tar.lz";
  if (c == "lzma") return ".tar.lzma";
  if (c == "lzop") return ".tar.lzo";
  if (c == "compress") return ".tar.Z";
  return ".tar";
}

std::string archiveFileName(const std::vector<std::string>& paths, std::string_view method,
                            std::string_view compress) {
  std::string base = "archive";
  if (paths.size() == 1) {
    std::string p = paths[0];
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.rfind('/');
    base = slash == std::string::npos ? p : p.substr(slash + 1);
    if (base.empty() || base == "." || base == ".." || base == "/") base = "archive";
  }
  return base + (method == "zip" ? std::string(".zip") : tarExtension(compress));
}

std::string tarUnarchiveCommand(std::string_view compress) {
  auto flag = tarCompressFlag(compress);
  std::string cmd = "tar xvf -";
  if (flag.ok() && !flag.value().empty()) cmd += " " + flag.value();
  return cmd;
}

std::string opensslDecryptCommand(std::string_view cipher, std::string_view passphrase,
                                  std::string_view options) {
  std::string cmd = "openssl " + std::string(cipher) + " -d -pass pass:" + std::string(passphrase);
  if (!options.empty()) cmd += " " + std::string(options);
  return cmd;
}

std::string formatEta(int64_t s) {
  if (s < 0) s = 0;
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600),
                  (long long)(s / 60 % 60), (long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return buf;
}

}  // namespace plik
