// Upload password hashing and verification: bcrypt through libxcrypt for new hashes, and both
// bcrypt ($2a$/$2b$/$2y$, Go's x/crypto writes $2a$) and Plik 1.3's md5 scheme for checks.
#include "core/password.hpp"

#include <crypt.h>
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <optional>

#include "core/random.hpp"

namespace plik {

namespace {

// Go base64.StdEncoding.DecodeString semantics (as used by net/http BasicAuth): padding is
// required, '\r' and '\n' are skipped, any other character outside the alphabet is an error.
std::optional<std::string> decodeBase64Std(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string clean;
  clean.reserve(in.size());
  for (char c : in) {
    if (c != '\r' && c != '\n') clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(clean.size() / 4 * 3);
  for (size_t i = 0; i < clean.size(); i += 4) {
    const bool last = i + 4 == clean.size();
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = clean[i + j];
      if (c == '=') {
        // '=' only in the last quantum, only in positions 2 and 3, and only trailing.
        if (!last || j < 2) return std::nullopt;
        ++pad;
        v[j] = 0;
        continue;
      }
      if (pad > 0) return std::nullopt;
      v[j] = value(c);
      if (v[j] < 0) return std::nullopt;
    }
    uint32_t n =
        (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

std::string md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

// crypt_rn needs a ~32 KiB scratch area: keep it off the (coroutine) stack.
std::optional<std::string> bcryptWithSetting(const std::string& phrase,
                                             const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  const char* h = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  if (h == nullptr || h[0] == '*') return std::nullopt;
  return std::string(h);
}

}  // namespace

std::string hashUploadPassword(std::string_view login, std::string_view password, int cost) {
  std::string phrase;
  phrase.reserve(login.size() + 1 + password.size());
  phrase.append(login).push_back(':');
  phrase.append(password);
  // A NUL would silently truncate the C string given to crypt (weakening the password).
  if (phrase.find('\0') != std::string::npos) return {};

  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting.data(),
                       static_cast<int>(setting.size())) == nullptr) {
    return {};
  }
  auto hash = bcryptWithSetting(phrase, setting.data());
  return hash ? *hash : std::string();
}

bool verifyUploadPassword(std::string_view storedHash, std::string_view basicB64) {
  if (storedHash.empty()) return false;
  auto decoded = decodeBase64Std(basicB64);
  if (!decoded) return false;

  if (storedHash.size() >= 2 && storedHash.substr(0, 2) == "$2") {
    if (decoded->find('\0') != std::string::npos) return false;
    auto computed = bcryptWithSetting(*decoded, std::string(storedHash));
    return computed && constantTimeEquals(*computed, storedHash);
  }
  // Plik 1.3: md5 hex of the base64 credentials exactly as the client sent them.
  return constantTimeEquals(md5Hex(basicB64), storedHash);
}

}  // namespace plik
