// GET /qrcode?url=&size=: PNG QR code of a URL (spec §7.7).
#include <charconv>

#include "codec/http_text.hpp"
#include "codec/qrcode.hpp"
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> getQrCode(Context& ctx) {
  auto q = parseQuery(ctx.req.query);
  int size = 250;
  if (auto it = q.find("size"); it != q.end()) {
    int v = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec == std::errc() && p == it->second.data() + it->second.size()) size = v;
  }
  if (size <= 0) co_return Error::badRequest("QRCode size must be positive");
  if (size > 1000) co_return Error::badRequest("QRCode size must be lower than 1000");
  std::string url = q.count("url") ? q["url"] : "";
  auto job0 = [url, size] { return qrCodePng(url, size); };
  auto png = co_await blocking(ctx, job0);
  if (!png.ok()) co_return std::move(png).error();
  std::string bytes = std::move(png).value();
  co_return co_await respondText(ctx, bytes, "image/png");
}

}  // namespace plik::handlers
