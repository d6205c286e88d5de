// HTTP Range header parsing for single byte ranges (RFC 9110 §14).
#pragma once

#include <cstdint>
#include <string_view>

namespace plik {

struct ByteRange {
  enum class Kind { None, Satisfiable, Unsatisfiable } kind = Kind::None;
  int64_t first = 0;  // inclusive
  int64_t last = 0;   // inclusive
  int64_t length() const { return last - first + 1; }
};

// None for an absent, malformed or multi-range header (serve the whole file, 200).
ByteRange parseRange(std::string_view header, int64_t size);

}  // namespace plik
