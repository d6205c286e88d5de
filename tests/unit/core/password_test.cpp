// Tests for core/password: bcrypt round trip, Go x/crypto "$2a$" hashes, and Plik 1.3's
// legacy md5(base64(login:password)) scheme.
#include "core/password.hpp"

#include <gtest/gtest.h>

namespace plik {
namespace {

TEST(UploadPassword, BcryptRoundTrip) {
  std::string hash = hashUploadPassword("plik", "secret", 4);
  ASSERT_EQ(hash.rfind("$2b$04$", 0), 0u) << hash;
  EXPECT_EQ(hash.size(), 60u);
  EXPECT_TRUE(verifyUploadPassword(hash, "cGxpazpzZWNyZXQ="));   // plik:secret
  EXPECT_FALSE(verifyUploadPassword(hash, "cGxpazpzZWNyZXU="));  // plik:secreu
  EXPECT_FALSE(verifyUploadPassword(hash, "OnNlY3JldA=="));      // :secret
  EXPECT_FALSE(verifyUploadPassword(hash, "not base64!"));
  EXPECT_FALSE(verifyUploadPassword(hash, "cGxpazpzZWNyZXQ"));  // missing padding
  EXPECT_FALSE(verifyUploadPassword(hash, ""));
}

TEST(UploadPassword, SaltsDiffer) {
  EXPECT_NE(hashUploadPassword("plik", "secret", 4), hashUploadPassword("plik", "secret", 4));
}

TEST(UploadPassword, GoBcrypt2aVector) {
  // golang.org/x/crypto/bcrypt test vector for "allmine".
  const std::string hash = "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga";
  EXPECT_TRUE(verifyUploadPassword(hash, "YWxsbWluZQ=="));  // allmine
  EXPECT_FALSE(verifyUploadPassword(hash, "YWxsbWlu"));     // allmin
}

TEST(UploadPassword, LegacyMd5) {
  // Plik 1.3 stored md5_hex(base64("plik:secret")).
  const std::string stored = "cb6f5269a607d0b62fea7b5ef6bd2837";
  EXPECT_TRUE(verifyUploadPassword(stored, "cGxpazpzZWNyZXQ="));
  EXPECT_FALSE(verifyUploadPassword(stored, "cGxpazpzZWNyZXU="));
  EXPECT_FALSE(verifyUploadPassword("", "cGxpazpzZWNyZXQ="));
}

TEST(UploadPassword, RejectsNulBytes) {
  EXPECT_EQ(hashUploadPassword("plik", std::string("a\0b", 3), 4), "");
  // base64("plik:a\0b") must not match bcrypt("plik:a").
  std::string hash = hashUploadPassword("plik", "a", 4);
  EXPECT_TRUE(verifyUploadPassword(hash, "cGxpazph"));       // plik:a
  EXPECT_FALSE(verifyUploadPassword(hash, "cGxpazphAGI="));  // plik:a\0b
}

}  // namespace
}  // namespace plik
