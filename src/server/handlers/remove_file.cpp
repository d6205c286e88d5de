// DELETE /file/{id}/{fileId}/{name}: remove one file (spec §7.6).
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"
#include "server/upload_service.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> removeFile(Context& ctx) {
  if (!ctx.upload->removable && !ctx.isUploadAdmin)
    co_return Error::forbidden("you are not allowed to remove files from this upload");
  auto& meta = ctx.svc.meta;
  File f = *ctx.file;
  std::string id = f.id;
  switch (f.status) {
    case FileStatus::Missing: {
      auto job0 = [&meta, id] {
        return meta.casFileStatus(id, FileStatus::Missing, FileStatus::Deleted);
      };
      auto r = co_await blocking(ctx, job0);
      if (!r.ok()) co_return std::move(r).error();
      if (ctx.upload->stream) ctx.svc.streams.cancel(id, "file removed");
      break;
    }
    case FileStatus::Uploading:
    case FileStatus::Uploaded: {
      auto job1 = [&meta, id, from = f.status] {
        return meta.casFileStatus(id, from, FileStatus::Removed);
      };
      auto r = co_await blocking(ctx, job1);
      if (!r.ok()) co_return std::move(r).error();
      if (ctx.upload->stream) ctx.svc.streams.cancel(id, "file removed");
      if (*r && f.status == FileStatus::Uploaded) co_await purgeFile(ctx, f, FileStatus::Removed);
      break;
    }
    case FileStatus::Removed:
      co_await purgeFile(ctx, f, FileStatus::Removed);
      break;
    case FileStatus::Deleted:
      break;
  }
  co_return co_await respondText(ctx, "ok");
}

}  // namespace plik::handlers
