// encodeListCursor / decodeListCursor: base64url without padding over "<ns>:<id>".
#include "metadata/list_cursor.hpp"

#include <cstring>
#include <string_view>

namespace plik {

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64UrlEncode(std::string_view in) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(buf >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kB64[(buf << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<std::string> base64UrlDecode(std::string_view in) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    const char* p = c ? std::strchr(kB64, c) : nullptr;
    if (!p) return std::nullopt;
    buf = (buf << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace

std::string encodeListCursor(const Upload& u) {
  return base64UrlEncode(std::to_string(u.createdAt.time_since_epoch().count()) + ":" + u.id);
}

std::optional<std::pair<int64_t, std::string>> decodeListCursor(const std::string& cursor) {
  auto raw = base64UrlDecode(cursor);
  if (!raw) return std::nullopt;
  auto colon = raw->find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  int64_t ns = 0;
  bool neg = (*raw)[0] == '-';
  if (neg && colon == 1) return std::nullopt;
  for (size_t i = neg ? 1 : 0; i < colon; ++i) {
    char c = (*raw)[i];
    if (c < '0' || c > '9') return std::nullopt;
    ns = ns * 10 + (c - '0');
  }
  return std::make_pair(neg ? -ns : ns, raw->substr(colon + 1));
}

}  // namespace plik
