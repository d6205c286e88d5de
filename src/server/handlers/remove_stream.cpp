// DELETE /stream/{id}/{fileId}/{name}: cancel a waiting or running stream; both sides are
// released with an error and the file goes back to `missing` (Plik 1.4 semantics).
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> removeStream(Context& ctx) {
  if (!ctx.upload->removable && !ctx.isUploadAdmin)
    co_return Error::forbidden("you are not allowed to remove files from this upload");
  if (!ctx.upload->stream) co_return Error::badRequest("upload is not a stream upload");
  ctx.svc.streams.cancel(ctx.file->id, "stream cancelled");
  co_return co_await respondText(ctx, "ok");
}

}  // namespace plik::handlers
