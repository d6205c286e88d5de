// GET /config: the public configuration (spec §3.8).
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> getConfig(Context& ctx) {
  std::string json = configToJson(ctx.config());
  co_return co_await respondJson(ctx, json);
}

}  // namespace plik::handlers
