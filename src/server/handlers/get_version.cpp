// GET /version: build information (spec §3.7).
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> getVersion(Context& ctx) {
  co_return co_await respondJson(
      ctx, versionToJson(ctx.svc.version, ctx.svc.buildDate, ctx.config().enhancedWebSecurity));
}

}  // namespace plik::handlers
