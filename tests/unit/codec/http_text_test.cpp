// Tests for the HTTP text helpers: percent-coding, query strings, base64, Content-Disposition.
#include "codec/http_text.hpp"

#include <gtest/gtest.h>

namespace plik {
namespace {

using namespace std::string_literals;

TEST(HttpText, CaseHelpers) {
  EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(iequals("Content-Type", "Content-Typ"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_EQ(toLower("MiXeD-123 \xC3\x89"), "mixed-123 \xC3\x89");  // ASCII only
}

TEST(HttpText, PercentDecodePath) {
  EXPECT_EQ(percentDecodePath("/file/a%20b/c+d"), "/file/a b/c+d");
  EXPECT_EQ(percentDecodePath("%C3%A9t%c3%a9"), "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(percentDecodePath("%2F"), "/");
  EXPECT_EQ(percentDecodePath(""), "");
  EXPECT_EQ(percentDecodePath("%"), std::nullopt);
  EXPECT_EQ(percentDecodePath("%4"), std::nullopt);
  EXPECT_EQ(percentDecodePath("abc%4"), std::nullopt);
  EXPECT_EQ(percentDecodePath("%zz"), std::nullopt);
  EXPECT_EQ(percentDecodePath("a%00b"), std::nullopt);
  EXPECT_EQ(percentDecodePath("%41"), "A");
}

TEST(HttpText, PercentDecodeQuery) {
  EXPECT_EQ(percentDecodeQuery("a+b%2Bc"), "a b+c");
  EXPECT_EQ(percentDecodeQuery("%G1"), std::nullopt);
  EXPECT_EQ(percentDecodeQuery("%00"), std::nullopt);
}

TEST(HttpText, PercentEncode) {
  EXPECT_EQ(percentEncodePath("/file/a b/é?#%"), "/file/a%20b/%C3%A9%3F%23%25");
  EXPECT_EQ(percentEncodePath("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percentEncodeQuery("a b/c&d=e"), "a+b%2Fc%26d%3De");
  for (std::string s : {"x y+z/é%", "plain", ""}) {
    EXPECT_EQ(percentDecodeQuery(percentEncodeQuery(s)), s);
    EXPECT_EQ(percentDecodePath(percentEncodePath(s)), s);
  }
}

TEST(HttpText, ParseQuery) {
  auto q = parseQuery("dl=1&name=a+b%21&empty=&flag&dup=first&dup=second&bad=%zz&semi=a;b&&=v");
  EXPECT_EQ(q["dl"], "1");
  EXPECT_EQ(q["name"], "a b!");
  EXPECT_EQ(q.count("empty"), 1u);
  EXPECT_EQ(q["empty"], "");
  EXPECT_EQ(q.count("flag"), 1u);
  EXPECT_EQ(q["dup"], "first");
  EXPECT_EQ(q.count("bad"), 0u);
  EXPECT_EQ(q.count("semi"), 0u);
  EXPECT_EQ(q[""], "v");
  EXPECT_TRUE(parseQuery("").empty());
}

TEST(HttpText, Base64) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("plik:secret"), "cGxpazpzZWNyZXQ=");
  EXPECT_EQ(base64Encode("\xff\xfe\x00"s), "//4A");
  EXPECT_EQ(base64Decode("cGxpazpzZWNyZXQ="), "plik:secret");
  EXPECT_EQ(base64Decode("Zg=="), "f");
  EXPECT_EQ(base64Decode("Zg"), "f");
  EXPECT_EQ(base64Decode("Zm9v\r\nYmFy"), "foobar");
  EXPECT_EQ(base64Decode("//4A"), "\xff\xfe\x00"s);
  EXPECT_EQ(base64Decode(""), "");
  EXPECT_EQ(base64Decode("Zg="), std::nullopt);
  EXPECT_EQ(base64Decode("Z"), std::nullopt);
  EXPECT_EQ(base64Decode("Zm9v!"), std::nullopt);
  EXPECT_EQ(base64Decode("Zm=9v"), std::nullopt);
  EXPECT_EQ(base64Decode("Zg==="), std::nullopt);
  for (std::string s : {"a"s, "ab"s, "abc"s, "abcd"s, "\0\1\2\3\xff"s}) {
    EXPECT_EQ(base64Decode(base64Encode(s)), s);
  }
}

TEST(HttpText, ContentDisposition) {
  EXPECT_EQ(contentDisposition("file.txt", false), "filename=\"file.txt\"");
  EXPECT_EQ(contentDisposition("file.txt", true), "attachement; filename=\"file.txt\"");
  EXPECT_EQ(contentDisposition("a\"b\\c.txt", false), "filename=\"a\\\"b\\\\c.txt\"");
  EXPECT_EQ(contentDisposition("a\r\nSet-Cookie: x\x7f\t.txt", true),
            "attachement; filename=\"a__Set-Cookie: x__.txt\"");
  EXPECT_EQ(contentDisposition("\xC3\xA9t\xC3\xA9 1.txt", false),
            "filename=\"\xC3\xA9t\xC3\xA9 1.txt\"; filename*=UTF-8''%C3%A9t%C3%A9%201.txt");
  EXPECT_EQ(contentDisposition("\xE2\x82\xAC\"\n.txt", true),
            "attachement; filename=\"\xE2\x82\xAC\\\"_.txt\"; filename*=UTF-8''%E2%82%AC%22_.txt");
  EXPECT_EQ(contentDisposition("", false), "filename=\"\"");
}

}  // namespace
}  // namespace plik
