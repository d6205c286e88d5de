// POST /file/{id}[/{fileId}/{name}] and POST /stream/{id}/{fileId}/{name}: receive a file's
// bytes (spec §7.3). The upload's stream flag, not the URL prefix, picks the relay.
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"
#include "server/upload_service.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> addFile(Context& ctx) {
  auto f = co_await receiveFile(ctx, ctx.file);
  if (!f.ok()) co_return std::move(f).error();
  std::string json = fileToJson(*f);
  co_return co_await respondJson(ctx, json);
}

}  // namespace plik::handlers
