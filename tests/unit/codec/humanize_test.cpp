// Tests for codec/humanize: go-humanize Bytes/ParseBytes tables, Plik's ParseTTL (Go durations
// with d and w) and HumanDuration.
#include "codec/humanize.hpp"

#include <gtest/gtest.h>

namespace plik {
namespace {

TEST(HumanizeBytes, GoHumanizeTable) {
  const int64_t kB = 1000, MB = kB * kB, GB = MB * kB, TB = GB * kB, PB = TB * kB, EB = PB * kB;
  EXPECT_EQ(humanizeBytes(0), "0 B");
  EXPECT_EQ(humanizeBytes(1), "1 B");
  EXPECT_EQ(humanizeBytes(5), "5 B");
  EXPECT_EQ(humanizeBytes(9), "9 B");
  EXPECT_EQ(humanizeBytes(10), "10 B");
  EXPECT_EQ(humanizeBytes(803), "803 B");
  EXPECT_EQ(humanizeBytes(999), "999 B");
  EXPECT_EQ(humanizeBytes(1024), "1.0 kB");
  EXPECT_EQ(humanizeBytes(1500), "1.5 kB");
  EXPECT_EQ(humanizeBytes(9999), "10 kB");
  EXPECT_EQ(humanizeBytes(MB - 1), "1000 kB");
  EXPECT_EQ(humanizeBytes(1024 * 1024), "1.0 MB");
  EXPECT_EQ(humanizeBytes(14 * MB), "14 MB");
  EXPECT_EQ(humanizeBytes(82854982), "83 MB");
  EXPECT_EQ(humanizeBytes(GB - kB), "1000 MB");
  EXPECT_EQ(humanizeBytes(GB), "1.0 GB");
  EXPECT_EQ(humanizeBytes(10 * GB), "10 GB");
  EXPECT_EQ(humanizeBytes(TB - MB), "1000 GB");
  EXPECT_EQ(humanizeBytes(9999 * 1000), "10 MB");
  EXPECT_EQ(humanizeBytes(TB), "1.0 TB");
  EXPECT_EQ(humanizeBytes(PB - TB), "999 TB");
  EXPECT_EQ(humanizeBytes(PB), "1.0 PB");
  EXPECT_EQ(humanizeBytes(EB - PB), "999 PB");
  EXPECT_EQ(humanizeBytes(EB), "1.0 EB");
  EXPECT_EQ(humanizeBytes(5500000000), "5.5 GB");
  EXPECT_EQ(humanizeBytes(INT64_MAX), "9.2 EB");
}

TEST(HumanizeBytes, NegativeKeepsSign) { EXPECT_EQ(humanizeBytes(-1500), "-1.5 kB"); }

TEST(ParseHumanSize, SiAndIec) {
  EXPECT_EQ(parseHumanSize("42"), 42);
  EXPECT_EQ(parseHumanSize("42MB"), 42000000);
  EXPECT_EQ(parseHumanSize("42mb"), 42000000);
  EXPECT_EQ(parseHumanSize("42 MB"), 42000000);
  EXPECT_EQ(parseHumanSize("42MiB"), 44040192);
  EXPECT_EQ(parseHumanSize("42 mib"), 44040192);
  EXPECT_EQ(parseHumanSize("42M"), 42000000);
  EXPECT_EQ(parseHumanSize("42Mi"), 44040192);
  EXPECT_EQ(parseHumanSize("42.5MB"), 42500000);
  EXPECT_EQ(parseHumanSize("42.5MiB"), 44564480);
  EXPECT_EQ(parseHumanSize("1,005.03 MB"), 1005030000);
  EXPECT_EQ(parseHumanSize("10GB"), 10000000000);
  EXPECT_EQ(parseHumanSize("10GiB"), 10737418240);
  EXPECT_EQ(parseHumanSize("10 gib"), 10737418240);
  EXPECT_EQ(parseHumanSize("1kB"), 1000);
  EXPECT_EQ(parseHumanSize("1KiB"), 1024);
  EXPECT_EQ(parseHumanSize("512 B"), 512);
  EXPECT_EQ(parseHumanSize("1TB"), 1000000000000);
  EXPECT_EQ(parseHumanSize("1EB"), 1000000000000000000);
  EXPECT_EQ(parseHumanSize(".5kB"), 500);
}

TEST(ParseHumanSize, Unlimited) {
  EXPECT_EQ(parseHumanSize("unlimited"), -1);
  EXPECT_EQ(parseHumanSize("Unlimited"), -1);
  EXPECT_EQ(parseHumanSize("-1"), -1);
}

TEST(ParseHumanSize, Malformed) {
  EXPECT_EQ(parseHumanSize(""), std::nullopt);
  EXPECT_EQ(parseHumanSize("this is not a number"), std::nullopt);
  EXPECT_EQ(parseHumanSize("42 FUTZ"), std::nullopt);
  EXPECT_EQ(parseHumanSize("42.5.3MB"), std::nullopt);
  EXPECT_EQ(parseHumanSize("-5MB"), std::nullopt);
  EXPECT_EQ(parseHumanSize("GB"), std::nullopt);
  EXPECT_EQ(parseHumanSize("1e5"), std::nullopt);
  EXPECT_EQ(parseHumanSize("20EB"), std::nullopt);  // does not fit int64
}

TEST(ParseDuration, PlikTtls) {
  EXPECT_EQ(parseDuration("30d"), 2592000);
  EXPECT_EQ(parseDuration("1d12h"), 129600);
  EXPECT_EQ(parseDuration("4w"), 28 * 86400);
  EXPECT_EQ(parseDuration("90"), 90);
  EXPECT_EQ(parseDuration("+90"), 90);
  EXPECT_EQ(parseDuration("5m"), 300);
  EXPECT_EQ(parseDuration("0"), 0);
  EXPECT_EQ(parseDuration("0s"), 0);
  EXPECT_EQ(parseDuration("1h30m"), 5400);
  EXPECT_EQ(parseDuration("1.5h"), 5400);
  EXPECT_EQ(parseDuration("365d"), 365 * 86400);
  EXPECT_EQ(parseDuration("1500ms"), 1);
  EXPECT_EQ(parseDuration("999ms"), 0);
  EXPECT_EQ(parseDuration("1000000us"), 1);
  EXPECT_EQ(parseDuration("1000000000ns"), 1);
  EXPECT_EQ(parseDuration("1w1d1h1m1s"), 7 * 86400 + 86400 + 3600 + 61);
}

TEST(ParseDuration, NegativeIsInfinite) {
  EXPECT_EQ(parseDuration("-10d"), -1);
  EXPECT_EQ(parseDuration("-1"), -1);
  EXPECT_EQ(parseDuration("-5m"), -1);
  EXPECT_EQ(parseDuration("-0"), 0);
}

TEST(ParseDuration, Malformed) {
  EXPECT_EQ(parseDuration(""), std::nullopt);
  EXPECT_EQ(parseDuration("abc"), std::nullopt);
  EXPECT_EQ(parseDuration("d"), std::nullopt);
  EXPECT_EQ(parseDuration("1x"), std::nullopt);
  EXPECT_EQ(parseDuration("1 d"), std::nullopt);
  EXPECT_EQ(parseDuration("1d 2h"), std::nullopt);
  EXPECT_EQ(parseDuration(".d"), std::nullopt);
  EXPECT_EQ(parseDuration("1.2.3h"), std::nullopt);
  EXPECT_EQ(parseDuration("30D"), std::nullopt);     // units are case-sensitive, like Go
  EXPECT_EQ(parseDuration("20000w"), std::nullopt);  // overflows int64 nanoseconds
  EXPECT_EQ(parseDuration("99999999999999999999"), std::nullopt);
}

TEST(HumanizeDuration, PlikHumanDuration) {
  EXPECT_EQ(humanizeDuration(2592000), "30d");
  EXPECT_EQ(humanizeDuration(3600), "1h");
  EXPECT_EQ(humanizeDuration(90), "1m30s");
  EXPECT_EQ(humanizeDuration(129600), "1d12h");
  EXPECT_EQ(humanizeDuration(365 * 86400 + 86400), "1y1d");
  EXPECT_EQ(humanizeDuration(0), "0s");
  EXPECT_EQ(humanizeDuration(-1), "unlimited");
}

TEST(HumanizeDuration, RoundTripsThroughParse) {
  // Below a year every rendering is a valid duration string.
  for (int64_t s : {1, 59, 61, 3599, 86399, 86401, 2592000, 31535999}) {
    EXPECT_EQ(parseDuration(humanizeDuration(s)), s) << s;
  }
}

}  // namespace
}  // namespace plik
