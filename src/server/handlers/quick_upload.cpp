// POST /: curl --form file=@x http://host/ -> a download URL line (spec §7.3 quick upload).
// Our fix of spec §18.4: without DownloadDomain the URL is built from the request's Host and
// always includes Path.
#include "codec/http_text.hpp"
#include "server/handlers/handlers.hpp"
#include "server/handlers/respond.hpp"
#include "server/upload_service.hpp"

namespace plik::handlers {

namespace {

// The answer: one URL line for curl.
boost::asio::awaitable<Status> respondFileUrl(Context& ctx) {
  const File* f = &*ctx.file;
  const Config& cfg = ctx.config();
  std::string base;
  if (!cfg.downloadDomain.empty()) {
    base = cfg.downloadDomain + cfg.path;
  } else {
    std::string host = ctx.req.headerOr("Host");
    if (host.empty()) {
      std::string addr = cfg.listenAddress == "0.0.0.0" ? "127.0.0.1" : cfg.listenAddress;
      host = addr + ":" + std::to_string(cfg.listenPort);
    }
    base = std::string(cfg.sslEnabled ? "https://" : "http://") + host + cfg.path;
  }
  std::string url = base + "/file/" + ctx.upload->id + "/" + f->id + "/" + percentEncodePath(f->name) + "\n";
  co_return co_await respondText(ctx, url);
}

}  // namespace

boost::asio::awaitable<Status> quickUpload(Context& ctx) {
  UploadRequest defaults;
  auto up = co_await createUploadFromRequest(ctx, defaults);
  if (!up.ok()) co_return std::move(up).error();
  ctx.upload = std::move(up).value();
  ctx.isUploadAdmin = true;
  std::optional<File> none;
  co_return co_await receiveFile(ctx, none, &respondFileUrl);
}

}  // namespace plik::handlers
