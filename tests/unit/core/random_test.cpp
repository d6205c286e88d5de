// Tests for core/random: alphabet, length, rough uniformity, UUIDv4 shape and the
// constant-time comparison.
#include "core/random.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace plik {
namespace {

constexpr std::string_view kAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

TEST(RandomId, LengthAndAlphabet) {
  for (size_t len : {0u, 1u, 16u, 25u, 32u, 64u, 1000u}) {
    std::string id = randomId(len);
    EXPECT_EQ(id.size(), len);
    for (char c : id) EXPECT_NE(kAlphabet.find(c), std::string_view::npos) << c;
  }
}

TEST(RandomId, Unique) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) seen.insert(randomId(16));
  EXPECT_EQ(seen.size(), 2000u);
}

TEST(RandomId, RoughlyUniform) {
  // 62 * 2000 draws: each character expected 2000 times (sd ~ 44). A modulo bias would
  // give the first 8 characters ~2060 and the others ~1990; +-300 catches gross errors only.
  constexpr int kPer = 2000;
  std::string s = randomId(kAlphabet.size() * kPer);
  std::map<char, int> counts;
  for (char c : s) ++counts[c];
  EXPECT_EQ(counts.size(), kAlphabet.size());
  for (auto [c, n] : counts) {
    EXPECT_GT(n, kPer - 300) << c;
    EXPECT_LT(n, kPer + 300) << c;
  }
}

TEST(RandomUuid, V4Shape) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string u = randomUuidV4();
    ASSERT_EQ(u.size(), 36u);
    for (size_t j = 0; j < u.size(); ++j) {
      if (j == 8 || j == 13 || j == 18 || j == 23) {
        EXPECT_EQ(u[j], '-');
      } else {
        EXPECT_TRUE((u[j] >= '0' && u[j] <= '9') || (u[j] >= 'a' && u[j] <= 'f')) << u;
      }
    }
    EXPECT_EQ(u[14], '4') << u;
    EXPECT_NE(std::string_view("89ab").find(u[19]), std::string_view::npos) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(ConstantTimeEquals, Cases) {
  EXPECT_TRUE(constantTimeEquals("", ""));
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "ab"));
  EXPECT_FALSE(constantTimeEquals("", "a"));
  EXPECT_TRUE(constantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace plik
