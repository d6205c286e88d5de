// Upload resolution (spec §6.5): load, expiry, upload-admin via X-UploadToken, password
// (HTTP Basic, verified on the blocking pool), extend_ttl.
#include "codec/http_text.hpp"
#include "core/password.hpp"
#include "core/random.hpp"
#include "server/middleware/middleware.hpp"

namespace plik::middleware {

boost::asio::awaitable<Status> upload(Context& ctx) {
  const std::string& id = ctx.var("uploadID");
  auto& meta = ctx.svc.meta;
  // Routes with a file id also need its row: fetch both in one pool round trip (a small
  // download then costs one hand-off to the pool instead of two).
  auto fileVar = ctx.req.vars.find("fileID");
  std::string fileId = fileVar == ctx.req.vars.end() ? std::string() : fileVar->second;
  auto prefetched = std::make_unique<std::optional<File>>();
  auto* slot = prefetched.get();
  bool prefetchOk = false;
  auto job0 = [&meta, &id, &fileId, slot, &prefetchOk] {
    auto up = meta.getUpload(id, false);
    if (up.ok() && up->has_value() && !fileId.empty()) {
      auto f = meta.getFile(fileId);
      if (f.ok()) {
        *slot = std::move(*f);
        prefetchOk = true;
      }
    }
    return up;
  };
  auto r = co_await blocking(ctx, job0);
  if (!r.ok()) co_return std::move(r).error();
  if (prefetchOk) ctx.prefetchedFile = std::move(prefetched);
  if (!r->has_value()) co_return Error::notFound("upload " + id + " not found");
  Upload up = std::move(**r);
  auto at = now();
  if (up.isExpired(at)) co_return Error::notFound("upload " + id + " has expired");

  if (auto tok = ctx.req.header("X-UploadToken"); tok && !up.uploadToken.empty())
    ctx.isUploadAdmin = constantTimeEquals(*tok, up.uploadToken);

  if (up.protectedByPassword && !ctx.isUploadAdmin) {
    auto fail = [](std::string reason) {
      return Error{401, "please provide valid credentials to access this upload : " + reason, {}};
    };
    auto auth = ctx.req.header("Authorization");
    if (!auth) co_return fail("missing Authorization header");
    std::string_view a = *auth;
    auto sp = a.find(' ');
    if (sp == std::string_view::npos || a.find(' ', sp + 1) != std::string_view::npos)
      co_return fail("invalid Authorization header");
    if (a.substr(0, sp) != "Basic") co_return fail("invalid http authorization scheme");
    std::string b64(a.substr(sp + 1));
    std::string stored = up.password;
    auto job1 = [stored, b64] { return verifyUploadPassword(stored, b64); };
    bool ok = co_await blocking(ctx, job1);
    if (!ok) co_return fail("invalid credentials");
  }

  if (up.extendTtl && up.ttl > 0) {
    std::optional<TimePoint> exp = at + std::chrono::seconds(up.ttl);
    auto job2 = [&meta, id, exp] { return meta.setUploadExpireAt(id, exp); };
    auto st = co_await blocking(ctx, job2);
    if (!st.ok()) co_return st;
    up.expireAt = exp;
  }
  ctx.upload = std::move(up);
  co_return Status{};
}

}  // namespace plik::middleware
