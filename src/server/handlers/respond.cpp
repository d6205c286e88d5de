// JSON and text responses. JSON is sent as application/json (our fix of spec §18.18).
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> respondJson(Context& ctx, std::string_view json) {
  ctx.res.setStatus(200);
  ctx.res.setHeader("Content-Type", "application/json");
  auto st = co_await ctx.res.send(json);
  if (!st.ok()) ctx.res.abort();
  co_return Status{};
}

boost::asio::awaitable<Status> respondText(Context& ctx, std::string_view text,
                                           std::string_view contentType) {
  ctx.res.setStatus(200);
  ctx.res.setHeader("Content-Type", contentType);
  auto st = co_await ctx.res.send(text);
  if (!st.ok()) ctx.res.abort();
  co_return Status{};
}

}  // namespace plik::handlers
