// Small pieces of the configuration model that need code: feature flag names and the
// IP/CIDR matching used by the upload whitelist (Go net.ParseCIDR / IPNet.Contains semantics).
#include "core/config.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace plik {

std::string_view toString(FeatureFlag f) {
  switch (f) {
    case FeatureFlag::Disabled:
      return "disabled";
    case FeatureFlag::Enabled:
      return "enabled";
    case FeatureFlag::Default:
      return "default";
    case FeatureFlag::Forced:
      return "forced";
  }
  return "disabled";
}

namespace {

bool isV4Mapped(const std::vector<uint8_t>& ip) {
  static const uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return ip.size() == 16 && std::memcmp(ip.data(), kPrefix, 12) == 0;
}

void clearHostBits(std::vector<uint8_t>& addr, int prefix) {
  for (size_t i = 0; i < addr.size(); ++i) {
    int bitsKept = prefix - static_cast<int>(i) * 8;
    if (bitsKept >= 8) continue;
    if (bitsKept <= 0) {
      addr[i] = 0;
    } else {
      addr[i] &= static_cast<uint8_t>(0xff << (8 - bitsKept));
    }
  }
}

}  // namespace

bool Cidr::contains(const std::vector<uint8_t>& ipIn) const {
  std::vector<uint8_t> ip = ipIn;
  if (isV4Mapped(ip)) ip.erase(ip.begin(), ip.begin() + 12);
  if (ip.size() != addr.size() || ip.empty()) return false;
  clearHostBits(ip, prefix);
  return ip == addr;
}

std::optional<std::vector<uint8_t>> parseIpAddress(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string str(s);
  uint8_t buf[16];
  if (str.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, str.c_str(), buf) != 1) return std::nullopt;
    return std::vector<uint8_t>(buf, buf + 4);
  }
  if (inet_pton(AF_INET6, str.c_str(), buf) != 1) return std::nullopt;
  return std::vector<uint8_t>(buf, buf + 16);
}

std::optional<Cidr> parseCidr(std::string_view s) {
  auto slash = s.find('/');
  auto ip = parseIpAddress(s.substr(0, slash));
  if (!ip) return std::nullopt;
  const int maxBits = static_cast<int>(ip->size()) * 8;
  int prefix = maxBits;
  if (slash != std::string_view::npos) {
    std::string_view bits = s.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : bits) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    if (bits.size() > 1 && bits[0] == '0') return std::nullopt;  // Go rejects leading zeros
    if (prefix > maxBits) return std::nullopt;
  }
  Cidr c;
  c.addr = std::move(*ip);
  c.prefix = prefix;
  clearHostBits(c.addr, prefix);
  return c;
}

}  // namespace plik
