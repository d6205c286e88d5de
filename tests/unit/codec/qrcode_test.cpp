// Tests for codec/qrcode: a real PNG (signature, IHDR size, 8-bit grayscale) and the
// defensive size/content errors.
#include "codec/qrcode.hpp"

#include <gtest/gtest.h>

namespace plik {
namespace {

uint32_t be32(const std::string& s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

void expectPng(const std::string& png, int size) {
  ASSERT_GT(png.size(), 33u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(png, 16), static_cast<uint32_t>(size));
  EXPECT_EQ(be32(png, 20), static_cast<uint32_t>(size));
  EXPECT_EQ(png[24], 8);  // bit depth
  EXPECT_EQ(png[25], 0);  // color type: grayscale
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
}

TEST(QrCode, Png) {
  for (int size : {250, 1000, 57, 100}) {
    auto r =
        qrCodePng("https://plik.example.com/file/IsrIPIsDskFpN12E/abcdefghijklmnop/a.txt", size);
    ASSERT_TRUE(r.ok()) << size << " " << r.error().detail;
    expectPng(*r, size);
  }
}

TEST(QrCode, BinaryContent) {
  auto r = qrCodePng(std::string("a\0b\xff", 4), 100);
  ASSERT_TRUE(r.ok());
  expectPng(*r, 100);
}

TEST(QrCode, Errors) {
  auto r = qrCodePng("x", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().message, "QRCode size must be positive");
  r = qrCodePng("x", 1001);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "QRCode size must be lower than 1000");
  r = qrCodePng("https://plik.example.com/file/IsrIPIsDskFpN12E", 10);  // smaller than the code
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 500);
  r = qrCodePng(std::string(5000, 'a'), 500);  // beyond QR capacity at level H
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 500);
  r = qrCodePng("", 100);
  ASSERT_FALSE(r.ok());
}

}  // namespace
}  // namespace plik
