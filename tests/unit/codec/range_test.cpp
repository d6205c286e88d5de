// Tests for single byte-range parsing: satisfiable, unsatisfiable and ignored headers.
#include "codec/range.hpp"

#include <gtest/gtest.h>

namespace plik {
namespace {

using Kind = ByteRange::Kind;

void expectRange(std::string_view header, int64_t size, int64_t first, int64_t last) {
  ByteRange r = parseRange(header, size);
  EXPECT_EQ(r.kind, Kind::Satisfiable) << header;
  EXPECT_EQ(r.first, first) << header;
  EXPECT_EQ(r.last, last) << header;
  EXPECT_EQ(r.length(), last - first + 1) << header;
}

TEST(ParseRange, Satisfiable) {
  expectRange("bytes=0-0", 100, 0, 0);
  expectRange("bytes=0-99", 100, 0, 99);
  expectRange("bytes=10-19", 100, 10, 19);
  expectRange("bytes=10-", 100, 10, 99);
  expectRange("bytes=99-", 100, 99, 99);
  expectRange("bytes=-1", 100, 99, 99);
  expectRange("bytes=-30", 100, 70, 99);
  expectRange("bytes=-100", 100, 0, 99);
  expectRange("bytes=-1000", 100, 0, 99);                   // suffix longer than the file
  expectRange("bytes=50-1000", 100, 50, 99);                // last clamped
  expectRange("bytes=0-99999999999999999999", 100, 0, 99);  // huge last clamped
  expectRange("Bytes = 5-6 ", 100, 5, 6);                   // unit case-insensitive, OWS
  expectRange("bytes= 5-6,", 100, 5, 6);                    // empty list elements ignored
}

TEST(ParseRange, Unsatisfiable) {
  EXPECT_EQ(parseRange("bytes=100-", 100).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parseRange("bytes=100-200", 100).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parseRange("bytes=99999999999999999999-", 100).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parseRange("bytes=-0", 100).kind, Kind::Unsatisfiable);
  // An empty file cannot satisfy any range.
  EXPECT_EQ(parseRange("bytes=0-", 0).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parseRange("bytes=0-0", 0).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parseRange("bytes=-5", 0).kind, Kind::Unsatisfiable);
}

TEST(ParseRange, IgnoredHeaders) {
  for (const char* h :
       {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=1-a", "bytes=5-4", "bytes=0-1,2-3",
        "bytes=0-1, -5", "items=0-1", "bytes 0-1", "bytes=+1-2", "bytes=-+1", "bytes=1",
        "bytes=--1", "bytes=1-2-3", "bytes=0x10-", "bytes=1 -2"}) {
    EXPECT_EQ(parseRange(h, 100).kind, Kind::None) << h;
  }
  EXPECT_EQ(parseRange("bytes=1-2,3-4", 0).kind, Kind::None);
}

}  // namespace
}  // namespace plik
