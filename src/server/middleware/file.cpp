// File resolution (spec §6.6): the file must exist, belong to the upload and carry the
// name given in the URL.
#include "server/middleware/middleware.hpp"

namespace plik::middleware {

boost::asio::awaitable<Status> file(Context& ctx) {
  const std::string& id = ctx.var("fileID");
  auto& meta = ctx.svc.meta;
  std::optional<File> found;
  if (ctx.prefetchedFile) {  // fetched with the upload (middleware/upload.cpp)
    found = std::move(*ctx.prefetchedFile);
    ctx.prefetchedFile.reset();
  } else {
    auto job0 = [&meta, &id] { return meta.getFile(id); };
    auto r = co_await blocking(ctx, job0);
    if (!r.ok()) co_return std::move(r).error();
    found = std::move(*r);
  }
  if (!found || found->uploadId != ctx.upload->id)
    co_return Error::notFound("file " + id + " not found");
  if (found->name != ctx.var("filename")) co_return Error::badRequest("invalid file name");
  ctx.file = std::move(found);
  co_return Status{};
}

}  // namespace plik::middleware
