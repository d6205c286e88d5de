// GET /upload/{id}: the upload with all its files (spec §7.2).
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> getUpload(Context& ctx) {
  auto& meta = ctx.svc.meta;
  std::string id = ctx.upload->id;
  auto job0 = [&meta, id] { return meta.getUpload(id, true); };
  auto r = co_await blocking(ctx, job0);
  if (!r.ok()) co_return std::move(r).error();
  if (!r->has_value()) co_return Error::notFound("upload " + id + " not found");
  Upload up = std::move(**r);
  up.expireAt = ctx.upload->expireAt;  // extend_ttl may have just moved it
  UploadJsonOptions opt;
  opt.downloadDomain = ctx.config().downloadDomain;
  std::string json = uploadToJson(up, ctx.isUploadAdmin, opt);
  co_return co_await respondJson(ctx, json);
}

}  // namespace plik::handlers
