// Single byte-range parsing for downloads: anything we do not serve as one range (absent,
// malformed, multi-range) falls back to the whole file, as RFC 9110 allows.
#include "codec/range.hpp"

#include <limits>
#include <optional>

namespace plik {

namespace {

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 1*DIGIT; values beyond int64 saturate (they are only ever compared with the size).
std::optional<int64_t> parseDigits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    int d = c - '0';
    if (v > (std::numeric_limits<int64_t>::max() - d) / 10) {
      v = std::numeric_limits<int64_t>::max();
    } else {
      v = v * 10 + d;
    }
  }
  return v;
}

bool iequalsBytes(std::string_view s) {
  static constexpr std::string_view kUnit = "bytes";
  if (s.size() != kUnit.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kUnit[i]) return false;
  }
  return true;
}

}  // namespace

ByteRange parseRange(std::string_view header, int64_t size) {
  ByteRange none;
  size_t eq = header.find('=');
  if (eq == std::string_view::npos || !iequalsBytes(trimOws(header.substr(0, eq)))) return none;
  std::string_view set = header.substr(eq + 1);

  // Exactly one non-empty element in the comma-separated list.
  std::string_view spec;
  int elements = 0;
  while (true) {
    size_t comma = set.find(',');
    std::string_view item = trimOws(set.substr(0, comma));
    if (!item.empty()) {
      ++elements;
      spec = item;
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (elements != 1) return none;

  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return none;
  std::string_view firstText = spec.substr(0, dash);
  std::string_view lastText = spec.substr(dash + 1);

  ByteRange r;
  if (firstText.empty()) {  // suffix range: the last N bytes
    auto n = parseDigits(lastText);
    if (!n) return none;
    if (*n == 0 || size <= 0) {
      r.kind = ByteRange::Kind::Unsatisfiable;
      return r;
    }
    int64_t len = *n > size ? size : *n;
    r.kind = ByteRange::Kind::Satisfiable;
    r.first = size - len;
    r.last = size - 1;
    return r;
  }
  auto first = parseDigits(firstText);
  if (!first) return none;
  std::optional<int64_t> last;
  if (!lastText.empty()) {
    last = parseDigits(lastText);
    if (!last || *last < *first) return none;
  }
  if (*first >= size) {
    r.kind = ByteRange::Kind::Unsatisfiable;
    return r;
  }
  r.kind = ByteRange::Kind::Satisfiable;
  r.first = *first;
  r.last = (!last || *last >= size) ? size - 1 : *last;
  return r;
}

}  // namespace plik
