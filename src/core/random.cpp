// CSPRNG-backed identifiers (OpenSSL RAND_bytes): Plik's [a-zA-Z0-9] ids and tokens, UUIDv4,
// and the constant-time comparison used for every secret check.
#include "core/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

namespace plik {

namespace {

// Same table and order as Plik's randRunes.
constexpr std::string_view kAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
// Largest multiple of 62 that fits in a byte: bytes >= this are rejected so that every
// character is equally likely (no modulo bias).
constexpr unsigned kRejectFrom = 256 - 256 % kAlphabet.size();  // 248

// A CSPRNG failure is a broken invariant (no entropy): fail loudly rather than hand out
// predictable secrets.
void fillRandom(unsigned char* buf, size_t n) {
  if (n == 0) return;
  if (RAND_bytes(buf, static_cast<int>(n)) != 1) {
    std::fputs("plik: RAND_bytes failed, refusing to continue without a CSPRNG\n", stderr);
    std::abort();
  }
}

}  // namespace

std::string randomId(size_t length) {
  std::string out;
  out.reserve(length);
  std::array<unsigned char, 64> buf;
  while (out.size() < length) {
    // Ask for a little more than needed: ~3% of bytes are rejected.
    size_t want = std::min(buf.size(), (length - out.size()) + (length - out.size()) / 8 + 1);
    fillRandom(buf.data(), want);
    for (size_t i = 0; i < want && out.size() < length; ++i) {
      if (buf[i] >= kRejectFrom) continue;
      out.push_back(kAlphabet[buf[i] % kAlphabet.size()]);
    }
  }
  return out;
}

std::string randomUuidV4() {
  std::array<unsigned char, 16> b;
  fillRandom(b.data(), b.size());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // The length is not secret (ids and hashes have public lengths); the content is.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace plik
