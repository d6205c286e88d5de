// GET|HEAD /archive/{id}/{name}.zip: every uploaded file of the upload as a zip written on the
// fly (no temporary file, ZIP64 past 4 GiB), with backpressure: output is flushed to the client
// every 256 KiB (spec §7.5).
#include <spdlog/spdlog.h>

#include "codec/http_text.hpp"
#include "codec/zip_writer.hpp"
#include "server/handlers/download_headers.hpp"
#include "server/handlers/handlers.hpp"
#include "server/upload_service.hpp"

namespace plik::handlers {

namespace asio = boost::asio;

asio::awaitable<Status> getArchive(Context& ctx) {
  const Upload& up = *ctx.upload;
  if (up.stream) co_return Error::badRequest("archive feature is not available in stream mode");
  std::string name = ctx.var("filename");
  if (name.empty()) co_return Error::badRequest("missing archive name");
  if (name.size() > 1024) co_return Error::badRequest("invalid archive name too long, maximum 1024 characters");
  if (name.size() < 4 || name.substr(name.size() - 4) != ".zip")
    co_return Error::badRequest("invalid archive name, missing .zip extension");

  auto& meta = ctx.svc.meta;
  std::string id = up.id;
  auto job0 = [&meta, id] { return meta.getUpload(id, true); };
  auto full = co_await blocking(ctx, job0);
  if (!full.ok()) co_return std::move(full).error();
  if (!full->has_value()) co_return Error::notFound("upload " + id + " not found");
  std::vector<File> files;
  for (auto& f : (**full).files)
    if (f.status == FileStatus::Uploaded) files.push_back(f);
  if (files.empty()) co_return Error::badRequest("nothing to archive");

  auto& res = ctx.res;
  res.setHeader("Content-Type", "application/zip");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-XSS-Protection", "1; mode=block");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Content-Security-Policy",
                "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; "
                "connect-src 'none'; font-src 'none'; object-src 'none'; media-src 'none'; "
                "child-src 'none'; form-action 'none'; frame-ancestors 'none'; plugin-types ''; "
                "sandbox ''");
  if (up.oneShot) setNoCacheHeaders(ctx);
  auto q = parseQuery(ctx.req.query);
  res.setHeader("Content-Disposition", contentDisposition(name, q.count("dl") && !q["dl"].empty()));
  res.setStatus(200);
  if (ctx.req.isHead()) {
    auto st = co_await res.start(std::nullopt);
    if (st.ok()) (void)co_await res.finish();
    co_return Status{};
  }

  // OneShot: take every included file first; the cleaner deletes them later (spec §7.5).
  if (up.oneShot) {
    std::vector<File> taken;
    for (auto& f : files) {
      std::string fid = f.id;
      auto job1 = [&meta, fid] {
        return meta.casFileStatus(fid, FileStatus::Uploaded, FileStatus::Removed);
      };
      auto r = co_await blocking(ctx, job1);
      if (r.ok() && *r) taken.push_back(f);
    }
    files = std::move(taken);
    if (files.empty()) co_return Error::badRequest("nothing to archive");
  }

  auto st = co_await res.start(std::nullopt);
  if (!st.ok()) co_return Status{};
  constexpr size_t kFlush = 256 * 1024;
  std::string out;
  out.reserve(kFlush * 2);
  ZipWriter zip([&out](std::span<const char> b) { out.append(b.data(), b.size()); });
  std::unique_ptr<char[]> buf(new char[kFlush]);
  auto flush = [&]() -> asio::awaitable<Status> {
    if (out.empty()) co_return Status{};
    auto s = co_await res.write(std::span<const char>(out.data(), out.size()));
    out.clear();
    co_return s;
  };
  for (const auto& f : files) {
    auto rd = co_await ctx.svc.data.open(f, 0, -1);
    if (!rd.ok()) {
      res.abort();
      co_return Status{};
    }
    zip.beginEntry(f.name, std::chrono::system_clock::to_time_t(
                               std::chrono::time_point_cast<std::chrono::seconds>(f.createdAt)));
    for (;;) {
      auto n = co_await (*rd)->read(std::span<char>(buf.get(), kFlush));
      if (!n.ok()) {
        res.abort();
        co_return Status{};
      }
      if (*n == 0) break;
      zip.write(std::span<const char>(buf.get(), *n));
      if (out.size() >= kFlush && !(co_await flush()).ok()) {
        res.abort();
        co_return Status{};
      }
    }
    zip.endEntry();
  }
  zip.finish();
  if (!(co_await flush()).ok() || !(co_await res.finish()).ok()) res.abort();
  co_return Status{};
}

}  // namespace plik::handlers
