// The cross-instance stream relay (see stream_relay.hpp).
#include "server/stream_relay.hpp"

#include <fcntl.h>

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "http/outbound.hpp"
#include "server/handlers/download_headers.hpp"

namespace plik {

namespace asio = boost::asio;

namespace {

constexpr size_t kRelayChunk = 1024 * 1024;

// The relayed request: same target, the client's credentials and address, the relay mark.
http::HeaderList relayHeaders(const Context& ctx) {
  http::HeaderList h;
  for (const char* name : {"Host", "Authorization", "User-Agent", "Cookie"}) {
    if (auto v = ctx.req.header(name)) h.emplace_back(name, std::string(*v));
  }
  std::string xff = ctx.req.headerOr("X-Forwarded-For");
  xff = xff.empty() ? ctx.req.remoteIp : xff + ", " + ctx.req.remoteIp;
  h.emplace_back("X-Forwarded-For", xff);
  h.emplace_back(kRelayHeader, "1");
  return h;
}

// The owner's error answer as ours: its status and its plain-text message.
Error ownerError(int status, std::string body) {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  if (body.empty()) body = "stream relay failed";
  return Error{status, std::move(body), "relayed from the owning instance"};
}

}  // namespace

bool isRelayRequest(const Context& ctx) { return ctx.req.header(kRelayHeader).has_value(); }

asio::awaitable<std::string> waitForRemoteUploader(Context& ctx, std::string fileId) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  auto& meta = ctx.svc.meta;
  const std::string& self = ctx.svc.instanceId;
  // Quick at first (an uploader usually follows its downloader within moments), then once a
  // second: 100, 200, 400, 800 ms, 1 s, 1 s, ... — a handful of extra queries per waiter.
  std::chrono::milliseconds delay{100};
  for (;;) {
    timer.expires_after(delay);
    delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(1));
    co_await timer.async_wait(asio::use_awaitable);  // throws when the race cancels us
    auto job = [&meta, &fileId] { return meta.getFile(fileId); };
    auto r = co_await blocking(ctx, job);
    if (!r.ok() || !*r) continue;
    const File& f = **r;
    if (f.status == FileStatus::Uploading && !f.instance.empty() && f.instance != self)
      co_return f.instance;
  }
}

asio::awaitable<Status> relayStream(Context& ctx, const std::string& owner) {
  auto target = http::OutboundTarget::parse(owner);
  if (!target.ok()) co_return Error::internal("stream relay failed", "bad instance URL " + owner);
  auto executor = co_await asio::this_coro::executor;
  http::OutboundTimeouts timeouts;
  // The owner answers at once (its uploader is there); during the transfer the owner's own
  // read timeout on the uploader bounds any silence, so allow twice that.
  timeouts.idle = std::chrono::seconds(std::max<int64_t>(30, ctx.config().readTimeout * 2 + 10));
  auto connected = co_await http::OutboundExchange::connect(executor, *target, timeouts);
  if (!connected.ok()) {
    spdlog::warn("stream relay: instance {} unreachable : {}", owner, connected.error().detail);
    co_return Error{502, "stream relay failed : the instance holding the uploader is unreachable", {}};
  }
  auto& ex = **connected;
  http::HeaderList headers = relayHeaders(ctx);
  Status st = co_await ex.start("GET", ctx.req.target, headers, 0);
  if (st.ok()) st = co_await ex.finish();
  if (!st.ok()) co_return Error{502, "stream relay failed", st.error().detail};
  ctx.res.setWaiting(true);
  auto head = co_await ex.readHead();
  ctx.res.setWaiting(false);
  if (!head.ok()) co_return Error{502, "stream relay failed", head.error().detail};
  if (head->status != 200) {
    auto body = co_await ex.readAll(64 * 1024);
    co_return ownerError(head->status, body.ok() ? std::move(body).value() : std::string());
  }

  const File& f = *ctx.file;
  handlers::setDownloadHeaders(ctx, f);
  ctx.res.setStatus(200);
  std::optional<int64_t> length;
  if (head->contentLength) length = static_cast<int64_t>(*head->contentLength);
  st = co_await ctx.res.start(length);
  if (!st.ok()) {
    ex.cancel();
    co_return Status{};
  }
  std::unique_ptr<char[]> buf(new char[kRelayChunk]);
  for (;;) {
    // Zero-copy once the owner's body is a plain byte range of the socket: spliced from the
    // owner's socket into ours (the owner's uploader bytes never enter this process either).
    if (const int fd = length ? ex.rawBodyFd() : -1; fd >= 0) {
      const int64_t n = ex.rawBodyRemaining();
      const int dupFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (dupFd >= 0) {
        const int64_t before = ctx.res.bytesSent();
        auto out = co_await ctx.res.spliceFrom(dupFd, n);
        ctx.svc.metrics.streamBytes(true, ctx.res.bytesSent() - before);
        if (!out.status.ok()) {  // the owner broke, or our downloader left: never end cleanly
          ex.cancel();
          ctx.res.abort();
          co_return Status{};
        }
        ex.skipRawBody(n);
        continue;
      }
    }
    ctx.res.setWaiting(true);
    auto n = co_await ex.read(std::span<char>(buf.get(), kRelayChunk));
    ctx.res.setWaiting(false);
    if (!n.ok()) {  // the owner or its uploader broke: never end the response cleanly
      ctx.res.abort();
      co_return Status{};
    }
    if (*n == 0) break;
    st = co_await ctx.res.write(std::span<const char>(buf.get(), *n));
    ctx.svc.metrics.streamBytes(false, static_cast<int64_t>(*n));
    if (!st.ok()) {  // our downloader left: closing the relay tells the owner
      ex.cancel();
      ctx.res.abort();
      co_return Status{};
    }
  }
  st = co_await ctx.res.finish();
  if (!st.ok()) ctx.res.abort();
  co_return Status{};
}

}  // namespace plik
