// Human sizes and durations: go-humanize's Bytes/ParseBytes and Go's time.ParseDuration
// (with the d/w units of go-str2duration) re-implemented byte for byte where Plik shows them.
#include "codec/humanize.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace plik {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trimSpace(std::string_view s) {
  auto isSpace = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// go-humanize bytesSizeTable (keys are lowercase, trimmed).
std::optional<double> sizeMultiplier(const std::string& unit) {
  struct Entry {
    const char* name;
    double mult;
  };
  static constexpr double kKi = 1024.0, kK = 1000.0;
  static const Entry kTable[] = {
      {"", 1},
      {"b", 1},
      {"k", kK},
      {"kb", kK},
      {"ki", kKi},
      {"kib", kKi},
      {"m", kK * kK},
      {"mb", kK * kK},
      {"mi", kKi * kKi},
      {"mib", kKi * kKi},
      {"g", kK * kK * kK},
      {"gb", kK * kK * kK},
      {"gi", kKi * kKi * kKi},
      {"gib", kKi * kKi * kKi},
      {"t", 1e12},
      {"tb", 1e12},
      {"ti", kKi * kKi * kKi * kKi},
      {"tib", kKi * kKi * kKi * kKi},
      {"p", 1e15},
      {"pb", 1e15},
      {"pi", kKi * kKi * kKi * kKi * kKi},
      {"pib", kKi * kKi * kKi * kKi * kKi},
      {"e", 1e18},
      {"eb", 1e18},
      {"ei", kKi * kKi * kKi * kKi * kKi * kKi},
      {"eib", kKi * kKi * kKi * kKi * kKi * kKi},
  };
  for (const auto& e : kTable) {
    if (unit == e.name) return e.mult;
  }
  return std::nullopt;
}

// Go's strconv.ParseFloat restricted to what ParseBytes feeds it: [0-9]*(.[0-9]*)?
std::optional<double> parseDecimal(std::string_view num) {
  if (num.empty() || num == ".") return std::nullopt;
  bool dot = false;
  for (char c : num) {
    if (c == '.') {
      if (dot) return std::nullopt;
      dot = true;
    } else if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  std::string s(num);
  return std::strtod(s.c_str(), nullptr);
}

constexpr uint64_t kNanosecond = 1;
constexpr uint64_t kMicrosecond = 1000 * kNanosecond;
constexpr uint64_t kMillisecond = 1000 * kMicrosecond;
constexpr uint64_t kSecond = 1000 * kMillisecond;
constexpr uint64_t kMinute = 60 * kSecond;
constexpr uint64_t kHour = 60 * kMinute;
constexpr uint64_t kDay = 24 * kHour;
constexpr uint64_t kWeek = 7 * kDay;

std::optional<uint64_t> durationUnit(std::string_view u) {
  if (u == "ns") return kNanosecond;
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs")
    return kMicrosecond;  // µs (U+00B5, U+03BC)
  if (u == "ms") return kMillisecond;
  if (u == "s") return kSecond;
  if (u == "m") return kMinute;
  if (u == "h") return kHour;
  if (u == "d") return kDay;
  if (u == "w") return kWeek;
  return std::nullopt;
}

// Go's time.ParseDuration grammar [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ with go-str2duration's d and w.
// Returns signed nanoseconds; nullopt on syntax error or int64 overflow.
std::optional<int64_t> parseGoDuration(std::string_view s) {
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
  while (!s.empty()) {
    if (!(s[0] == '.' || isDigit(s[0]))) return std::nullopt;
    // leading integer
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && isDigit(s[i]); ++i) {
      if (v > (kLimit - 1) / 10) return std::nullopt;  // overflow
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kLimit) return std::nullopt;
    }
    bool pre = i > 0;
    s.remove_prefix(i);
    // fraction
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && isDigit(s[j]); ++j) {
        if (overflow) continue;
        if (f > (std::numeric_limits<int64_t>::max() - 9) / 10) {
          overflow = true;  // Go ignores the remaining digits
          continue;
        }
        f = f * 10 + static_cast<uint64_t>(s[j] - '0');
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return std::nullopt;
    // unit: everything up to the next digit or '.'
    size_t k = 0;
    while (k < s.size() && !(s[k] == '.' || isDigit(s[k]))) ++k;
    if (k == 0) return std::nullopt;  // missing unit
    auto unit = durationUnit(s.substr(0, k));
    if (!unit) return std::nullopt;
    s.remove_prefix(k);
    if (v > kLimit / *unit) return std::nullopt;
    v *= *unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(*unit) / scale));
      if (v > kLimit) return std::nullopt;
    }
    total += v;
    if (total > kLimit) return std::nullopt;
  }
  if (neg) {
    if (total == kLimit) return std::numeric_limits<int64_t>::min();
    return -static_cast<int64_t>(total);
  }
  if (total > kLimit - 1) return std::nullopt;
  return static_cast<int64_t>(total);
}

}  // namespace

std::string humanizeBytes(int64_t bytes) {
  if (bytes < 0) {
    // Not produced by go-humanize (it takes uint64); we keep the sign readable.
    uint64_t mag = bytes == std::numeric_limits<int64_t>::min() ? uint64_t{1} << 63
                                                                : static_cast<uint64_t>(-bytes);
    if (mag <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return "-" + humanizeBytes(static_cast<int64_t>(mag));
    }
    return "-9.2 EB";
  }
  uint64_t s = static_cast<uint64_t>(bytes);
  char buf[64];
  if (s < 10) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(s));
    return buf;
  }
  static const char* kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  const double base = 1000;
  double e = std::floor(std::log(static_cast<double>(s)) / std::log(base));
  int idx = static_cast<int>(e);
  if (idx > 6) idx = 6;
  double val = std::floor(static_cast<double>(s) / std::pow(base, e) * 10 + 0.5) / 10;
  std::snprintf(buf, sizeof buf, val < 10 ? "%.1f %s" : "%.0f %s", val, kSizes[idx]);
  return buf;
}

std::optional<int64_t> parseHumanSize(std::string_view in) {
  std::string_view s = trimSpace(in);
  std::string low = lower(s);
  if (low == "unlimited" || low == "-1") return -1;
  // go-humanize ParseBytes: leading [0-9.,]*, commas dropped, then a unit from the table.
  size_t n = 0;
  std::string num;
  for (; n < s.size(); ++n) {
    char c = s[n];
    if (!((c >= '0' && c <= '9') || c == '.' || c == ',')) break;
    if (c != ',') num.push_back(c);
  }
  auto value = parseDecimal(num);
  if (!value) return std::nullopt;
  auto mult = sizeMultiplier(lower(trimSpace(s.substr(n))));
  if (!mult) return std::nullopt;
  double f = *value * *mult;
  if (!(f < 9223372036854775807.0)) return std::nullopt;  // does not fit int64
  return static_cast<int64_t>(f);
}

std::optional<int64_t> parseDuration(std::string_view s) {
  // Plik's ParseTTL: a bare integer (strconv.Atoi) means seconds.
  std::string text(s);
  {
    std::string_view d = s;
    if (!d.empty() && (d[0] == '+' || d[0] == '-')) d.remove_prefix(1);
    bool allDigits = !d.empty();
    for (char c : d) allDigits = allDigits && c >= '0' && c <= '9';
    if (allDigits) text += "s";
  }
  auto ns = parseGoDuration(text);
  if (!ns) return std::nullopt;
  if (*ns < 0) return -1;
  return *ns / static_cast<int64_t>(kSecond);  // int(duration.Seconds()) truncates
}

std::string humanizeDuration(int64_t seconds) {
  if (seconds < 0) return "unlimited";
  if (seconds == 0) return "0s";
  // Plik's HumanDuration: years (365d), days, hours, minutes, seconds, zero parts omitted.
  struct Part {
    int64_t size;
    const char* suffix;
  };
  static const Part kParts[] = {{365 * 86400, "y"}, {86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  std::string out;
  int64_t rest = seconds;
  for (const auto& p : kParts) {
    int64_t q = rest / p.size;
    rest %= p.size;
    if (q > 0) out += std::to_string(q) + p.suffix;
  }
  return out;
}

}  // namespace plik
