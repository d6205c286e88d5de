// Go encoding/json compatible writers (Plik's field order, Go string escaping) and the
// POST /upload body decoder (Go's case-insensitive, type-strict rules, V0 then legacy V1).
#include "codec/json_codec.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace plik {

namespace {

using OJson = nlohmann::ordered_json;

// ------------------------------------------------------------------------------------------
// UTF-8 and Go string escaping
// ------------------------------------------------------------------------------------------

// Length of the well-formed UTF-8 sequence at s[i] (Go utf8.DecodeRune rules: no overlongs,
// no surrogates, <= U+10FFFF), or 0 when s[i] does not start one. *cp gets the code point.
size_t utf8SequenceAt(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c0 = b(i);
  const size_t left = s.size() - i;
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return k < left && b(i + k) >= lo && b(i + k) <= hi;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    if (!cont(1)) return 0;
    *cp = ((c0 & 0x1fu) << 6) | (b(i + 1) & 0x3fu);
    return 2;
  }
  if (c0 >= 0xe0 && c0 <= 0xef) {
    unsigned char lo = c0 == 0xe0 ? 0xa0 : 0x80;
    unsigned char hi = c0 == 0xed ? 0x9f : 0xbf;
    if (!cont(1, lo, hi) || !cont(2)) return 0;
    *cp = ((c0 & 0x0fu) << 12) | ((b(i + 1) & 0x3fu) << 6) | (b(i + 2) & 0x3fu);
    return 3;
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    unsigned char lo = c0 == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = c0 == 0xf4 ? 0x8f : 0xbf;
    if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return 0;
    *cp = ((c0 & 0x07u) << 18) | ((b(i + 1) & 0x3fu) << 12) | ((b(i + 2) & 0x3fu) << 6) |
          (b(i + 3) & 0x3fu);
    return 4;
  }
  return 0;
}

constexpr char kHexLower[] = "0123456789abcdef";

// Go encodeState.string with escapeHTML=true: ", \, \n, \r, \t short escapes, other controls
// and <, >, & as \u00XX, U+2028/U+2029 escaped, each invalid UTF-8 byte as \ufffd.
void appendGoString(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
        out.push_back(static_cast<char>(c));
      } else {
        out.push_back('\\');
        switch (c) {
          case '"':
            out.push_back('"');
            break;
          case '\\':
            out.push_back('\\');
            break;
          case '\n':
            out.push_back('n');
            break;
          case '\r':
            out.push_back('r');
            break;
          case '\t':
            out.push_back('t');
            break;
          default:
            out.append("u00");
            out.push_back(kHexLower[c >> 4]);
            out.push_back(kHexLower[c & 0xf]);
        }
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = utf8SequenceAt(s, i, &cp);
    if (n == 0) {
      out.append("\\ufffd");
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out.append(cp == 0x2028 ? "\\u2028" : "\\u2029");
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out.push_back('"');
}

// Compact JSON writer; the caller emits keys in Plik's declaration order.
class JsonOut {
 public:
  void beginObject() {
    beforeValue();
    out_.push_back('{');
    first_.push_back(true);
  }
  void endObject() {
    out_.push_back('}');
    first_.pop_back();
  }
  void beginArray() {
    beforeValue();
    out_.push_back('[');
    first_.push_back(true);
  }
  void endArray() {
    out_.push_back(']');
    first_.pop_back();
  }
  void key(std::string_view k) {
    comma();
    appendGoString(out_, k);
    out_.push_back(':');
    afterKey_ = true;
  }
  void str(std::string_view v) {
    beforeValue();
    appendGoString(out_, v);
  }
  void num(int64_t v) {
    beforeValue();
    out_.append(std::to_string(v));
  }
  void boolean(bool v) {
    beforeValue();
    out_.append(v ? "true" : "false");
  }
  void null() {
    beforeValue();
    out_.append("null");
  }

  void field(std::string_view k, std::string_view v) {
    key(k);
    str(v);
  }
  void field(std::string_view k, const char* v) {
    key(k);
    str(v);
  }
  void field(std::string_view k, const std::string& v) {
    key(k);
    str(v);
  }
  void field(std::string_view k, int64_t v) {
    key(k);
    num(v);
  }
  void field(std::string_view k, int v) {
    key(k);
    num(v);
  }
  void field(std::string_view k, bool v) {
    key(k);
    boolean(v);
  }
  void fieldOmitEmpty(std::string_view k, std::string_view v) {
    if (!v.empty()) field(k, v);
  }

  std::string take() { return std::move(out_); }

 private:
  void comma() {
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
  void beforeValue() {
    if (afterKey_) {
      afterKey_ = false;
      return;
    }
    comma();
  }

  std::string out_;
  std::vector<bool> first_;
  bool afterKey_ = false;
};

// ------------------------------------------------------------------------------------------
// Time
// ------------------------------------------------------------------------------------------

constexpr int64_t kGoZeroUnix = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kNanosPerSecond = 1000000000;

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t unixSeconds(TimePoint t) {
  if (t == TimePoint{}) return kGoZeroUnix;
  return floorDiv(t.time_since_epoch().count(), kNanosPerSecond);
}

bool isLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Strict RFC 3339 as Go's time.Parse(time.RFC3339, s) + JSON strictness: "YYYY-MM-DDTHH:MM:SS",
// optional ".digits" (truncated to ns), then "Z" or "+HH:MM"/"-HH:MM".
bool parseRfc3339(std::string_view s, int64_t* unixSecs, int64_t* nanos) {
  auto digits = [&](size_t pos, size_t n, int* v) {
    if (pos + n > s.size()) return false;
    int r = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return true;
  };
  int year, month, day, hour, minute, second;
  if (s.size() < 20) return false;
  if (!digits(0, 4, &year) || s[4] != '-' || !digits(5, 2, &month) || s[7] != '-' ||
      !digits(8, 2, &day) || s[10] != 'T' || !digits(11, 2, &hour) || s[13] != ':' ||
      !digits(14, 2, &minute) || s[16] != ':' || !digits(17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  size_t pos = 19;
  int64_t ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return false;
    int64_t scale = kNanosPerSecond;
    for (size_t i = start; i < pos && i < start + 9; ++i) {
      scale /= 10;
      ns += (s[i] - '0') * scale;
    }
  }
  int64_t offset = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    if (pos + 1 != s.size()) return false;
  } else {
    int oh, om;
    if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || !digits(pos + 1, 2, &oh) ||
        s[pos + 3] != ':' || !digits(pos + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{unsigned(month)},
                                        std::chrono::day{unsigned(day)}};
  const int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  *unixSecs = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  *nanos = ns;
  return true;
}

// ------------------------------------------------------------------------------------------
// POST /upload body decoding
// ------------------------------------------------------------------------------------------

constexpr size_t kMaxDepth = 10000;  // Go's scanner maxNestingDepth

// Placeholder for number literals nlohmann cannot hold (they overflow a double: 1e400) but Go
// accepts syntactically. Every "0e0" token of the normalized text has its original literal
// queued in NormalizedBody::floatLiterals, in document order.
constexpr std::string_view kFloatPlaceholder = "0e0";

struct NormalizedBody {
  std::string text;
  std::vector<std::string> floatLiterals;
  // nlohmann stops at a NUL as if the input ended; Go rejects it. Raw NULs are rewritten to
  // U+0001 (equally invalid everywhere) and reported back as '\x00' in error messages.
  bool nulAsSoh = false;
};

// A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool isJsonNumber(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

// Go's decoder replaces invalid UTF-8 and unpaired surrogate escapes inside strings with
// U+FFFD and accepts any syntactically valid number; nlohmann rejects all three. Rewrite
// them so nlohmann sees what Go would decode (and NULs, see NormalizedBody).
NormalizedBody normalizeForParse(std::string_view in) {
  auto hex4 = [&](size_t pos, uint32_t* v) {
    if (pos + 4 > in.size()) return false;
    uint32_t r = 0;
    for (size_t i = pos; i < pos + 4; ++i) {
      char c = in[i];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return false;
      r = r * 16 + static_cast<uint32_t>(d);
    }
    *v = r;
    return true;
  };
  NormalizedBody nb;
  if (in.find('\0') != std::string_view::npos && in.find('\x01') == std::string_view::npos) {
    nb.nulAsSoh = true;
  }
  std::string& out = nb.text;
  out.reserve(in.size());
  bool inString = false;
  size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (c == '\0') {
      out.push_back('\x01');
      ++i;
      continue;
    }
    if (!inString) {
      if (c == '-' || (c >= '0' && c <= '9')) {
        size_t end = i;
        while (end < in.size() && (std::strchr("0123456789+-.eE", in[end]) != nullptr) &&
               in[end] != '\0') {
          ++end;
        }
        std::string_view tok = in.substr(i, end - i);
        if (isJsonNumber(tok)) {
          const std::string copy(tok);
          const double d = std::strtod(copy.c_str(), nullptr);
          if (tok == kFloatPlaceholder || d == HUGE_VAL || d == -HUGE_VAL) {
            nb.floatLiterals.push_back(copy);
            out.append(kFloatPlaceholder);
            i = end;
            continue;
          }
        }
        out.append(tok);
        i = end;
        continue;
      }
      if (c == '"') inString = true;
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '"') {
      inString = false;
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '\\') {
      uint32_t u = 0;
      if (i + 1 < in.size() && in[i + 1] == 'u' && hex4(i + 2, &u)) {
        if (u >= 0xd800 && u <= 0xdbff) {
          uint32_t lo = 0;
          if (i + 7 < in.size() && in[i + 6] == '\\' && in[i + 7] == 'u' && hex4(i + 8, &lo) &&
              lo >= 0xdc00 && lo <= 0xdfff) {
            out.append(in.substr(i, 12));
            i += 12;
            continue;
          }
          out.append("\\ufffd");
          i += 6;
          continue;
        }
        if (u >= 0xdc00 && u <= 0xdfff) {
          out.append("\\ufffd");
          i += 6;
          continue;
        }
        out.append(in.substr(i, 6));
        i += 6;
        continue;
      }
      // Other escapes (valid or not): copy the pair so an escaped quote stays escaped.
      out.append(in.substr(i, std::min<size_t>(2, in.size() - i)));
      i += 2;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      uint32_t cp = 0;
      size_t n = utf8SequenceAt(in, i, &cp);
      if (n == 0) {
        out.append("\xef\xbf\xbd");
        ++i;
      } else {
        out.append(in.substr(i, n));
        i += n;
      }
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return nb;
}

// Go's quoteChar, used in syntax error messages.
std::string goQuoteChar(unsigned char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  std::string r = "'";
  switch (c) {
    case '\a':
      r += "\\a";
      break;
    case '\b':
      r += "\\b";
      break;
    case '\f':
      r += "\\f";
      break;
    case '\n':
      r += "\\n";
      break;
    case '\r':
      r += "\\r";
      break;
    case '\t':
      r += "\\t";
      break;
    case '\v':
      r += "\\v";
      break;
    default:
      if (c >= 0x20 && c < 0x7f) {
        r.push_back(static_cast<char>(c));
      } else if (c < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        r += buf;
      } else if (c < 0xa1 || c == 0xad) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        r += buf;
      } else {  // Latin-1 rune U+00XX, printed as UTF-8
        r.push_back(static_cast<char>(0xc0 | (c >> 6)));
        r.push_back(static_cast<char>(0x80 | (c & 0x3f)));
      }
  }
  r += "'";
  return r;
}

// Translates an nlohmann syntax error into Go's scanner wording (best effort: same classes of
// message and the same offending character in the common cases). lastToken is nlohmann's
// token buffer: the text read since the last string/number token started.
std::string goSyntaxError(const std::string& lastToken, const std::string& what, bool atEof,
                          bool sohIsNul) {
  auto has = [&](std::string_view needle) { return what.find(needle) != std::string::npos; };
  if (atEof || has("unexpected end of input") || lastToken.empty()) {
    return "unexpected end of JSON input";
  }
  auto quoted = [sohIsNul](unsigned char c, std::string_view context) {
    if (c == 0x01 && sohIsNul) c = 0x00;
    return "invalid character " + goQuoteChar(c) + " " + std::string(context);
  };
  const bool lexerError = has("; last read: ");
  unsigned char bad = static_cast<unsigned char>(lastToken.back());
  if (lexerError) {
    // nlohmann renders control characters of the token as "<U+XXXX>".
    size_t p = lastToken.rfind("<U+");
    if (lastToken.back() == '>' && p != std::string::npos && p + 8 == lastToken.size()) {
      bad =
          static_cast<unsigned char>(std::strtoul(lastToken.substr(p + 3, 4).c_str(), nullptr, 16));
    }
    if (has("invalid string")) {
      if (has("after backslash")) return quoted(bad, "in string escape code");
      if (has("must be followed by 4 hex digits")) {
        return quoted(bad, "in \\u hexadecimal character escape");
      }
      return quoted(bad, "in string literal");
    }
    if (has("invalid number")) {
      if (has("after '.'")) return quoted(bad, "after decimal point in numeric literal");
      if (has("exponent")) return quoted(bad, "in exponent of numeric literal");
      return quoted(bad, "in numeric literal");
    }
    if (has("invalid literal")) {
      // Inside true/false/null: "invalid character 'x' in literal true (expecting 'u')".
      for (std::string_view lit : {"true", "false", "null"}) {
        for (size_t n = lit.size(); n >= 2; --n) {
          std::string_view tail =
              std::string_view(lastToken).substr(lastToken.size() >= n ? lastToken.size() - n : 0);
          if (tail.size() == n && tail.substr(0, n - 1) == lit.substr(0, n - 1)) {
            return quoted(bad, "in literal " + std::string(lit) + " (expecting " +
                                   goQuoteChar(static_cast<unsigned char>(lit[n - 1])) + ")");
          }
        }
      }
    }
  } else if (has("unexpected string literal")) {
    bad = '"';
  } else if (has("unexpected number literal")) {
    bad = static_cast<unsigned char>(lastToken.front());
  } else if (has("unexpected true literal")) {
    bad = 't';
  } else if (has("unexpected false literal")) {
    bad = 'f';
  } else if (has("unexpected null literal")) {
    bad = 'n';
  }
  if (has("expected end of input")) return quoted(bad, "after top-level value");
  if (has("while parsing object key"))
    return quoted(bad, "looking for beginning of object key string");
  if (has("while parsing object separator")) return quoted(bad, "after object key");
  if (has("while parsing object")) return quoted(bad, "after object key:value pair");
  if (has("while parsing array")) return quoted(bad, "after array element");
  return quoted(bad, "looking for beginning of value");
}

std::string timeParseError(std::string_view s) {
  std::string q;
  appendGoString(q, s);
  return "parsing time " + q + " as \"2006-01-02T15:04:05Z07:00\": cannot parse " + q +
         " as \"2006\"";
}

// Go's case-insensitive key match (bytes.EqualFold against an ASCII field name): ASCII
// letters fold, and so do U+212A KELVIN SIGN (k) and U+017F LONG S (s).
bool keyMatches(std::string_view key, std::string_view name) {
  size_t i = 0, j = 0;
  while (i < key.size() && j < name.size()) {
    char n = name[j];
    char ln = (n >= 'A' && n <= 'Z') ? static_cast<char>(n - 'A' + 'a') : n;
    char k = key[i];
    if (k >= 'A' && k <= 'Z') k = static_cast<char>(k - 'A' + 'a');
    if (k == ln) {
      ++i;
      ++j;
      continue;
    }
    if (ln == 'k' && key.substr(i, 3) == "\xe2\x84\xaa") {
      i += 3;
      ++j;
      continue;
    }
    if (ln == 's' && key.substr(i, 2) == "\xc5\xbf") {
      i += 2;
      ++j;
      continue;
    }
    return false;
  }
  return i == key.size() && j == name.size();
}

enum class Kind { String, Bool, Int, Int64, Time, Files };
enum class Slot {
  None,
  Ttl,
  ExtendTtl,
  OneShot,
  Removable,
  Stream,
  Comments,
  Login,
  Password,
  Files,
  FileName,
  FileType,
  FileSize,
  Reference
};
struct FieldDef {
  std::string_view name;  // JSON tag name as in Plik's Go struct
  Kind kind;
  Slot slot;  // where the value goes in UploadRequest, None = type-checked then dropped
};

// common.Upload (1.3.8), all JSON-visible fields, declaration order.
constexpr FieldDef kUploadFields[] = {
    {"id", Kind::String, Slot::None},
    {"ttl", Kind::Int, Slot::Ttl},
    {"extend_ttl", Kind::Bool, Slot::ExtendTtl},
    {"downloadDomain", Kind::String, Slot::None},
    {"uploadIp", Kind::String, Slot::None},
    {"comments", Kind::String, Slot::Comments},
    {"files", Kind::Files, Slot::Files},
    {"uploadToken", Kind::String, Slot::None},
    {"user", Kind::String, Slot::None},
    {"token", Kind::String, Slot::None},
    {"admin", Kind::Bool, Slot::None},
    {"stream", Kind::Bool, Slot::Stream},
    {"oneShot", Kind::Bool, Slot::OneShot},
    {"removable", Kind::Bool, Slot::Removable},
    {"protectedByPassword", Kind::Bool, Slot::None},
    {"login", Kind::String, Slot::Login},
    {"password", Kind::String, Slot::Password},
    {"createdAt", Kind::Time, Slot::None},
    {"expireAt", Kind::Time, Slot::None},
};

// common.UploadV1 (compat.go).
constexpr FieldDef kUploadV1Fields[] = {
    {"id", Kind::String, Slot::None},
    {"uploadDate", Kind::Int64, Slot::None},
    {"ttl", Kind::Int, Slot::Ttl},
    {"downloadDomain", Kind::String, Slot::None},
    {"uploadIp", Kind::String, Slot::None},
    {"comments", Kind::String, Slot::Comments},
    {"files", Kind::Files, Slot::Files},
    {"uploadToken", Kind::String, Slot::None},
    {"user", Kind::String, Slot::None},
    {"token", Kind::String, Slot::None},
    {"admin", Kind::Bool, Slot::None},
    {"stream", Kind::Bool, Slot::Stream},
    {"oneShot", Kind::Bool, Slot::OneShot},
    {"removable", Kind::Bool, Slot::Removable},
    {"protectedByPassword", Kind::Bool, Slot::None},
    {"login", Kind::String, Slot::Login},
    {"password", Kind::String, Slot::Password},
    {"protectedByYubikey", Kind::Bool, Slot::None},
    {"yubikey", Kind::String, Slot::None},
};

// common.File.
constexpr FieldDef kFileFields[] = {
    {"id", Kind::String, Slot::None},
    {"fileName", Kind::String, Slot::FileName},
    {"status", Kind::String, Slot::None},
    {"fileMd5", Kind::String, Slot::None},
    {"fileType", Kind::String, Slot::FileType},
    {"fileSize", Kind::Int64, Slot::FileSize},
    {"reference", Kind::String, Slot::Reference},
    {"createdAt", Kind::Time, Slot::None},
};

template <size_t N>
const FieldDef* findField(const FieldDef (&defs)[N], std::string_view key) {
  for (const auto& d : defs) {
    if (keyMatches(key, d.name)) return &d;
  }
  return nullptr;
}

// A JSON scalar as delivered by the SAX parser.
struct Scalar {
  enum Type { Null, Bool, Number, String } type = Null;
  bool b = false;
  bool isInt64 = false;  // Number: an integer literal within int64
  int64_t i = 0;
  std::string text;  // String: value; Number: literal (for "number <lit>" messages)

  std::string_view kindName() const {
    switch (type) {
      case Bool:
        return "bool";
      case Number:
        return "number";
      case String:
        return "string";
      default:
        return "null";
    }
  }
};

// Decodes one body into UploadRequest following Go's json.Unmarshal into common.Upload (v1 =
// false) or common.UploadV1 (v1 = true): first type error is kept and decoding goes on, a
// time.Time error aborts, syntax errors win over both. Iterative (no recursion on input).
class UploadDecoder final : public nlohmann::json_sax<OJson> {
 public:
  UploadDecoder(bool v1, const NormalizedBody& body) : v1_(v1), body_(body) {}

  // Returns "" on success, else Go's error string.
  std::string error() const {
    if (!syntaxError_.empty()) return syntaxError_;
    if (!abortError_.empty()) return abortError_;
    return typeError_;
  }
  UploadRequest take() {
    req_.files = std::move(files_);
    req_.v1 = v1_;
    return std::move(req_);
  }

  bool null() override { return scalar(Scalar{}); }
  bool boolean(bool val) override {
    Scalar s;
    s.type = Scalar::Bool;
    s.b = val;
    return scalar(s);
  }
  bool number_integer(number_integer_t val) override {
    Scalar s;
    s.type = Scalar::Number;
    s.isInt64 = true;
    s.i = val;
    s.text = std::to_string(val);
    return scalar(s);
  }
  bool number_unsigned(number_unsigned_t val) override {
    Scalar s;
    s.type = Scalar::Number;
    s.isInt64 = val <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    s.i = s.isInt64 ? static_cast<int64_t>(val) : 0;
    s.text = std::to_string(val);
    return scalar(s);
  }
  bool number_float(number_float_t, const string_t& literal) override {
    Scalar s;
    s.type = Scalar::Number;
    s.text = literal;
    if (literal == kFloatPlaceholder && nextFloatLiteral_ < body_.floatLiterals.size()) {
      s.text = body_.floatLiterals[nextFloatLiteral_++];
    }
    return scalar(s);
  }
  bool string(string_t& val) override {
    Scalar s;
    s.type = Scalar::String;
    s.text = std::move(val);
    return scalar(s);
  }
  bool binary(binary_t&) override { return scalar(Scalar{}); }

  bool start_object(std::size_t) override { return startContainer(true); }
  bool start_array(std::size_t) override { return startContainer(false); }
  bool end_object() override { return endContainer(); }
  bool end_array() override { return endContainer(); }

  bool key(string_t& val) override {
    if (frames_.empty()) return true;
    Frame& f = frames_.back();
    if (f.kind == FrameKind::Top) {
      pending_ = v1_ ? findField(kUploadV1Fields, val) : findField(kUploadFields, val);
    } else if (f.kind == FrameKind::File) {
      pending_ = findField(kFileFields, val);
    } else if (f.kind == FrameKind::FilesMap) {
      pendingKey_ = std::move(val);
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string& lastToken,
                   const nlohmann::detail::exception& ex) override {
    // position counts the characters read, including a final EOF read.
    if (syntaxError_.empty()) {
      syntaxError_ =
          goSyntaxError(lastToken, ex.what(), position > body_.text.size(), body_.nulAsSoh);
    }
    return false;
  }

 private:
  enum class FrameKind { Top, File, FilesArray, FilesMap, Skip };
  struct Frame {
    FrameKind kind;
    size_t index = 0;  // File: index in files_; FilesArray: next element; Skip: depth
  };

  std::string_view structName() const { return v1_ ? "UploadV1" : "Upload"; }
  std::string_view filesType() const { return v1_ ? "map[string]*common.File" : "[]*common.File"; }
  static std::string_view goType(Kind k) {
    switch (k) {
      case Kind::String:
        return "string";
      case Kind::Bool:
        return "bool";
      case Kind::Int:
        return "int";
      case Kind::Int64:
        return "int64";
      case Kind::Time:
        return "time.Time";
      case Kind::Files:
        return "[]*common.File";
    }
    return "";
  }

  void saveTypeError(std::string_view value, std::string_view type, std::string_view structN,
                     std::string_view field) {
    if (!typeError_.empty()) return;
    typeError_ = "json: cannot unmarshal ";
    typeError_.append(value).append(" into Go ");
    if (structN.empty()) {
      typeError_.append("value");
    } else {
      typeError_.append("struct field ").append(structN).append(".").append(field);
    }
    typeError_.append(" of type ").append(type);
  }
  void saveAbortError(std::string e) {
    if (abortError_.empty()) abortError_ = std::move(e);
  }
  // Type error for a field of the object on top of the stack.
  void fieldTypeError(const FieldDef& def, std::string_view value) {
    std::string_view type = def.kind == Kind::Files ? filesType() : goType(def.kind);
    if (frames_.back().kind == FrameKind::File) {
      saveTypeError(value, type, "File", "files." + std::string(def.name));
    } else {
      saveTypeError(value, type, structName(), def.name);
    }
  }
  void elementTypeError(std::string_view value) {
    saveTypeError(value, "common.File", structName(), "files");
  }

  // Element i of the files slice (Go decodes into an existing element when there is one).
  size_t arrayElement(Frame& f) {
    size_t i = f.index++;
    if (i >= files_.size()) files_.resize(i + 1);
    return i;
  }
  // A fresh map entry for pendingKey_ (a duplicate key replaces the previous value).
  size_t mapElement() {
    auto [it, inserted] = mapIndex_.try_emplace(pendingKey_, files_.size());
    if (inserted) {
      files_.emplace_back();
    } else {
      files_[it->second] = FileRequest{};
    }
    return it->second;
  }
  void clearFiles() {
    files_.clear();
    mapIndex_.clear();
  }

  void pushSkip() { frames_.push_back({FrameKind::Skip, 1}); }

  bool startContainer(bool object) {
    if (++depth_ > kMaxDepth) {
      if (syntaxError_.empty()) syntaxError_ = "exceeded max depth";
      return false;
    }
    const std::string_view kind = object ? "object" : "array";
    if (frames_.empty()) {
      if (object) {
        frames_.push_back({FrameKind::Top});
      } else {
        saveTypeError(kind, v1_ ? "common.UploadV1" : "common.Upload", "", "");
        pushSkip();
      }
      return true;
    }
    Frame& f = frames_.back();
    switch (f.kind) {
      case FrameKind::Skip:
        ++f.index;
        return true;
      case FrameKind::Top:
      case FrameKind::File: {
        const FieldDef* def = pending_;
        pending_ = nullptr;
        if (def == nullptr) {
          pushSkip();
        } else if (def->kind == Kind::Files && object == v1_) {
          // V0 takes an array of files, V1 an object keyed by arbitrary strings.
          frames_.push_back({object ? FrameKind::FilesMap : FrameKind::FilesArray, 0});
        } else if (def->kind == Kind::Time) {
          saveAbortError("Time.UnmarshalJSON: input is not a JSON string");
          pushSkip();
        } else {
          fieldTypeError(*def, kind);
          pushSkip();
        }
        return true;
      }
      case FrameKind::FilesArray: {
        size_t i = arrayElement(f);
        if (object) {
          frames_.push_back({FrameKind::File, i});
        } else {
          elementTypeError(kind);
          pushSkip();
        }
        return true;
      }
      case FrameKind::FilesMap: {
        size_t i = mapElement();
        if (object) {
          frames_.push_back({FrameKind::File, i});
        } else {
          elementTypeError(kind);
          pushSkip();
        }
        return true;
      }
    }
    return true;
  }

  bool endContainer() {
    --depth_;
    if (frames_.empty()) return true;
    Frame& f = frames_.back();
    if (f.kind == FrameKind::Skip) {
      if (--f.index == 0) frames_.pop_back();
      return true;
    }
    if (f.kind == FrameKind::FilesArray) files_.resize(f.index);  // Go truncates the slice
    frames_.pop_back();
    return true;
  }

  bool scalar(const Scalar& v) {
    if (frames_.empty()) {  // top-level scalar: null is a no-op, anything else a type error
      if (v.type != Scalar::Null) {
        saveTypeError(v.kindName(), v1_ ? "common.UploadV1" : "common.Upload", "", "");
      }
      return true;
    }
    Frame& f = frames_.back();
    switch (f.kind) {
      case FrameKind::Skip:
        return true;
      case FrameKind::Top:
      case FrameKind::File: {
        const FieldDef* def = pending_;
        pending_ = nullptr;
        if (def != nullptr) assign(*def, f.kind == FrameKind::File ? f.index : 0, v);
        return true;
      }
      case FrameKind::FilesArray: {
        size_t i = arrayElement(f);
        if (v.type == Scalar::Null) {
          files_[i] = FileRequest{};  // nil *File
        } else {
          elementTypeError(v.kindName());
        }
        return true;
      }
      case FrameKind::FilesMap:
        mapElement();
        if (v.type != Scalar::Null) elementTypeError(v.kindName());
        return true;
    }
    return true;
  }

  void assign(const FieldDef& def, size_t fileIndex, const Scalar& v) {
    if (v.type == Scalar::Null) {
      // null leaves scalars alone; it sets slices/maps (files) to nil.
      if (def.kind == Kind::Files) clearFiles();
      return;
    }
    switch (def.kind) {
      case Kind::String:
        if (v.type != Scalar::String) return fieldTypeError(def, v.kindName());
        setString(def.slot, fileIndex, v.text);
        return;
      case Kind::Bool:
        if (v.type != Scalar::Bool) return fieldTypeError(def, v.kindName());
        setBool(def.slot, v.b);
        return;
      case Kind::Int:
      case Kind::Int64:
        if (v.type != Scalar::Number) return fieldTypeError(def, v.kindName());
        if (!v.isInt64) return fieldTypeError(def, "number " + v.text);
        setInt(def.slot, fileIndex, v.i);
        return;
      case Kind::Time: {
        if (v.type != Scalar::String) {
          saveAbortError("Time.UnmarshalJSON: input is not a JSON string");
          return;
        }
        int64_t secs = 0, nanos = 0;
        if (!parseRfc3339(v.text, &secs, &nanos)) saveAbortError(timeParseError(v.text));
        return;
      }
      case Kind::Files:
        return fieldTypeError(def, v.kindName());
    }
  }

  void setString(Slot slot, size_t fi, const std::string& s) {
    switch (slot) {
      case Slot::Comments:
        req_.comments = s;
        break;
      case Slot::Login:
        req_.login = s;
        break;
      case Slot::Password:
        req_.password = s;
        break;
      case Slot::FileName:
        files_[fi].fileName = s;
        break;
      case Slot::FileType:
        files_[fi].fileType = s;
        break;
      case Slot::Reference:
        files_[fi].reference = s;
        break;
      default:
        break;
    }
  }
  void setBool(Slot slot, bool b) {
    switch (slot) {
      case Slot::ExtendTtl:
        req_.extendTtl = b;
        break;
      case Slot::OneShot:
        req_.oneShot = b;
        break;
      case Slot::Removable:
        req_.removable = b;
        break;
      case Slot::Stream:
        req_.stream = b;
        break;
      default:
        break;
    }
  }
  void setInt(Slot slot, size_t fi, int64_t i) {
    switch (slot) {
      case Slot::Ttl:
        req_.ttl = i;
        break;
      case Slot::FileSize:
        files_[fi].fileSize = i;
        break;
      default:
        break;
    }
  }

  const bool v1_;
  const NormalizedBody& body_;
  size_t nextFloatLiteral_ = 0;  // next entry of body_.floatLiterals
  std::vector<Frame> frames_;
  size_t depth_ = 0;
  const FieldDef* pending_ = nullptr;  // field named by the last key, awaiting its value
  std::string pendingKey_;             // FilesMap: key awaiting its value
  std::unordered_map<std::string, size_t> mapIndex_;  // V1 files: key -> index in files_
  std::vector<FileRequest> files_;
  UploadRequest req_;
  std::string syntaxError_, abortError_, typeError_;
};

Result<UploadRequest> decodeAs(const NormalizedBody& body, bool v1) {
  UploadDecoder decoder(v1, body);
  try {
    OJson::sax_parse(body.text, &decoder, OJson::input_format_t::json, /*strict=*/true,
                     /*ignore_comments=*/false);
  } catch (const std::exception& e) {  // not expected: the handler never throws
    return Error::badRequest(std::string("unable to decode json : ") + e.what());
  }
  std::string err = decoder.error();
  if (!err.empty()) return Error::badRequest(std::move(err));
  return decoder.take();
}

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// ------------------------------------------------------------------------------------------
// Writers
// ------------------------------------------------------------------------------------------

void writeFile(JsonOut& w, const File& f) {
  w.beginObject();
  w.field("id", f.id);
  w.field("fileName", f.name);
  w.field("status", toString(f.status));
  w.field("fileMd5", f.md5);
  w.field("fileType", f.type);
  w.field("fileSize", f.size);
  w.field("reference", f.reference);
  w.field("createdAt", formatTime(f.createdAt));
  w.endObject();
}

}  // namespace

std::string formatTime(TimePoint t) {
  if (t == TimePoint{}) return "0001-01-01T00:00:00Z";
  const int64_t ns = t.time_since_epoch().count();
  const int64_t secs = floorDiv(ns, kNanosPerSecond);
  const int64_t frac = ns - secs * kNanosPerSecond;
  const int64_t days = floorDiv(secs, 86400);
  const int64_t sod = secs - days * 86400;
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{static_cast<int>(days)}}};
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(sod / 3600),
                        int(sod / 60 % 60), int(sod % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    char fb[16];
    std::snprintf(fb, sizeof fb, ".%09lld", static_cast<long long>(frac));
    std::string f(fb);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

std::optional<TimePoint> parseTime(std::string_view s) {
  int64_t secs = 0, nanos = 0;
  if (!parseRfc3339(s, &secs, &nanos)) return std::nullopt;
  if (secs == kGoZeroUnix && nanos == 0) return TimePoint{};
  constexpr int64_t kMaxSecs = std::numeric_limits<int64_t>::max() / kNanosPerSecond - 1;
  if (secs > kMaxSecs || secs < -kMaxSecs) return std::nullopt;
  return TimePoint{std::chrono::nanoseconds{secs * kNanosPerSecond + nanos}};
}

std::string fileToJson(const File& f) {
  JsonOut w;
  writeFile(w, f);
  return w.take();
}

std::string uploadToJson(const Upload& u, bool admin, const UploadJsonOptions& opt,
                         bool nullFilesWhenEmpty) {
  const bool showToken = !opt.sanitized || admin;
  JsonOut w;
  w.beginObject();
  w.field("id", u.id);
  if (opt.v1) {
    // compat.go MarshalUpload: only these fields are copied; admin stays false.
    w.field("uploadDate", unixSeconds(u.createdAt));
    w.field("ttl", u.ttl);
    w.field("downloadDomain", opt.downloadDomain);
    w.field("comments", u.comments);
    w.key("files");
    std::map<std::string_view, const File*> byId;  // Go marshals map keys sorted
    for (const auto& f : u.files) byId[f.id] = &f;
    w.beginObject();
    for (const auto& [id, f] : byId) {
      w.key(id);
      writeFile(w, *f);
    }
    w.endObject();
    if (showToken) w.fieldOmitEmpty("uploadToken", u.uploadToken);
    w.field("admin", false);
    w.field("stream", u.stream);
    w.field("oneShot", u.oneShot);
    w.field("removable", u.removable);
    w.field("protectedByPassword", u.protectedByPassword);
    w.field("protectedByYubikey", false);
    w.endObject();
    return w.take();
  }
  w.field("ttl", u.ttl);
  w.field("extend_ttl", u.extendTtl);
  w.field("downloadDomain", opt.downloadDomain);
  if (!opt.sanitized) w.fieldOmitEmpty("uploadIp", u.remoteIp);
  w.field("comments", u.comments);
  w.key("files");
  if (u.files.empty() && nullFilesWhenEmpty) {
    w.null();
  } else {
    w.beginArray();
    for (const auto& f : u.files) writeFile(w, f);
    w.endArray();
  }
  if (showToken) w.fieldOmitEmpty("uploadToken", u.uploadToken);
  if (!opt.sanitized) {
    w.fieldOmitEmpty("user", u.user);
    w.fieldOmitEmpty("token", u.token);
  }
  w.field("admin", admin);
  w.field("stream", u.stream);
  w.field("oneShot", u.oneShot);
  w.field("removable", u.removable);
  w.field("protectedByPassword", u.protectedByPassword);
  if (!opt.sanitized) {
    w.fieldOmitEmpty("login", u.login);
    w.fieldOmitEmpty("password", u.password);
  }
  w.field("createdAt", formatTime(u.createdAt));
  w.key("expireAt");
  if (u.expireAt) {
    w.str(formatTime(*u.expireAt));
  } else {
    w.null();
  }
  w.endObject();
  return w.take();
}

Result<UploadRequest> parseUploadRequest(std::string_view body) {
  size_t start = 0;
  while (start < body.size() && isJsonSpace(body[start])) ++start;
  if (start == body.size()) return UploadRequest{};  // empty body = all defaults

  auto fail = [](std::string reason) {
    return Error::badRequest("unable to deserialize request body : " + reason);
  };
  // nlohmann silently skips a UTF-8 BOM, Go does not.
  if (body.substr(start, 3) == "\xef\xbb\xbf") {
    return fail("invalid character " + goQuoteChar(0xef) + " looking for beginning of value");
  }
  const NormalizedBody normalized = normalizeForParse(body);
  auto v0 = decodeAs(normalized, false);
  if (v0.ok()) return v0;
  auto v1 = decodeAs(normalized, true);
  if (v1.ok()) return v1;
  return fail(v1.error().message);
}

std::string configToJson(const Config& cfg) {
  auto available = [](FeatureFlag f) { return f != FeatureFlag::Disabled; };
  JsonOut w;
  w.beginObject();
  w.field("maxFileSize", cfg.maxFileSize);
  w.field("maxUserSize", cfg.maxUserSize);
  w.field("maxFilePerUpload", cfg.maxFilePerUpload);
  w.field("defaultTTL", cfg.defaultTtl);
  w.field("maxTTL", cfg.maxTtl);
  w.field("downloadDomain", cfg.downloadDomain);
  w.key("downloadDomainAlias");
  if (cfg.downloadDomainAlias.empty()) {
    w.null();
  } else {
    w.beginArray();
    for (const auto& a : cfg.downloadDomainAlias) w.str(a);
    w.endArray();
  }
  w.field("abuseContact", cfg.abuseContact);
  w.field("feature_authentication", toString(cfg.fAuthentication));
  w.field("feature_one_shot", toString(cfg.fOneShot));
  w.field("feature_removable", toString(cfg.fRemovable));
  w.field("feature_stream", toString(cfg.fStream));
  w.field("feature_password", toString(cfg.fPassword));
  w.field("feature_comments", toString(cfg.fComments));
  w.field("feature_set_ttl", toString(cfg.fSetTtl));
  w.field("feature_extend_ttl", toString(cfg.fExtendTtl));
  w.field("feature_clients", toString(cfg.fClients));
  w.field("feature_github", toString(cfg.fGithub));
  w.field("feature_text", toString(cfg.fText));
  // Legacy booleans as Plik recomputes them from the flags at initialisation (§4).
  w.field("authentication", available(cfg.fAuthentication));
  w.field("noAnonymousUploads", cfg.fAuthentication == FeatureFlag::Forced);
  w.field("oneShot", available(cfg.fOneShot));
  w.field("removable", available(cfg.fRemovable));
  w.field("stream", available(cfg.fStream));
  w.field("protectedByPassword", available(cfg.fPassword));
  w.field("googleAuthentication", cfg.googleAuthentication);
  w.field("ovhAuthentication", cfg.ovhAuthentication);
  w.field("ovhApiEndpoint", cfg.ovhApiEndpoint);
  w.endObject();
  return w.take();
}

std::string versionToJson(std::string_view version, int64_t buildDate, bool enhancedWebSecurity) {
  JsonOut w;
  w.beginObject();
  w.field("version", version);
  w.field("date", enhancedWebSecurity ? int64_t{0} : buildDate);
  // user/host/git*/goVersion are omitempty and unknown to us; isRelease/isMint describe a Go
  // release build and are false here (and always false when sanitised).
  w.field("isRelease", false);
  w.field("isMint", false);
  w.key("clients");
  w.null();
  w.key("releases");
  w.null();
  w.endObject();
  return w.take();
}

std::string serverStatsToJson(const ServerStats& s) {
  JsonOut w;
  w.beginObject();
  w.field("users", s.users);
  w.field("uploads", s.uploads);
  w.field("anonymousUploads", s.anonymousUploads);
  w.field("files", s.files);
  w.field("totalSize", s.totalSize);
  w.field("anonymousTotalSize", s.anonymousTotalSize);
  w.endObject();
  return w.take();
}

}  // namespace plik
