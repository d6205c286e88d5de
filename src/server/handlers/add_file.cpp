// POST /file/{id}[/{fileId}/{name}] and POST /stream/{id}/{fileId}/{name}: receive a file's
// bytes (spec §7.3). The upload's stream flag, not the URL prefix, picks the relay.
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"
#include "server/upload_service.hpp"

namespace plik::handlers {

namespace {

boost::asio::awaitable<Status> respondStoredFile(Context& ctx) {
  std::string json = fileToJson(*ctx.file);
  co_return co_await respondJson(ctx, json);
}

}  // namespace

// Not a coroutine: the request's frames while a stream uploader waits are receiveFile's own.
boost::asio::awaitable<Status> addFile(Context& ctx) {
  return receiveFile(ctx, ctx.file, &respondStoredFile);
}

}  // namespace plik::handlers
