// POST /upload: create an upload, optionally with declared files (spec §7.1).
#include "codec/http_text.hpp"
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"
#include "server/upload_policy.hpp"
#include "server/upload_service.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> createUpload(Context& ctx) {
  if (!sourceAllowed(ctx.config(), ctx.sourceIp)) co_return Error::forbidden("untrusted source IP address");
  auto body = co_await ctx.body.readAll(1 << 20);
  if (!body.ok()) co_return Error::badRequest("unable to read request body : " + body.error().message);
  auto req = parseUploadRequest(*body);
  if (!req.ok()) co_return std::move(req).error();
  std::string login = req->login;
  std::string password = req->password;
  bool v1 = req->v1;
  UploadRequest request = std::move(req).value();
  auto up = co_await createUploadFromRequest(ctx, request);
  if (!up.ok()) co_return std::move(up).error();
  if (up->protectedByPassword) {
    // Our fix of spec §18.8: echo the credentials that actually open the upload.
    ctx.res.setHeader("Authorization", "Basic " + base64Encode(up->login + ":" + password));
  }
  UploadJsonOptions opt;
  opt.v1 = v1;
  opt.downloadDomain = ctx.config().downloadDomain;
  std::string json = uploadToJson(*up, true, opt, true);
  co_return co_await respondJson(ctx, json);
}

}  // namespace plik::handlers
