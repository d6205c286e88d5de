// GET /health: liveness probe, "ok\n" (spec §7.7).
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> getHealth(Context& ctx) { co_return co_await respondText(ctx, "ok\n"); }

}  // namespace plik::handlers
