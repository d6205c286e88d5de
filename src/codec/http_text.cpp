// Small HTTP text helpers: percent-coding (Go url.PathUnescape/QueryUnescape semantics),
// query strings (first value wins), base64, Content-Disposition as Plik writes it.
#include "codec/http_text.hpp"

#include <cstdint>

namespace plik {

namespace {

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

constexpr char kHex[] = "0123456789ABCDEF";

void appendPercent(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0x0f];
}

std::optional<std::string> percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out += c;
  }
  return out;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 5987 attr-char.
bool isAttrChar(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '&':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  }
  return true;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lowerAscii(c);
  return out;
}

std::optional<std::string> percentDecodePath(std::string_view s) { return percentDecode(s, false); }

std::optional<std::string> percentDecodeQuery(std::string_view s) { return percentDecode(s, true); }

std::string percentEncodePath(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c) || c == '/') {
      out += ch;
    } else {
      appendPercent(out, c);
    }
  }
  return out;
}

std::string percentEncodeQuery(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c)) {
      out += ch;
    } else if (c == ' ') {
      out += '+';  // Go url.QueryEscape
    } else {
      appendPercent(out, c);
    }
  }
  return out;
}

std::map<std::string, std::string> parseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    // Go (>= 1.17) rejects pairs containing ';' and skips empty ones.
    if (pair.empty() || pair.find(';') != std::string_view::npos) continue;
    size_t eq = pair.find('=');
    auto key = percentDecodeQuery(pair.substr(0, eq));
    auto value =
        percentDecodeQuery(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) continue;
    out.emplace(std::move(*key), std::move(*value));  // the first value wins
  }
  return out;
}

std::string base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = byte(i) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64Decode(std::string_view in) {
  // Standard alphabet; CR/LF ignored (as Go does); padding optional but, when present, exact.
  std::string clean;
  clean.reserve(in.size());
  for (char c : in) {
    if (c != '\r' && c != '\n') clean += c;
  }
  size_t pad = 0;
  while (!clean.empty() && clean.back() == '=' && pad < 2) {
    clean.pop_back();
    ++pad;
  }
  if (pad > 0 && (clean.size() + pad) % 4 != 0) return std::nullopt;
  if (clean.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(clean.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : clean) {
    int v = b64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string contentDisposition(std::string_view name, bool attachment) {
  std::string safe;  // control characters replaced, usable both quoted and percent-encoded
  safe.reserve(name.size());
  bool ascii = true;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      safe += '_';
    } else {
      if (c >= 0x80) ascii = false;
      safe += ch;
    }
  }
  std::string out = attachment ? "attachement; filename=\"" : "filename=\"";
  for (char ch : safe) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
  if (!ascii) {
    out += "; filename*=UTF-8''";
    for (char ch : safe) {
      auto c = static_cast<unsigned char>(ch);
      if (isAttrChar(c)) {
        out += ch;
      } else {
        appendPercent(out, c);
      }
    }
  }
  return out;
}

}  // namespace plik
