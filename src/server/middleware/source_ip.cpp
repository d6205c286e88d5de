// Source IP: the peer address, or SourceIpHeader's value when configured and present.
// Our fix of spec §18.5: a multi-value header (X-Forwarded-For: client, proxy) is accepted and
// its right-most entry, the one written by the nearest (trusted) proxy, is used.
#include <boost/asio/ip/address.hpp>

#include "server/middleware/middleware.hpp"

namespace plik::middleware {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

Status sourceIp(Context& ctx) {
  const auto& hdr = ctx.config().sourceIpHeader;
  if (!hdr.empty()) {
    if (auto v = ctx.req.header(hdr)) {
      std::string_view value = *v;
      auto comma = value.rfind(',');
      if (comma != std::string_view::npos) value = value.substr(comma + 1);
      value = trim(value);
      boost::system::error_code ec;
      auto addr = boost::asio::ip::make_address(std::string(value), ec);
      if (ec) return Error::badRequest("invalid IP address");
      ctx.sourceIp = addr.to_string();
      return {};
    }
  }
  if (ctx.req.remoteIp.empty()) return Error::internal("unable to parse source IP address");
  ctx.sourceIp = ctx.req.remoteIp;
  return {};
}

}  // namespace plik::middleware
