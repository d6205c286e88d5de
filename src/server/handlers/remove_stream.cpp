// DELETE /stream/{id}/{fileId}/{name}: cancel a waiting or running stream; both sides are
// released with an error and the file goes back to `missing` (Plik 1.4 semantics), also when
// another instance holds the stream (through the database and that instance's upload lease).
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> removeStream(Context& ctx) {
  if (!ctx.upload->removable && !ctx.isUploadAdmin)
    co_return Error::forbidden("you are not allowed to remove files from this upload");
  if (!ctx.upload->stream) co_return Error::badRequest("upload is not a stream upload");
  const File& f = *ctx.file;
  bool local = ctx.svc.streams.cancel(f.id, "stream cancelled");
  if (!local && f.status == FileStatus::Uploading && f.instance != ctx.svc.instanceId) {
    // Held by another instance: take the file back in the database; the owner's next lease
    // round (LeaseInterval) sees it is no longer its own and cancels both sides there.
    auto& meta = ctx.svc.meta;
    std::string id = f.id;
    auto job = [&meta, id] { return meta.casFileStatus(id, FileStatus::Uploading, FileStatus::Missing); };
    auto r = co_await blocking(ctx, job);
    if (!r.ok()) co_return std::move(r).error();
  }
  co_return co_await respondText(ctx, "ok");
}

}  // namespace plik::handlers
