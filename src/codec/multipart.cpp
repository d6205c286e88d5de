// Incremental multipart parser: boundary search with memmem over whole buffers, header and
// Content-Disposition parsing that follows Go's mime/multipart and mime.ParseMediaType.
#include "codec/multipart.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace plik {

namespace {

constexpr size_t kMaxBoundaryLength = 70;  // RFC 2046 §5.1.1

bool isTSpecial(char c) { return std::strchr("()<>@,;:\\\"/[]?=", c) != nullptr && c != '\0'; }

bool isTokenChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && !isTSpecial(c);
}

bool isSpace(char c) {  // unicode.IsSpace on single bytes (Go decodes runes; >= 0x80 never matches)
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowerStr(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lowerAscii(c);
  return out;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  }
  return true;
}

std::string_view trimLeftSpace(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trimSpace(std::string_view s) {
  s = trimLeftSpace(s);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view consumeToken(std::string_view& v) {
  size_t n = 0;
  while (n < v.size() && isTokenChar(v[n])) ++n;
  std::string_view tok = v.substr(0, n);
  v.remove_prefix(n);
  return tok;
}

// Go's consumeValue: a token or a quoted-string; a backslash escapes only tspecials (MSIE
// sends unescaped "C:\dir\file"). Returns false when nothing valid was consumed.
bool consumeValue(std::string_view& v, std::string& out) {
  out.clear();
  if (v.empty()) return false;
  if (v[0] != '"') {
    std::string_view tok = consumeToken(v);
    out.assign(tok);
    return !tok.empty();
  }
  for (size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') {
      v.remove_prefix(i + 1);
      return true;
    }
    if (c == '\\' && i + 1 < v.size() && isTSpecial(v[i + 1])) {
      out.push_back(v[i + 1]);
      ++i;
      continue;
    }
    if (c == '\r' || c == '\n') return false;
    out.push_back(c);
  }
  return false;  // no closing quote
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percentHexUnescape(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// RFC 2231 "charset'lang'pct-encoded" with charset utf-8 or us-ascii.
bool decode2231(std::string_view v, std::string& out) {
  size_t q1 = v.find('\'');
  if (q1 == std::string_view::npos) return false;
  size_t q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return false;
  std::string charset = lowerStr(v.substr(0, q1));
  if (charset != "us-ascii" && charset != "utf-8") return false;
  return percentHexUnescape(v.substr(q2 + 1), out);
}

enum class MediaParse { Ok, BadType, BadParam };

// Port of Go's mime.ParseMediaType: lower-cased type, lower-cased parameter names, RFC 2231
// extended and continued parameters. On BadParam the type is still set and params are empty.
MediaParse parseMediaType(std::string_view v, std::string& type,
                          std::map<std::string, std::string>& params) {
  params.clear();
  size_t semi = v.find(';');
  type = lowerStr(trimSpace(v.substr(0, semi)));
  {
    std::string_view t = type;
    if (consumeToken(t).empty()) return MediaParse::BadType;
    if (!t.empty()) {
      if (t[0] != '/') return MediaParse::BadType;
      t.remove_prefix(1);
      if (consumeToken(t).empty() || !t.empty()) return MediaParse::BadType;
    }
  }
  if (semi == std::string_view::npos) return MediaParse::Ok;
  std::string_view rest = v.substr(semi);
  std::map<std::string, std::map<std::string, std::string>> continuation;
  std::map<std::string, std::string> plain;
  std::string value;
  while (!rest.empty()) {
    rest = trimLeftSpace(rest);
    if (rest.empty()) break;
    bool ok = false;
    std::string key;
    std::string_view r = rest;
    if (r[0] == ';') {
      r = trimLeftSpace(r.substr(1));
      key = lowerStr(consumeToken(r));
      if (!key.empty()) {
        r = trimLeftSpace(r);
        if (!r.empty() && r[0] == '=') {
          r = trimLeftSpace(r.substr(1));
          ok = consumeValue(r, value);  // `name=""` is valid: consumed, empty value
        }
      }
    }
    if (!ok) {
      if (trimSpace(rest) == ";") break;  // trailing semicolon
      params.clear();
      return MediaParse::BadParam;
    }
    rest = r;
    std::map<std::string, std::string>* target = &plain;
    size_t star = key.find('*');
    if (star != std::string::npos) target = &continuation[key.substr(0, star)];
    if (target->count(key)) {
      params.clear();
      return MediaParse::BadParam;  // duplicate parameter
    }
    (*target)[key] = value;
  }
  params = std::move(plain);
  for (auto& [base, pieces] : continuation) {
    auto single = pieces.find(base + "*");
    if (single != pieces.end()) {
      std::string dec;
      if (decode2231(single->second, dec)) params[base] = dec;
      continue;
    }
    std::string joined;
    bool valid = false;
    for (size_t n = 0;; ++n) {
      std::string simple = base + "*" + std::to_string(n);
      auto it = pieces.find(simple);
      if (it != pieces.end()) {
        valid = true;
        joined += it->second;
        continue;
      }
      it = pieces.find(simple + "*");
      if (it == pieces.end()) break;
      valid = true;
      std::string dec;
      if (n == 0) {
        if (decode2231(it->second, dec)) joined += dec;
      } else {
        percentHexUnescape(it->second, dec);
        joined += dec;
      }
    }
    if (valid) params[base] = joined;
  }
  return MediaParse::Ok;
}

// Longest suffix of `in` (shorter than `needle`) that is a prefix of `needle`.
size_t partialSuffix(std::span<const char> in, std::string_view needle) {
  size_t from = in.size() >= needle.size() ? in.size() - needle.size() + 1 : 0;
  const char* base = in.data();
  while (from < in.size()) {
    const void* hit = std::memchr(base + from, needle[0], in.size() - from);
    if (!hit) return 0;
    size_t pos = static_cast<const char*>(hit) - base;
    size_t len = in.size() - pos;
    if (std::memcmp(base + pos, needle.data(), len) == 0) return len;
    from = pos + 1;
  }
  return 0;
}

size_t findIn(std::span<const char> in, size_t from, std::string_view needle) {
  if (from >= in.size()) return std::string_view::npos;
  const void* hit = memmem(in.data() + from, in.size() - from, needle.data(), needle.size());
  return hit ? static_cast<size_t>(static_cast<const char*>(hit) - in.data())
             : std::string_view::npos;
}

// Go's matchAfterPrefix: after a full delimiter, the boundary really ends the part only when
// followed by LWSP, CR, LF or "--". +1 match, 0 need more bytes, -1 plain data.
int matchAfterDelimiter(std::span<const char> in, size_t after, bool eof) {
  if (after == in.size()) return eof ? +1 : 0;
  char c = in[after];
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return +1;
  if (c == '-') {
    if (after + 1 == in.size()) return eof ? -1 : 0;
    if (in[after + 1] == '-') return +1;
  }
  return -1;
}

std::string quoteForError(std::string_view line) {
  std::string out = "\"";
  for (char c : line.substr(0, 64)) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::optional<std::string> multipartBoundary(std::string_view contentType) {
  std::string type;
  std::map<std::string, std::string> params;
  if (parseMediaType(contentType, type, params) != MediaParse::Ok) return std::nullopt;
  if (type != "multipart/form-data" && type != "multipart/mixed") return std::nullopt;
  auto it = params.find("boundary");
  if (it == params.end() || it->second.empty() || it->second.size() > kMaxBoundaryLength) {
    return std::nullopt;
  }
  return it->second;
}

MultipartParser::MultipartParser(std::string boundary, size_t maxHeaderBytes)
    : delimiter_("\r\n--" + boundary),
      dashBoundary_("--" + boundary),
      maxHeaderBytes_(maxHeaderBytes) {
  if (boundary.empty()) fail("multipart: boundary is empty");
}

MultipartParser::Step MultipartParser::fail(std::string msg) {
  state_ = State::Error;
  error_ = std::move(msg);
  return Step{Kind::Error, 0, {}};
}

bool MultipartParser::parseHeaders(std::string_view block) {
  part_ = MultipartPart{};
  std::vector<std::pair<std::string, std::string>> headers;
  while (!block.empty()) {
    size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    block.remove_prefix(nl == std::string_view::npos ? block.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      if (headers.empty()) {
        fail("multipart: malformed MIME header initial line: " + quoteForError(line));
        return false;
      }
      std::string_view cont = trimSpace(line);
      if (!cont.empty()) {
        if (!headers.back().second.empty()) headers.back().second += ' ';
        headers.back().second += cont;
      }
      continue;
    }
    size_t colon = line.find(':');
    std::string_view key = colon == std::string_view::npos ? line : line.substr(0, colon);
    bool validKey = colon != std::string_view::npos && !key.empty();
    for (char c : key) validKey = validKey && isTokenChar(c);
    if (!validKey) {
      fail("multipart: malformed MIME header line: " + quoteForError(line));
      return false;
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    headers.emplace_back(std::string(key), std::string(value));
  }
  bool haveDisposition = false, haveType = false;
  for (const auto& [key, value] : headers) {
    if (!haveDisposition && iequal(key, "Content-Disposition")) {
      haveDisposition = true;
      std::string type;
      std::map<std::string, std::string> params;
      if (parseMediaType(value, type, params) == MediaParse::Ok) {
        if (type == "form-data") {
          if (auto it = params.find("name"); it != params.end()) part_.name = it->second;
        }
        if (auto it = params.find("filename"); it != params.end()) {
          part_.filename = it->second;
          part_.hasFilename = true;
        }
      }
    } else if (!haveType && iequal(key, "Content-Type")) {
      haveType = true;
      part_.contentType = value;
    }
  }
  return true;
}

MultipartParser::Step MultipartParser::next(std::span<const char> input, bool eof) {
  size_t off = 0;  // bytes used by transitions that produce no event
  for (;;) {
    std::span<const char> in = input.subspan(off);
    switch (state_) {
      case State::Error:
        return Step{Kind::Error, 0, {}};

      case State::Done:
        return Step{Kind::Done, input.size(), {}};  // the epilogue is ignored

      case State::Preamble: {
        // A boundary counts only at the start of a line (Go reads the preamble line by line).
        size_t cand = std::string_view::npos;
        if (lineStart_) {
          size_t n = std::min(in.size(), dashBoundary_.size());
          if (std::memcmp(in.data(), dashBoundary_.data(), n) == 0) {
            if (n < dashBoundary_.size()) {
              if (eof) return fail("multipart: NextPart: unexpected EOF");
              return Step{Kind::NeedMore, off, {}};
            }
            cand = 0;
          }
        }
        std::string_view nlDash(delimiter_.data() + delimiter_.size() - dashBoundary_.size() - 1,
                                dashBoundary_.size() + 1);  // "\n--boundary"
        if (cand == std::string_view::npos) {
          size_t p = findIn(in, 0, nlDash);
          if (p != std::string_view::npos) cand = p + 1;
        }
        if (cand == std::string_view::npos) {
          if (eof) return fail("multipart: NextPart: unexpected EOF");
          size_t keep = partialSuffix(in, nlDash);
          size_t used = in.size() - keep;
          if (used > 0) lineStart_ = in[used - 1] == '\n';
          return Step{Kind::NeedMore, off + used, {}};
        }
        off += cand + dashBoundary_.size();
        state_ = State::BoundaryLine;
        continue;
      }

      case State::BoundaryLine: {
        // The rest of a line that began with "--boundary": LWSP then newline opens a part,
        // "--" closes the body; anything else is preamble text or an error.
        const void* nlHit = std::memchr(in.data(), '\n', std::min(in.size(), maxHeaderBytes_));
        std::string_view line;
        if (nlHit) {
          line = std::string_view(in.data(), static_cast<const char*>(nlHit) - in.data() + 1);
        } else if (in.size() >= maxHeaderBytes_) {
          return fail("multipart: boundary line too long");
        } else if (!eof) {
          return Step{Kind::NeedMore, off, {}};
        } else {
          line = std::string_view(in.data(), in.size());
        }
        bool closing = line.substr(0, 2) == "--";
        std::string_view rest = closing ? line.substr(2) : line;
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t'))
          rest.remove_prefix(1);
        bool lineEnd = rest == "\r\n" || rest == "\n";
        if (closing && (lineEnd || (rest.empty() && eof))) {
          state_ = State::Done;
          return Step{Kind::Done, off + line.size(), {}};
        }
        if (!closing && lineEnd) {
          if (partsRead_ == 0 && rest == "\n") {
            delimiter_.erase(0, 1);  // Go: a first boundary line ending in LF switches to LF mode
          }
          ++partsRead_;
          off += line.size();
          headerScan_ = 0;
          state_ = State::Headers;
          continue;
        }
        if (partsRead_ == 0) {  // still in the preamble: skip this line
          lineStart_ = false;
          state_ = State::Preamble;
          continue;
        }
        return fail("multipart: expecting a new Part; got line " +
                    quoteForError(dashBoundary_ + std::string(line)));
      }

      case State::Headers: {
        size_t window = std::min(in.size(), maxHeaderBytes_);
        size_t pos = headerScan_;
        size_t end = std::string_view::npos;
        while (pos < window) {
          const void* hit = std::memchr(in.data() + pos, '\n', window - pos);
          if (!hit) break;
          size_t nl = static_cast<const char*>(hit) - in.data();
          size_t len = nl - pos;
          if (len == 0 || (len == 1 && in[pos] == '\r')) {
            end = nl + 1;
            break;
          }
          pos = nl + 1;
        }
        if (end == std::string_view::npos) {
          headerScan_ = pos;
          if (in.size() >= maxHeaderBytes_) return fail("multipart: part headers too large");
          if (eof) return fail("multipart: NextPart: unexpected EOF");
          return Step{Kind::NeedMore, off, {}};
        }
        if (!parseHeaders(std::string_view(in.data(), end))) return Step{Kind::Error, 0, {}};
        off += end;
        state_ = State::Body;
        bodyStart_ = true;
        return Step{Kind::PartBegin, off, {}};
      }

      case State::Body: {
        if (bodyStart_) {
          // Go: at the very start of a body, a bare "--boundary" (the CRLF ending the
          // headers doubling as the delimiter's) ends an empty part.
          size_t n = std::min(in.size(), dashBoundary_.size());
          if (std::memcmp(in.data(), dashBoundary_.data(), n) == 0) {
            if (n < dashBoundary_.size()) {
              if (!eof) return Step{Kind::NeedMore, off, {}};
            } else {
              int m = matchAfterDelimiter(in, n, eof);
              if (m == 0) return Step{Kind::NeedMore, off, {}};
              if (m > 0) {
                state_ = State::BoundaryLine;
                return Step{Kind::PartEnd, off + n, {}};
              }
            }
          }
        }
        size_t from = 0;
        for (;;) {
          size_t p = findIn(in, from, delimiter_);
          if (p == std::string_view::npos) break;
          int m = matchAfterDelimiter(in, p + delimiter_.size(), eof);
          if (m < 0) {
            from = p + 1;
            continue;
          }
          if (p > 0) {
            bodyStart_ = false;
            return Step{Kind::Data, off + p, in.subspan(0, p)};
          }
          if (m == 0) return Step{Kind::NeedMore, off, {}};
          state_ = State::BoundaryLine;
          return Step{Kind::PartEnd, off + delimiter_.size(), {}};
        }
        if (eof) {
          if (in.empty()) return fail("multipart: unexpected EOF");
          bodyStart_ = false;
          return Step{Kind::Data, off + in.size(), in};
        }
        size_t keep = partialSuffix(in, delimiter_);
        if (bodyStart_) {
          // A bare "--boundary" prefix may still be completing at the start of the body.
          size_t n = std::min(in.size(), dashBoundary_.size());
          if (n < dashBoundary_.size() && std::memcmp(in.data(), dashBoundary_.data(), n) == 0) {
            keep = in.size();
          }
        }
        size_t emit = in.size() - keep;
        if (emit == 0) return Step{Kind::NeedMore, off, {}};
        bodyStart_ = false;
        return Step{Kind::Data, off + emit, in.subspan(0, emit)};
      }
    }
  }
}

}  // namespace plik
