// GET|HEAD /file/{id}/{fileId}/{name} and /stream/...: download a stored file (sendfile,
// Range/206) or receive a stream from its uploader (spec §7.4, §9). OneShot files are taken
// with a compare-and-set and given back if the transfer breaks before the last byte.
#include <spdlog/spdlog.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <optional>
#include <variant>

#include "codec/http_text.hpp"
#include "codec/mime_sniff.hpp"
#include "codec/range.hpp"
#include "server/handlers/download_headers.hpp"
#include "server/handlers/handlers.hpp"
#include "server/stream_relay.hpp"
#include "server/upload_service.hpp"

namespace plik::handlers {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

constexpr size_t kChunk = 1024 * 1024;

Error notAvailable(const File& f) {
  return Error::notFound("file " + f.name + " (" + f.id + ") is not available : " +
                         std::string(toString(f.status)));
}

// Copies a reader to the response. Returns false if the transfer broke.
asio::awaitable<Status> pump(Context& ctx, DataReader& reader, int64_t length) {
  std::unique_ptr<char[]> buf(new char[kChunk]);
  int64_t sent = 0;
  for (;;) {
    auto n = co_await reader.read(std::span<char>(buf.get(), kChunk));
    if (!n.ok()) co_return std::move(n).error();
    if (*n == 0) break;
    auto st = co_await ctx.res.write(std::span<const char>(buf.get(), *n));
    if (!st.ok()) co_return st;
    sent += static_cast<int64_t>(*n);
  }
  if (length >= 0 && sent != length) co_return Error::internal("short read from data backend");
  co_return Status{};
}

// A stream's bytes to the response: copied chunks, or (zero-copy) a byte range of the
// uploader's socket spliced straight into ours (only into a Content-Length response).
// Errors: the response is to be broken off.
asio::awaitable<Status> pumpStream(Context& ctx, DataReader& reader, bool sized) {
  std::unique_ptr<char[]> buf(new char[kChunk]);
  if (auto interrupt = sized ? ctx.res.spliceInterrupter() : nullptr)
    reader.acceptFds(std::move(interrupt));
  for (;;) {
    ctx.res.setWaiting(true);
    auto step = co_await reader.readStep(std::span<char>(buf.get(), kChunk));
    ctx.res.setWaiting(false);
    if (!step.ok()) co_return std::move(step).error();
    if (step->fd >= 0) {
      const int64_t before = ctx.res.bytesSent();
      auto out = co_await ctx.res.spliceFrom(step->fd, step->fdBytes);
      ctx.svc.metrics.streamBytes(true, ctx.res.bytesSent() - before);
      reader.fdDone(out.status, out.sourceFailed);
      if (!out.status.ok()) co_return out.status;
      continue;
    }
    if (step->copied == 0) co_return Status{};
    auto st = co_await ctx.res.write(std::span<const char>(buf.get(), step->copied));
    if (!st.ok()) co_return st;
    ctx.svc.metrics.streamBytes(false, static_cast<int64_t>(step->copied));
  }
}

// How long a relayed request waits for the owner's uploader to register (it began its upload
// in the database a moment before registering here).
asio::awaitable<std::string> relayGrace() {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(10));
  co_await t.async_wait(asio::use_awaitable);
  co_return std::string();
}

// Waits for the stream's uploader to register here, but gives up at once if this downloader
// hangs up meanwhile (so a dead downloader never takes the stream from a live one coming
// later), and, unless this is a relayed request, relays instead when the uploader turns up on
// another instance. A relayed request is answered 404 when the owner's uploader is not (or no
// longer) here after a short grace. Returns null when the request was fully handled.
asio::awaitable<Result<std::unique_ptr<DataReader>>> waitForUploader(Context& ctx,
                                                                       const std::string& id,
                                                                       bool relayed) {
  ctx.res.setWaiting(true);
  using Raced = std::variant<Result<std::unique_ptr<DataReader>>, bool, std::string>;
  std::optional<Raced> raced;
  if (relayed) {
    raced.emplace(co_await (ctx.svc.streams.attachDownloader(id) || ctx.res.waitPeerClosed() ||
                            relayGrace()));
  } else {
    raced.emplace(co_await (ctx.svc.streams.attachDownloader(id) || ctx.res.waitPeerClosed() ||
                            waitForRemoteUploader(ctx, id)));
  }
  ctx.res.setWaiting(false);
  if (raced->index() == 1) {
    ctx.res.abort();
    co_return std::unique_ptr<DataReader>();
  }
  if (raced->index() == 2) {
    if (relayed) co_return Error::notFound("stream not found on this instance");
    std::string owner = std::get<2>(std::move(*raced));
    auto st = co_await relayStream(ctx, owner);
    if (!st.ok()) co_return std::move(st).error();
    co_return std::unique_ptr<DataReader>();
  }
  co_return std::get<0>(std::move(*raced));
}

asio::awaitable<Status> getStream(Context& ctx) {
  File& f = *ctx.file;
  if (f.status != FileStatus::Missing && f.status != FileStatus::Uploading) co_return notAvailable(f);
  setDownloadHeaders(ctx, f);
  int64_t declared = f.size;
  if (ctx.req.isHead()) {
    ctx.res.setStatus(200);
    auto st = co_await ctx.res.start(declared > 0 ? std::optional<int64_t>(declared) : std::nullopt);
    if (st.ok()) st = co_await ctx.res.finish();
    co_return Status{};
  }
  // The uploader is held by another instance: relay from it (a relayed request never is).
  const bool relayed = isRelayRequest(ctx);
  if (!relayed && f.status == FileStatus::Uploading && !f.instance.empty() &&
      f.instance != ctx.svc.instanceId)
    co_return co_await relayStream(ctx, f.instance);
  auto reader = co_await waitForUploader(ctx, f.id, relayed);
  if (!reader.ok()) co_return std::move(reader).error();
  if (!*reader) co_return Status{};  // the downloader left, or the stream is relayed
  ctx.res.setStatus(200);
  auto st = co_await ctx.res.start(declared > 0 ? std::optional<int64_t>(declared) : std::nullopt);
  if (!st.ok()) co_return st;
  st = co_await pumpStream(ctx, **reader, declared > 0);
  if (!st.ok()) {
    ctx.res.abort();
    co_return Status{};
  }
  st = co_await ctx.res.finish();
  if (!st.ok()) ctx.res.abort();
  co_return Status{};
}

}  // namespace

asio::awaitable<Status> getFile(Context& ctx) {
  const Upload& up = *ctx.upload;
  File& f = *ctx.file;
  bool head = ctx.req.isHead();
  if (!head && (up.oneShot || up.stream) && isPreviewBot(ctx.req.headerOr("User-Agent")))
    co_return Error{406, "link preview bots are not allowed to download this file", {}};
  if (up.stream) co_return co_await getStream(ctx);

  if (f.status != FileStatus::Uploaded) co_return notAvailable(f);
  auto& meta = ctx.svc.meta;

  // Range applies to stored, non-oneShot files.
  ByteRange range;
  if (!up.oneShot) {
    ctx.res.setHeader("Accept-Ranges", "bytes");
    if (auto h = ctx.req.header("Range")) range = parseRange(*h, f.size);
    if (range.kind == ByteRange::Kind::Unsatisfiable) {
      ctx.res.setHeader("Content-Range", "bytes */" + std::to_string(f.size));
      co_return Error{416, "requested range not satisfiable", {}};
    }
  }
  bool partial = range.kind == ByteRange::Kind::Satisfiable;
  int64_t offset = partial ? range.first : 0;
  int64_t length = partial ? range.length() : f.size;

  // OneShot: take the file (uploaded -> removed) before sending a byte.
  bool taken = false;
  if (up.oneShot && !head) {
    std::string id = f.id;
    auto job0 = [&meta, id] {
      return meta.casFileStatus(id, FileStatus::Uploaded, FileStatus::Removed);
    };
    auto r = co_await blocking(ctx, job0);
    if (!r.ok()) co_return std::move(r).error();
    if (!*r) {
      f.status = FileStatus::Removed;
      co_return notAvailable(f);
    }
    taken = true;
  }
  auto giveBack = [&]() -> asio::awaitable<void> {
    if (!taken) co_return;
    std::string id = f.id;
    auto job1 = [&meta, id] {
      return meta.casFileStatus(id, FileStatus::Removed, FileStatus::Uploaded);
    };
    (void)co_await blocking(ctx, job1);
  };

  std::unique_ptr<DataReader> reader;
  if (!head) {
    auto rd = co_await ctx.svc.data.open(f, offset, length);
    if (!rd.ok()) {
      co_await giveBack();
      Error e = std::move(rd).error();
      if (e.status == 500) e.message = "unable to get file from data backend";
      co_return e;
    }
    reader = std::move(rd).value();
  }

  setDownloadHeaders(ctx, f);
  if (partial) {
    ctx.res.setStatus(206);
    ctx.res.setHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                           std::to_string(range.last) + "/" + std::to_string(f.size));
  } else {
    ctx.res.setStatus(200);
  }
  // Plik sends Content-Length only when > 0; an empty file gets an explicit 0 here (HTTP/1.1
  // needs a length or chunking, and 0 is the honest answer).
  auto st = co_await ctx.res.start(length);
  if (st.ok() && reader) {
    if (reader->nativeFd() >= 0)
      st = co_await ctx.res.sendFile(reader->nativeFd(), reader->offset(), length);
    else
      st = co_await pump(ctx, *reader, length);
  }
  if (st.ok()) st = co_await ctx.res.finish();
  if (!st.ok()) {
    ctx.res.abort();
    co_await giveBack();  // a broken download does not consume a oneShot file
    co_return Status{};
  }
  if (taken) co_await purgeFile(ctx, f, FileStatus::Removed);
  co_return Status{};
}

}  // namespace plik::handlers
