// DELETE /upload/{id}: soft-delete the upload; the cleaner deletes its data (spec §7.6).
// Streams of the upload waiting or in flight are cancelled so no side hangs.
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> removeUpload(Context& ctx) {
  if (!ctx.upload->removable && !ctx.isUploadAdmin)
    co_return Error::forbidden("you are not allowed to remove this upload");
  auto& meta = ctx.svc.meta;
  std::string id = ctx.upload->id;
  auto job0 = [&meta, id] { return meta.getUpload(id, true); };
  auto files = co_await blocking(ctx, job0);
  auto job1 = [&meta, id] { return meta.softDeleteUpload(id, now()); };
  auto r = co_await blocking(ctx, job1);
  if (!r.ok()) co_return std::move(r).error();
  if (ctx.upload->stream && files.ok() && files->has_value())
    for (const auto& f : (**files).files) ctx.svc.streams.cancel(f.id, "upload removed");
  co_return co_await respondText(ctx, "ok");
}

}  // namespace plik::handlers
