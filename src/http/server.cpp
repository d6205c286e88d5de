// HTTP/1.1 connections: head parsing with Beast's parser over our own buffer, body framing
// (Content-Length and chunked) decoded in place, responses written with large writes or
// sendfile, and one watchdog timer per connection instead of a timer per operation.
#include "http/server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "codec/http_text.hpp"
#include "http/splice_pipe.hpp"
#include "http/tls_terminator.hpp"

namespace plik::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr size_t kInitialBuffer = 4096;
constexpr size_t kIdleShrink = 64 * 1024;
constexpr size_t kMaxChunkLine = 4096;
constexpr int64_t kCorkMin = 256 * 1024;         // sendFile() corks regions at least this big
constexpr size_t kGreedyReadMin = 64 * 1024;     // readSocket() reads on while this much room
constexpr size_t kShrinkSlack = 128;               // room left by shrinkToFit()
constexpr size_t kMaxBodyBuffer = 4 * 1024 * 1024;  // fill() never grows the buffer beyond
constexpr std::chrono::milliseconds kHangupPoll{1000};
constexpr int kSplicePipe = 1024 * 1024;           // spliceFrom()'s pipe (bytes in flight)
constexpr int64_t kSpliceLowat = 256 * 1024;       // spliceFrom() waits for this much source

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 416: return "Requested Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
  }
}

// "Date" header value, recomputed at most once per second per thread.
std::string httpDate() {
  thread_local time_t cachedAt = 0;
  thread_local char cached[64];
  time_t t = ::time(nullptr);
  if (t != cachedAt) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(cached, sizeof cached, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cachedAt = t;
  }
  return cached;
}

Error clientGone(const boost::system::error_code& ec) {
  return Error{499, "client connection lost", ec.message()};
}

}  // namespace

// ------------------------------------------------------------------------------------------
// Connection: owns the socket and the buffer; implements BodyReader and ResponseWriter for the
// request in flight. Runs on one event loop (or its own strand); every member is touched only
// from there.
class Connection final : public BodyReader, public ResponseWriter,
                         public std::enable_shared_from_this<Connection> {
 public:
  // socket: a stream socket typed as tcp (a TCP connection, the TLS terminator's socketpair or a
  // Unix-socket connection): only protocol-free operations (read, write, wait, shutdown,
  // release/assign with `protocol`) are used on it. peer: the client's address when the socket
  // is not the client's own (TLS socketpair, Unix socket); then getpeername is never asked.
  Connection(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server, tcp protocol,
             std::optional<tcp::endpoint> peer = std::nullopt);
  awaitable<void> run();
  void close();
  // No request of it is being served: waiting for (or reading) the next request's head.
  bool betweenRequests() const { return phase_ == Phase::Idle || phase_ == Phase::Head; }
  tcp::socket::executor_type executor() { return socket_.get_executor(); }

  // BodyReader
  std::span<const char> buffered() const override { return {buf_.get() + cBeg_, cEnd_ - cBeg_}; }
  void consume(size_t n) override { cBeg_ += std::min(n, cEnd_ - cBeg_); }
  awaitable<Result<bool>> fill() override;
  void reserve(size_t n) override { grow(n + (rawEnd_ - cBeg_)); }
  void shrinkToFit() override;
  bool complete() const override { return bodyDone_; }
  int64_t received() const override { return received_; }
  int rawFd() const override {
    return (chunkedBody_ || bodyDone_ || closed_ || rawPos_ != rawEnd_)
               ? -1
               : const_cast<tcp::socket&>(socket_).native_handle();
  }
  int64_t rawRemaining() const override { return chunkedBody_ || bodyDone_ ? 0 : remaining_; }
  void skipRaw(int64_t n) override;
  void pauseRawFdEvents() override;
  void resumeRawFdEvents() override;
  ~Connection() override { closePausedFd(); }

  // ResponseWriter
  awaitable<Status> start(std::optional<int64_t> contentLength) override;
  awaitable<Status> write(std::span<const char> bytes) override;
  awaitable<Status> sendFile(int fd, int64_t offset, int64_t length) override;
  awaitable<SpliceOutcome> spliceFrom(int srcFd, int64_t length) override;
  std::function<void()> spliceInterrupter() override;
  awaitable<Status> finish() override;
  void abort() override {
    flushHeadBestEffort();
    broken_ = true;
  }
  void setWaiting(bool waiting) override {
    waiting_ = waiting;
    touch();
  }
  awaitable<bool> waitPeerClosed() override;
  void setHangupHandler(std::function<void()> onHangup) override {
    const bool arm = onHangup && !onHangup_;
    onHangup_ = std::move(onHangup);
    if (arm) watchdogTimer_.cancel();  // re-arm the watchdog with the short hang-up period
  }

 private:
  enum class Phase { Idle, Head, Body, Responding };
  enum class ChunkState { Size, SizeExt, Data, DataCrlf, Trailer, Done };

  void touch() { lastActivity_ = SteadyClock::now(); }
  bool peerHungUp() const;
  void reallocate(size_t ncap);
  void grow(size_t need);
  void compact();
  void armWatchdog();  // (re)starts the watchdog timer; its callback runs onWatchdog()
  void onWatchdog();
  awaitable<Result<size_t>> readSocket();
  // Decodes raw bytes [rawPos_, rawEnd_) into body data appended at cEnd_. Error on bad framing.
  Status decode();
  awaitable<bool> readHead(Request& req);  // false = close connection (error already answered)
  awaitable<void> answerError(int status, std::string_view message);
  awaitable<Status> writeAll(std::span<const asio::const_buffer> bufs);
  // writeAll() of bufs preceded by the pending head, if any (at most 3 bufs).
  awaitable<Status> writeWithHead(std::span<const asio::const_buffer> bufs);
  awaitable<Status> flushHead() { return writeWithHead({}); }
  void flushHeadBestEffort();  // abort paths: a non-blocking try, then give up
  awaitable<bool> drainBody();
  void resetForRequest();

  tcp::socket socket_;
  std::shared_ptr<HttpServer::Impl> server_;
  std::optional<tcp::endpoint> peer_;
  asio::steady_timer watchdogTimer_;
  tcp protocol_;  // what socket_ is assign()ed back with after pauseRawFdEvents()
  // pauseRawFdEvents(): the socket released from the event loop (ours to close), else -1.
  int pausedFd_ = -1;
  void closePausedFd();
  int fd() const {  // the socket, registered with the loop or paused
    return pausedFd_ >= 0 ? pausedFd_ : const_cast<tcp::socket&>(socket_).native_handle();
  }

  // Buffer: [0, cBeg_) consumed, [cBeg_, cEnd_) decoded body not consumed, [cEnd_, rawPos_)
  // gap left by removed chunk framing, [rawPos_, rawEnd_) raw bytes not decoded yet.
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0, cBeg_ = 0, cEnd_ = 0, rawPos_ = 0, rawEnd_ = 0;

  // Body state of the request in flight.
  bool chunkedBody_ = false;
  int64_t remaining_ = 0;  // Content-Length left, or bytes left in the current chunk
  ChunkState chunk_ = ChunkState::Size;
  uint64_t chunkSize_ = 0;
  bool bodyDone_ = true;
  int64_t received_ = 0;

  // Response state.
  bool head_ = false;  // HEAD request: no body bytes
  bool chunkedResponse_ = false;
  bool closeAfter_ = false;
  // The head built by start(), sent with the first body bytes (one write for head + body, one
  // TCP segment for a small response) or by finish()/abort(); empty once on the wire.
  std::string pendingHead_;
  std::optional<int64_t> responseLength_;
  int versionMinor_ = 1;
  bool broken_ = false;
  // spliceFrom(): its source while it runs (the watchdog, close() and the interrupter cancel
  // its waits), and whether this request's splicing was interrupted.
  asio::posix::stream_descriptor* spliceSrc_ = nullptr;
  bool spliceInterrupted_ = false;

  // Watchdog.
  Phase phase_ = Phase::Idle;
  bool waiting_ = false;
  std::function<void()> onHangup_;  // see ResponseWriter::setHangupHandler
  bool timedOut_ = false;
  bool closed_ = false;
  SteadyClock::time_point lastActivity_ = SteadyClock::now();
  SteadyClock::time_point phaseStart_ = SteadyClock::now();
};

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  asio::io_context& ioc;
  ServerOptions options;
  Handler handler;
  // A listening socket. A Unix one is held through asio's tcp handle like the connections it
  // accepts (see Connection): only waited on, accept4()ed from and closed.
  struct Listener {
    Listener(asio::io_context& ioc, tcp p) : acceptor(ioc), protocol(p) {}
    tcp::acceptor acceptor;
    tcp protocol;            // of the accepted sockets
    bool local = false;      // Unix socket: plain HTTP (even with TLS), peer = loopback
    std::string path;        // Unix socket file, removed by stop() if it is still ours
    dev_t dev = 0;
    ino_t ino = 0;
  };
  std::vector<std::unique_ptr<Listener>> listeners;
  std::mutex mu;
  std::unordered_set<Connection*> connections;
  std::atomic<bool> stopping{false};
  // drain(): no new connections; idle ones close, each request in flight closes its
  // connection when its response ends.
  std::atomic<bool> draining{false};
  std::shared_ptr<TlsTerminator> tls;  // set by enableTls(): every accepted socket speaks TLS
  std::vector<asio::io_context*> loops;  // connections' event loops (empty: strands of ioc)
  size_t nextLoop = 0;                   // round-robin cursor (accept loop only)

  Impl(asio::io_context& i, ServerOptions o, Handler h, std::vector<asio::io_context*> l)
      : ioc(i), options(o), handler(std::move(h)), loops(std::move(l)) {}

  // Runs fn(connection) on each live connection's own loop.
  template <class Fn>
  void postToEachConnection(Fn fn) {
    std::lock_guard lk(mu);
    for (auto* c : connections) {
      auto sp = c->weak_from_this().lock();
      if (!sp) continue;
      asio::post(sp->executor(), [sp, fn] { fn(*sp); });
    }
  }

  asio::any_io_executor nextExecutor() {
    if (loops.empty()) return asio::make_strand(ioc);
    return loops[nextLoop++ % loops.size()]->get_executor();
  }

  // Accepts with accept4(2) itself and creates each socket directly on its connection loop:
  // no operation pending on the listener's loop ever holds an object of another loop (asio's
  // move-accept would, which breaks the loops' teardown in either order).
  awaitable<void> acceptLoop(Listener& listener) {
    auto self = shared_from_this();  // alive while the loop runs (and so is `listener`)
    boost::system::error_code ec;
    auto& acceptor = listener.acceptor;
    acceptor.native_non_blocking(true, ec);
    for (;;) {
      co_await acceptor.async_wait(tcp::acceptor::wait_read, asio::redirect_error(use_awaitable, ec));
      if (stopping || draining || ec == asio::error::operation_aborted || !acceptor.is_open())
        co_return;
      for (int burst = 0; burst < 64; ++burst) {  // every pending connection, within reason
        int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            // Out of descriptors or memory: the listener stays readable, so pause instead of
            // spinning; pending clients wait in the backlog meanwhile.
            asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
          }
          break;  // EAGAIN: nothing left
        }
        tcp::socket sock(nextExecutor());
        sock.assign(listener.protocol, fd, ec);
        if (ec) {
          ::close(fd);
          continue;
        }
        handOff(std::move(sock), listener);
      }
    }
  }

  // Starts the connection (behind the TLS terminator when enabled, except on a Unix socket), or
  // closes the socket at once beyond maxConnections.
  void handOff(tcp::socket sock, const Listener& listener) {
    auto self = shared_from_this();
    boost::system::error_code ec;
    size_t count;
    {
      std::lock_guard lk(mu);
      count = connections.size();
    }
    if (count >= options.maxConnections) {
      sock.close(ec);
      return;
    }
    if (tls && !listener.local) {
      tls->accept(std::move(sock), [self](tcp::socket plain, tcp::endpoint peer) {
        auto ex = plain.get_executor();
        auto conn = std::make_shared<Connection>(std::move(plain), self, peer.protocol(), peer);
        asio::co_spawn(ex, [conn]() -> awaitable<void> { co_await conn->run(); }, asio::detached);
      });
      return;
    }
    auto ex = sock.get_executor();
    std::optional<tcp::endpoint> peer;
    if (listener.local) peer = tcp::endpoint(asio::ip::address_v4::loopback(), 0);
    auto conn = std::make_shared<Connection>(std::move(sock), self, listener.protocol, peer);
    asio::co_spawn(ex, [conn]() -> awaitable<void> { co_await conn->run(); }, asio::detached);
  }
};

// ------------------------------------------------------------------------------------------

Connection::Connection(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server,
                       tcp protocol, std::optional<tcp::endpoint> peer)
    : socket_(std::move(socket)),
      server_(std::move(server)),
      peer_(peer),
      watchdogTimer_(socket_.get_executor()),
      protocol_(protocol) {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.native_non_blocking(true, ec);
  buf_.reset(new char[kInitialBuffer]);
  cap_ = kInitialBuffer;
}

void Connection::pauseRawFdEvents() {
  if (pausedFd_ >= 0 || closed_) return;
  boost::system::error_code ec;
  // release() deregisters the descriptor from the loop's epoll and hands the fd over, open.
  int fd = socket_.release(ec);
  if (ec || fd < 0) return;
  pausedFd_ = fd;
}

void Connection::resumeRawFdEvents() {
  if (pausedFd_ < 0) return;
  const int fd = pausedFd_;
  pausedFd_ = -1;
  if (closed_) {
    ::close(fd);
    return;
  }
  boost::system::error_code ec;
  socket_.assign(protocol_, fd, ec);
  if (ec) {
    ::close(fd);
    closed_ = true;  // nothing to read from any more: the next read reports the loss
    return;
  }
  socket_.native_non_blocking(true, ec);
}

void Connection::closePausedFd() {
  if (pausedFd_ < 0) return;
  ::shutdown(pausedFd_, SHUT_RDWR);  // a reader splicing from a dup sees the end at once
  ::close(pausedFd_);
  pausedFd_ = -1;
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  closePausedFd();
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (spliceSrc_) spliceSrc_->cancel(ec);
  watchdogTimer_.cancel();
}

void Connection::skipRaw(int64_t n) {
  if (chunkedBody_ || bodyDone_ || n <= 0) return;
  n = std::min(n, remaining_);
  remaining_ -= n;
  received_ += n;
  if (remaining_ == 0) bodyDone_ = true;
  touch();
}

// Moves the live region [cBeg_, rawEnd_) to the front of a new buffer of ncap bytes.
void Connection::reallocate(size_t ncap) {
  std::unique_ptr<char[]> nb(new char[ncap]);
  const size_t live = rawEnd_ - cBeg_;
  std::memcpy(nb.get(), buf_.get() + cBeg_, live);
  cEnd_ -= cBeg_;
  rawPos_ -= cBeg_;
  rawEnd_ -= cBeg_;
  cBeg_ = 0;
  buf_ = std::move(nb);
  cap_ = ncap;
}

void Connection::grow(size_t need) {
  if (need <= cap_) return;
  // Small steps double (amortised); a big reserve() gets what it asked for, not twice that.
  reallocate(std::max(need, cap_ * 2));
}

void Connection::shrinkToFit() {
  const size_t live = rawEnd_ - cBeg_;
  const size_t ncap = std::max(live + kShrinkSlack, kShrinkSlack * 2);
  if (ncap < cap_) reallocate(ncap);
}

void Connection::compact() {
  if (cBeg_ == 0) return;
  size_t live = rawEnd_ - cBeg_;
  std::memmove(buf_.get(), buf_.get() + cBeg_, live);
  cEnd_ -= cBeg_;
  rawPos_ -= cBeg_;
  rawEnd_ -= cBeg_;
  cBeg_ = 0;
}

awaitable<Result<size_t>> Connection::readSocket() {
  if (rawEnd_ == cap_) compact();
  if (rawEnd_ == cap_) co_return Error::internal("connection buffer full");
  boost::system::error_code ec;
  size_t n = co_await socket_.async_read_some(asio::buffer(buf_.get() + rawEnd_, cap_ - rawEnd_),
                                              asio::redirect_error(use_awaitable, ec));
  if (ec) {
    if (timedOut_) co_return Error{408, "request timeout", "idle timeout"};
    co_return clientGone(ec);
  }
  touch();
  rawEnd_ += n;
  // While bytes keep arriving fast (a big upload or a stream), take what the kernel already
  // holds without suspending again: the consumer then handles one large span instead of many
  // small ones (for a stream relay, each span is a hand-off to the downloader's thread).
  while (cap_ - rawEnd_ >= kGreedyReadMin) {
    ssize_t more = ::recv(socket_.native_handle(), buf_.get() + rawEnd_, cap_ - rawEnd_, MSG_DONTWAIT);
    if (more <= 0) break;  // EAGAIN, EOF or error: the next async read reports them
    rawEnd_ += static_cast<size_t>(more);
    n += static_cast<size_t>(more);
  }
  co_return n;
}

Status Connection::decode() {
  char* b = buf_.get();
  while (!bodyDone_ && rawPos_ < rawEnd_) {
    if (!chunkedBody_ || chunk_ == ChunkState::Data) {
      size_t avail = rawEnd_ - rawPos_;
      size_t k = static_cast<size_t>(std::min<int64_t>(remaining_, static_cast<int64_t>(avail)));
      if (cEnd_ != rawPos_) std::memmove(b + cEnd_, b + rawPos_, k);
      cEnd_ += k;
      rawPos_ += k;
      remaining_ -= k;
      received_ += static_cast<int64_t>(k);
      if (remaining_ == 0) {
        if (!chunkedBody_) bodyDone_ = true;
        else chunk_ = ChunkState::DataCrlf;
      }
      continue;
    }
    // Line-oriented chunk framing: need a whole line.
    const char* start = b + rawPos_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', rawEnd_ - rawPos_));
    if (!nl) {
      if (rawEnd_ - rawPos_ > kMaxChunkLine) return Error::badRequest("invalid chunked encoding");
      break;
    }
    std::string_view line(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    rawPos_ += (nl - start) + 1;
    switch (chunk_) {
      case ChunkState::Size:
      case ChunkState::SizeExt: {
        uint64_t v = 0;
        size_t i = 0;
        for (; i < line.size(); ++i) {
          char c = line[i];
          int d = (c >= '0' && c <= '9') ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
          if (d < 0) break;
          if (v > (uint64_t{1} << 59)) return Error::badRequest("invalid chunked encoding");
          v = v * 16 + d;
        }
        if (i == 0 || (i < line.size() && line[i] != ';' && line[i] != ' ' && line[i] != '\t'))
          return Error::badRequest("invalid chunked encoding");
        if (v == 0) {
          chunk_ = ChunkState::Trailer;
        } else {
          remaining_ = static_cast<int64_t>(v);
          chunk_ = ChunkState::Data;
        }
        break;
      }
      case ChunkState::DataCrlf:
        if (!line.empty()) return Error::badRequest("invalid chunked encoding");
        chunk_ = ChunkState::Size;
        break;
      case ChunkState::Trailer:
        if (line.empty()) {
          chunk_ = ChunkState::Done;
          bodyDone_ = true;
        }
        break;
      default:
        break;
    }
  }
  // Reclaim the gap when every raw byte was decoded.
  if (rawPos_ == rawEnd_ && !bodyDone_) rawPos_ = rawEnd_ = cEnd_;
  return {};
}

awaitable<Result<bool>> Connection::fill() {
  if (bodyDone_) co_return false;
  for (;;) {
    size_t before = cEnd_ - cBeg_;
    // Raw bytes may already be waiting (pipelined or partial chunk line).
    if (rawPos_ < rawEnd_) {
      auto st = decode();
      if (!st.ok()) co_return std::move(st).error();
      if (cEnd_ - cBeg_ > before || bodyDone_) co_return true;
    }
    if (rawPos_ == rawEnd_) {
      // Everything decoded: read straight after the decoded data.
      rawPos_ = rawEnd_ = cEnd_;
    }
    if (rawEnd_ == cap_) {
      compact();
      if (rawEnd_ == cap_) {
        // Only a consumer's lookahead (multipart boundary, part headers) fills the buffer:
        // grow it, up to a bound.
        if (cap_ >= kMaxBodyBuffer) co_return Error::internal("connection buffer full");
        grow(std::min(cap_ * 2, kMaxBodyBuffer));
      }
    }
    auto n = co_await readSocket();
    if (!n.ok()) co_return std::move(n).error();
    if (*n == 0) co_return Error{499, "client connection lost", "eof"};
  }
}

// The watchdog is a plain timer callback on the connection's strand (not a coroutine: a
// spawned coroutine would cost every idle or waiting connection ~700 more bytes).
void Connection::armWatchdog() {
  const auto& opt = server_->options;
  const auto period = std::max<std::chrono::milliseconds>(
      std::chrono::milliseconds(200),
      std::chrono::duration_cast<std::chrono::milliseconds>(opt.readTimeout) / 4);
  // A waiting stream uploader is checked for hang-ups every second.
  watchdogTimer_.expires_after(onHangup_ ? std::min<std::chrono::milliseconds>(period, kHangupPoll)
                                         : period);
  watchdogTimer_.async_wait(
      [self = shared_from_this()](boost::system::error_code) { self->onWatchdog(); });
}

void Connection::onWatchdog() {
  if (closed_) return;
  if (server_->stopping || (server_->draining && betweenRequests())) {
    close();
    return;
  }
  const auto& opt = server_->options;
  if (waiting_ && onHangup_ && peerHungUp()) {
    auto onHangup = std::move(onHangup_);
    onHangup_ = nullptr;
    onHangup();
  }
  auto now = SteadyClock::now();
  bool expired = false;
  switch (phase_) {
    case Phase::Idle: expired = now - lastActivity_ > opt.idleTimeout; break;
    case Phase::Head: expired = now - phaseStart_ > opt.readTimeout; break;  // slowloris
    case Phase::Body:
    case Phase::Responding: expired = !waiting_ && now - lastActivity_ > opt.readTimeout; break;
  }
  if (expired) {
    timedOut_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    if (spliceSrc_) spliceSrc_->cancel(ignored);
    if (phase_ == Phase::Idle || phase_ == Phase::Head) close();
  }
  if (!closed_) armWatchdog();
}

// While the request body is still expected, any end of the client's sending side is a
// hang-up (POLLRDHUP); once the body is complete only a reset or full close counts.
bool Connection::peerHungUp() const {
  if (closed_) return false;
  pollfd p{};
  p.fd = fd();
  p.events = POLLRDHUP;
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return true;
  return !bodyDone_ && (p.revents & POLLRDHUP);
}

void Connection::resetForRequest() {
  onHangup_ = nullptr;
  // Move leftover (pipelined) bytes to the front; shrink a big idle buffer.
  size_t live = rawEnd_ - rawPos_;
  if (cap_ > kIdleShrink && live <= kInitialBuffer) {
    std::unique_ptr<char[]> nb(new char[kInitialBuffer]);
    std::memcpy(nb.get(), buf_.get() + rawPos_, live);
    buf_ = std::move(nb);
    cap_ = kInitialBuffer;
  } else if (rawPos_ > 0) {
    std::memmove(buf_.get(), buf_.get() + rawPos_, live);
  }
  cBeg_ = cEnd_ = rawPos_ = 0;
  rawEnd_ = live;
  bodyDone_ = true;
  chunkedBody_ = false;
  remaining_ = 0;
  received_ = 0;
  chunk_ = ChunkState::Size;
  status_ = 200;
  headers_.clear();
  started_ = finished_ = broken_ = false;
  pendingHead_.clear();
  bodyBytes_ = 0;
  responseLength_.reset();
  chunkedResponse_ = false;
  waiting_ = false;
  timedOut_ = false;
  spliceInterrupted_ = false;
}

awaitable<void> Connection::answerError(int status, std::string_view message) {
  status_ = status;
  headers_.clear();
  setHeader("Content-Type", "text/plain; charset=utf-8");
  setHeader("X-Content-Type-Options", "nosniff");
  closeAfter_ = true;
  std::string body = std::string(message) + "\n";
  (void)co_await send(body);
}

awaitable<bool> Connection::readHead(Request& req) {
  const auto& opt = server_->options;
  beast::http::request_parser<beast::http::empty_body> parser;
  parser.eager(false);
  parser.header_limit(static_cast<std::uint32_t>(opt.maxHeaderBytes));
  parser.body_limit(boost::none);
  size_t parsed = 0;  // bytes of the buffer consumed by the parser
  phase_ = Phase::Idle;
  for (;;) {
    if (parsed < rawEnd_) {
      boost::system::error_code ec;
      size_t n = parser.put(asio::buffer(buf_.get() + parsed, rawEnd_ - parsed), ec);
      parsed += n;
      if (ec == beast::http::error::need_more) {
        // fallthrough to read more
      } else if (ec == beast::http::error::header_limit) {
        co_await answerError(431, "request header fields too large");
        co_return false;
      } else if (ec) {
        co_await answerError(400, "malformed HTTP request");
        co_return false;
      } else if (parser.is_header_done()) {
        break;
      }
    }
    if (rawEnd_ == cap_) {
      if (cap_ >= opt.maxHeaderBytes + 1024) {
        co_await answerError(431, "request header fields too large");
        co_return false;
      }
      grow(std::min(cap_ * 2, opt.maxHeaderBytes + 1024));
    }
    if (rawEnd_ > 0 && phase_ == Phase::Idle) {
      phase_ = Phase::Head;
      phaseStart_ = SteadyClock::now();
    }
    boost::system::error_code ec;
    size_t n = co_await socket_.async_read_some(
        asio::buffer(buf_.get() + rawEnd_, cap_ - rawEnd_), asio::redirect_error(use_awaitable, ec));
    if (ec || n == 0) {
      if (timedOut_ && phase_ == Phase::Head && !closed_) {
        co_await answerError(408, "request timeout");
      }
      co_return false;
    }
    touch();
    if (phase_ == Phase::Idle) {
      phase_ = Phase::Head;
      phaseStart_ = SteadyClock::now();
    }
    rawEnd_ += n;
  }
  phase_ = Phase::Body;
  auto& msg = parser.get();
  req = Request{};
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.versionMinor = msg.version() % 10;
  req.headers.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));  // exact: a
  // waiting request keeps its headers for minutes
  for (const auto& f : msg) req.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  auto q = req.target.find('?');
  std::string_view rawPath = std::string_view(req.target).substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  // Absolute-form targets: keep the path only.
  if (rawPath.starts_with("http://") || rawPath.starts_with("https://")) {
    auto p = rawPath.find('/', rawPath.find("//") + 2);
    rawPath = p == std::string_view::npos ? std::string_view("/") : rawPath.substr(p);
  }
  auto decoded = percentDecodePath(rawPath);
  if (!decoded || decoded->empty() || (*decoded)[0] != '/') {
    co_await answerError(400, "invalid request path");
    co_return false;
  }
  req.path = std::move(*decoded);
  boost::system::error_code ec;
  if (!peer_) {  // asked once per connection (getpeername), not once per request
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) peer_ = ep;
  }
  if (peer_) {
    const auto& ep = *peer_;
    auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
      addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    req.remoteIp = addr.to_string();
    auto pct = req.remoteIp.find('%');
    if (pct != std::string::npos) req.remoteIp.resize(pct);
    req.remotePort = ep.port();
  }
  req.keepAlive = msg.keep_alive();
  req.chunked = msg.chunked();
  if (!req.chunked && msg.has_content_length()) {
    auto cl = parser.content_length();
    if (cl && *cl > static_cast<uint64_t>(INT64_MAX)) {
      co_await answerError(400, "invalid Content-Length");
      co_return false;
    }
    req.contentLength = cl ? static_cast<int64_t>(*cl) : 0;
  }
  if (msg.count(beast::http::field::transfer_encoding) && !req.chunked) {
    co_await answerError(501, "unsupported transfer encoding");
    co_return false;
  }

  // Body framing state; raw body bytes start where the parser stopped.
  cBeg_ = cEnd_ = rawPos_ = parsed;
  chunkedBody_ = req.chunked;
  chunk_ = ChunkState::Size;
  remaining_ = req.chunked ? 0 : req.contentLength.value_or(0);
  bodyDone_ = !req.chunked && remaining_ == 0;
  received_ = 0;
  versionMinor_ = req.versionMinor;
  head_ = req.isHead();
  closeAfter_ = !req.keepAlive;
  if (rawPos_ < rawEnd_ && !bodyDone_) {
    auto st = decode();
    if (!st.ok()) {
      co_await answerError(400, st.error().message);
      co_return false;
    }
  }
  // "Expect: 100-continue": tell the client to go on (curl waits a second otherwise).
  if (auto e = req.header("Expect"); e && iequals(*e, "100-continue") && !bodyDone_) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::const_buffer b(kContinue.data(), kContinue.size());
    auto st = co_await writeAll(std::span<const asio::const_buffer>(&b, 1));
    if (!st.ok()) co_return false;
  }
  co_return true;
}

awaitable<Status> Connection::writeAll(std::span<const asio::const_buffer> bufs) {
  boost::system::error_code ec;
  co_await asio::async_write(socket_, bufs, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    if (timedOut_) co_return Error{408, "response timeout", "idle timeout"};
    co_return clientGone(ec);
  }
  touch();
  co_return Status{};
}

awaitable<Status> Connection::start(std::optional<int64_t> contentLength) {
  if (started_) co_return Error::internal("response already started");
  started_ = true;
  phase_ = Phase::Responding;
  responseLength_ = contentLength;
  if (status_ == 204 || status_ == 304) responseLength_.reset();
  chunkedResponse_ = !contentLength && versionMinor_ >= 1 && status_ != 204 && status_ != 304;
  if (!contentLength && versionMinor_ == 0) closeAfter_ = true;
  if (server_->stopping || server_->draining) closeAfter_ = true;
  std::string headText;
  headText.reserve(256);
  headText += versionMinor_ == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
  headText += std::to_string(status_);
  headText += ' ';
  headText += reasonPhrase(status_);
  headText += "\r\n";
  for (const auto& h : headers_) {
    if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding")) continue;
    headText += h.name;
    headText += ": ";
    // Like Go's net/http: CR and LF in a value become spaces, so no value (an error message
    // quoting a file name, say) can inject a header.
    for (char ch : h.value) headText += (ch == '\r' || ch == '\n') ? ' ' : ch;
    headText += "\r\n";
  }
  headText += "Date: ";
  headText += httpDate();
  headText += "\r\n";
  if (contentLength) {
    headText += "Content-Length: ";
    headText += std::to_string(*contentLength);
    headText += "\r\n";
  } else if (chunkedResponse_) {
    headText += "Transfer-Encoding: chunked\r\n";
  }
  if (closeAfter_) headText += "Connection: close\r\n";
  headText += "\r\n";
  pendingHead_ = std::move(headText);
  co_return Status{};
}

awaitable<Status> Connection::writeWithHead(std::span<const asio::const_buffer> bufs) {
  if (pendingHead_.empty()) {
    if (bufs.empty()) co_return Status{};
    co_return co_await writeAll(bufs);
  }
  std::array<asio::const_buffer, 4> all;
  all[0] = asio::const_buffer(pendingHead_.data(), pendingHead_.size());
  const size_t n = std::min(bufs.size(), all.size() - 1);
  std::copy_n(bufs.begin(), n, all.begin() + 1);
  auto st = co_await writeAll(std::span<const asio::const_buffer>(all.data(), n + 1));
  pendingHead_.clear();
  if (st.ok() && n < bufs.size()) st = co_await writeAll(bufs.subspan(n));  // not used today
  co_return st;
}

void Connection::flushHeadBestEffort() {
  if (pendingHead_.empty() || closed_) return;
  (void)::send(socket_.native_handle(), pendingHead_.data(), pendingHead_.size(),
               MSG_DONTWAIT | MSG_NOSIGNAL);
  pendingHead_.clear();
}

awaitable<Status> Connection::write(std::span<const char> bytes) {
  if (!started_) co_return Error::internal("write before start");
  if (head_ || bytes.empty()) co_return Status{};
  if (responseLength_ && bodyBytes_ + static_cast<int64_t>(bytes.size()) > *responseLength_)
    co_return Error::internal("response body longer than Content-Length");
  bodyBytes_ += static_cast<int64_t>(bytes.size());
  if (chunkedResponse_) {
    char hdr[24];
    int n = std::snprintf(hdr, sizeof hdr, "%zx\r\n", bytes.size());
    std::array<asio::const_buffer, 3> bufs{asio::const_buffer(hdr, n),
                                          asio::const_buffer(bytes.data(), bytes.size()),
                                          asio::const_buffer("\r\n", 2)};
    co_return co_await writeWithHead(bufs);
  }
  asio::const_buffer b(bytes.data(), bytes.size());
  co_return co_await writeWithHead(std::span<const asio::const_buffer>(&b, 1));
}

awaitable<Status> Connection::sendFile(int fd, int64_t offset, int64_t length) {
  if (!started_) co_return Error::internal("sendFile before start");
  if (head_ || length <= 0) co_return Status{};
  if (chunkedResponse_) co_return Error::internal("sendFile needs a Content-Length response");
  if (!pendingHead_.empty()) {
    // The head leaves with the file's first bytes (MSG_MORE: no segment of its own).
    ssize_t n = ::send(socket_.native_handle(), pendingHead_.data(), pendingHead_.size(),
                       MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) pendingHead_.erase(0, static_cast<size_t>(n));
    auto st = co_await flushHead();  // whatever did not fit (rare): a normal write
    if (!st.ok()) co_return st;
  }
  off_t off = offset;
  int64_t left = length;
  // Like nginx's tcp_nopush: while a file region goes out, only full segments are sent; the
  // cork is removed at the end (which flushes the tail).
  const int fdSock = socket_.native_handle();
  int one = 1, zero = 0;
  const bool corked = length >= kCorkMin &&
                      ::setsockopt(fdSock, IPPROTO_TCP, TCP_CORK, &one, sizeof one) == 0;
  struct Uncork {
    int fd;
    bool on;
    int* zero;
    ~Uncork() {
      if (on) ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, zero, sizeof *zero);
    }
  } uncork{fdSock, corked, &zero};
  while (left > 0) {
    ssize_t n = ::sendfile(socket_.native_handle(), fd, &off,
                           static_cast<size_t>(std::min<int64_t>(left, 1 << 30)));
    if (n > 0) {
      left -= n;
      bodyBytes_ += n;
      touch();
      continue;
    }
    if (n == 0) co_return Error::internal("file shorter than expected");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      boost::system::error_code ec;
      co_await socket_.async_wait(tcp::socket::wait_write, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (timedOut_) co_return Error{408, "response timeout", "idle timeout"};
        co_return clientGone(ec);
      }
      continue;
    }
    co_return Error{499, "client connection lost", std::strerror(errno)};
  }
  co_return Status{};
}

// The relay loop of a stream byte: source socket -> pipe -> this socket, both non-blocking;
// when neither side can move, wait for the one that blocks (the pipe holds bytes: this socket
// must drain; the pipe is empty: the source must deliver). The pipe is the bounded buffer.
awaitable<ResponseWriter::SpliceOutcome> Connection::spliceFrom(int srcFd, int64_t length) {
  asio::posix::stream_descriptor src(socket_.get_executor(), srcFd);  // owns srcFd
  if (!started_) co_return SpliceOutcome{Error::internal("spliceFrom before start"), false};
  if (chunkedResponse_ || !responseLength_ || bodyBytes_ + length > *responseLength_)
    co_return SpliceOutcome{Error::internal("spliceFrom needs a Content-Length response"), false};
  if (auto st = co_await flushHead(); !st.ok()) co_return SpliceOutcome{std::move(st), false};
  if (head_ || length <= 0) co_return SpliceOutcome{};
  ::fcntl(srcFd, F_SETFL, ::fcntl(srcFd, F_GETFL) | O_NONBLOCK);  // socket reads never block
  SplicePipe pipe;
  if (auto err = pipe.open(kSplicePipe); !err.empty())
    co_return SpliceOutcome{Error{503, "unable to relay the stream", err}, false};
  spliceSrc_ = &src;
  struct Detach {
    asio::posix::stream_descriptor*& p;
    ~Detach() { p = nullptr; }
  } detach{spliceSrc_};
  const int dst = socket_.native_handle();
  int64_t toPull = length;
  // Wake up for the source only once a good amount is there (or it ended): fewer, larger
  // splices. Restored before returning: the source's owner reads its small tail normally.
  int lowat = static_cast<int>(std::min<int64_t>(kSpliceLowat, toPull));
  const bool lowatSet = ::setsockopt(srcFd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat) == 0;
  struct RestoreLowat {
    int fd;
    bool on;
    ~RestoreLowat() {
      int one = 1;
      if (on) ::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
    }
  } restoreLowat{srcFd, lowatSet};
  while (toPull > 0 || pipe.buffered() > 0) {
    if (lowatSet && toPull < lowat && toPull > 0) {
      lowat = static_cast<int>(toPull);
      ::setsockopt(srcFd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
    }
    if (spliceInterrupted_ || closed_)
      co_return SpliceOutcome{Error{499, "stream relay interrupted", {}}, false};
    bool moved = false;
    if (toPull > 0 && !pipe.full()) {
      auto in = pipe.pull(srcFd, toPull);
      if (in.eof || in.error)
        co_return SpliceOutcome{Error{499, "client connection lost",
                                      in.eof ? "eof" : std::strerror(in.error)}, true};
      toPull -= in.moved;
      moved = moved || in.moved > 0;
    }
    if (pipe.buffered() > 0) {
      auto out = pipe.push(dst);
      if (out.error) co_return SpliceOutcome{clientGone({out.error, boost::system::system_category()}), false};
      if (out.moved > 0) {
        bodyBytes_ += out.moved;
        touch();
        moved = true;
      }
    }
    if (moved) continue;
    boost::system::error_code ec;
    if (pipe.buffered() > 0) {
      co_await socket_.async_wait(tcp::socket::wait_write, asio::redirect_error(use_awaitable, ec));
      if (ec && !spliceInterrupted_) {
        if (timedOut_) co_return SpliceOutcome{Error{408, "response timeout", "idle timeout"}, false};
        co_return SpliceOutcome{clientGone(ec), false};
      }
    } else {
      co_await src.async_wait(asio::posix::stream_descriptor::wait_read,
                              asio::redirect_error(use_awaitable, ec));
      if (ec && !spliceInterrupted_) {
        if (timedOut_) co_return SpliceOutcome{Error{408, "request timeout", "idle timeout"}, true};
        co_return SpliceOutcome{Error{499, "client connection lost", ec.message()}, true};
      }
    }
  }
  co_return SpliceOutcome{};
}

std::function<void()> Connection::spliceInterrupter() {
  std::weak_ptr<Connection> weak = weak_from_this();
  auto ex = socket_.get_executor();
  return [weak, ex] {
    asio::post(ex, [weak] {
      auto self = weak.lock();
      if (!self) return;
      self->spliceInterrupted_ = true;
      if (self->spliceSrc_) {
        boost::system::error_code ec;
        self->spliceSrc_->cancel(ec);
        self->socket_.cancel(ec);
      }
    });
  };
}

awaitable<Status> Connection::finish() {
  if (!started_) co_return Error::internal("finish before start");
  if (finished_) co_return Status{};
  finished_ = true;
  if (responseLength_ && !head_ && bodyBytes_ != *responseLength_) {
    flushHeadBestEffort();
    broken_ = true;
    co_return Error::internal("response body shorter than Content-Length");
  }
  if (chunkedResponse_ && !head_) {
    asio::const_buffer b("0\r\n\r\n", 5);
    co_return co_await writeWithHead(std::span<const asio::const_buffer>(&b, 1));
  }
  co_return co_await flushHead();
}

awaitable<bool> Connection::waitPeerClosed() {
  if (!(co_await flushHead()).ok()) co_return true;
  for (;;) {
    boost::system::error_code ec;
    co_await socket_.async_wait(tcp::socket::wait_read, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return !(ec == asio::error::operation_aborted && !closed_ && !timedOut_);
    char c;
    ssize_t n = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) co_return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) co_return true;
    if (n > 0) {
      // The client sent more bytes (pipelining) while waiting: not a close. Wait a little.
      asio::steady_timer t(socket_.get_executor(), std::chrono::milliseconds(200));
      co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
      if (ec) co_return false;
    }
  }
}

awaitable<bool> Connection::drainBody() {
  // Reads and drops up to 1 MiB of an unread body so the connection can be reused.
  constexpr int64_t kMaxDrain = 1 << 20;
  int64_t drained = 0;
  while (!bodyDone_) {
    consume(cEnd_ - cBeg_);
    auto r = co_await fill();
    if (!r.ok()) co_return false;
    drained += static_cast<int64_t>(cEnd_ - cBeg_);
    if (drained > kMaxDrain) co_return false;
  }
  consume(cEnd_ - cBeg_);
  co_return true;
}

awaitable<void> Connection::run() {
  auto self = shared_from_this();
  {
    std::lock_guard lk(server_->mu);
    server_->connections.insert(this);
  }
  armWatchdog();
  try {
    while (!closed_ && !server_->stopping && !server_->draining) {
      resetForRequest();
      phase_ = Phase::Idle;
      touch();
      Request req;
      if (!co_await readHead(req)) break;
      co_await server_->handler(req, *this, *this);
      if (!started_ && !closed_) {
        status_ = 500;
        headers_.clear();
        setHeader("Content-Type", "text/plain; charset=utf-8");
        (void)co_await send("internal server error\n");
      }
      if (broken_ || closed_ || timedOut_) break;
      if (!finished_) {
        flushHeadBestEffort();
        break;
      }
      if (closeAfter_) break;
      if (!bodyDone_ && !co_await drainBody()) break;
      phase_ = Phase::Idle;
    }
  } catch (const std::exception&) {
    // A broken invariant in a handler: drop this connection, keep the server up.
  }
  close();
  {
    std::lock_guard lk(server_->mu);
    server_->connections.erase(this);
  }
}

// ------------------------------------------------------------------------------------------

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, Handler handler,
                       std::vector<asio::io_context*> loops)
    : impl_(std::make_shared<Impl>(ioc, options, std::move(handler), std::move(loops))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::enableTls(const TlsOptions& options) {
  auto t = TlsTerminator::create(options);
  if (!t.ok()) return std::move(t).error();
  impl_->tls = std::move(t).value();
  return {};
}

Result<uint16_t> HttpServer::listen(const std::string& address, uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return Error::internal("invalid listen address " + address);
  tcp::endpoint ep(addr, port);
  auto l = std::make_unique<Impl::Listener>(impl_->ioc, ep.protocol());
  auto& acc = l->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(4096, ec);
  if (ec) return Error::internal("unable to listen on " + address + ":" + std::to_string(port), ec.message());
  auto bound = acc.local_endpoint(ec);
  if (ec) return Error::internal("unable to listen on " + address + ":" + std::to_string(port), ec.message());
  impl_->listeners.push_back(std::move(l));
  return bound.port();
}

Status HttpServer::listenUnix(const std::string& path) {
  auto fail = [&](std::string why) {
    return Error::internal("unable to listen on Unix socket " + path, std::move(why));
  };
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path[0] != '/') return fail("the path must be absolute");
  if (path.size() >= sizeof sa.sun_path)
    return fail("the path is longer than " + std::to_string(sizeof sa.sun_path - 1) + " bytes");
  std::memcpy(sa.sun_path, path.data(), path.size());
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    // Only a socket left by a previous run is replaced: never a file, never a live server.
    if (!S_ISSOCK(st.st_mode)) return fail("the path exists and is not a socket");
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    if (probe >= 0) ::close(probe);
    if (live) return fail("another process is listening on it");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(std::strerror(errno));
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(std::strerror(errno));
  // Owner and group only (e.g. the proxy's user in plikd's group). Nobody can connect between
  // bind() and chmod(): a bound socket refuses connections until listen().
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::chmod(path.c_str(), 0660) != 0 || ::lstat(path.c_str(), &st) != 0 ||
      ::listen(fd, 4096) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return fail(why);
  }
  auto l = std::make_unique<Impl::Listener>(impl_->ioc, tcp::v4());
  l->local = true;
  l->path = path;
  l->dev = st.st_dev;
  l->ino = st.st_ino;
  boost::system::error_code ec;
  l->acceptor.assign(tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    ::unlink(path.c_str());
    return fail(ec.message());
  }
  impl_->listeners.push_back(std::move(l));
  return {};
}

void HttpServer::start() {
  auto impl = impl_;
  for (auto& l : impl->listeners) {
    auto* listener = l.get();
    asio::co_spawn(listener->acceptor.get_executor(), [impl, listener]() -> awaitable<void> {
      co_await impl->acceptLoop(*listener);
    }, asio::detached);
  }
}

void HttpServer::drain() {
  if (!impl_ || impl_->stopping || impl_->draining.exchange(true)) return;
  auto impl = impl_;
  closeListeners();
  // Connections between requests close now (from their own loop); the others when their
  // response ends (run() leaves its loop, start() announces Connection: close).
  impl->postToEachConnection([](Connection& c) {
    if (c.betweenRequests()) c.close();
  });
}

void HttpServer::closeListeners() {
  auto impl = impl_;
  for (auto& l : impl->listeners) {
    // The socket file goes now (new clients get ENOENT/ECONNREFUSED), unless another process
    // has replaced it meanwhile.
    struct stat st{};
    if (!l->path.empty() && ::lstat(l->path.c_str(), &st) == 0 && st.st_dev == l->dev &&
        st.st_ino == l->ino)
      ::unlink(l->path.c_str());
  }
  asio::post(impl->ioc, [impl] {
    boost::system::error_code ec;
    for (auto& l : impl->listeners) l->acceptor.close(ec);
  });
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  auto impl = impl_;
  closeListeners();
  // Each connection closes itself from its own loop (its watchdog also sees `stopping`).
  impl->postToEachConnection([](Connection& c) { c.close(); });
}

size_t HttpServer::connectionCount() const {
  std::lock_guard lk(impl_->mu);
  return impl_->connections.size();
}

}  // namespace plik::http
