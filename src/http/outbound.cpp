// The outbound HTTP/1.1 client (see outbound.hpp): plain TCP or TLS (SNI, host-name verification
// against the system CA store), request head written by hand, body bytes written from the
// caller's span with one gather write, the response head parsed by Beast and the body de-chunked
// here, read straight into the caller's span whenever no bytes are left in the head buffer.
#include "http/outbound.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cctype>
#include <charconv>
#include <cstring>

namespace plik::http {

namespace {

namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kHeaderLimit = 64 * 1024;
constexpr size_t kBufferLimit = kHeaderLimit + 16 * 1024;  // head buffer (also holds chunk lines)
constexpr size_t kReadChunk = 16 * 1024;                   // bytes asked per read into the buffer
constexpr size_t kMaxChunkLine = 4096;                     // chunk-size line or one trailer line
constexpr size_t kMaxTrailers = 16 * 1024;

constexpr const char* kTransportMessage = "upstream request failed";
constexpr const char* kResponseMessage = "invalid response from upstream server";

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool isIpLiteral(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// One TLS client context per verification mode, shared by all exchanges (loading the system
// CA store once). SSL_CTX is safe to share across threads for SSL_new.
ssl::context& tlsContext(bool verify) {
  auto make = [](bool v) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3);
    if (v) {
      error_code ec;
      ctx.set_default_verify_paths(ec);  // a missing store shows up as a verify failure later
      ctx.set_verify_mode(ssl::verify_peer);
    } else {
      ctx.set_verify_mode(ssl::verify_none);
    }
    return ctx;
  };
  static ssl::context verifying = make(true);
  static ssl::context trusting = make(false);
  return verify ? verifying : trusting;
}

class Exchange final : public OutboundExchange {
 public:
  Exchange(asio::any_io_executor ex, const OutboundTarget& target, OutboundTimeouts timeouts)
      : target_(target),
        timeouts_(timeouts),
        socket_(ex),
        resolver_(ex),
        timer_(ex),
        buf_(kBufferLimit),
        alive_(std::make_shared<bool>(true)) {}

  ~Exchange() override {
    *alive_ = false;
    closeSocket();
  }

  asio::awaitable<Status> open() {
    armFor(timeouts_.connect, "connect");
    error_code ec;
    std::string port = std::to_string(target_.port);
    if (isIpLiteral(target_.host)) {
      tcp::endpoint ep(asio::ip::make_address(target_.host), target_.port);
      std::tie(ec) = co_await socket_.async_connect(ep, kTuple);
    } else {
      auto [rec, results] = co_await resolver_.async_resolve(target_.host, port, kTuple);
      ec = rec;
      if (!ec) std::tie(ec, std::ignore) = co_await asio::async_connect(socket_, results, kTuple);
    }
    if (ec) {
      disarm();
      co_return fail(kTransportMessage, "connect", ec);
    }
    socket_.set_option(tcp::no_delay(true), ec);
    if (target_.tls) {
      tls_ = std::make_unique<ssl::stream<tcp::socket&>>(socket_, tlsContext(target_.verifyPeer));
      SSL* s = tls_->native_handle();
      if (!isIpLiteral(target_.host)) {
        SSL_set_tlsext_host_name(s, target_.host.c_str());
        if (target_.verifyPeer) SSL_set1_host(s, target_.host.c_str());
      } else if (target_.verifyPeer) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), target_.host.c_str());
      }
      std::tie(ec) = co_await tls_->async_handshake(ssl::stream_base::client, kTuple);
      if (ec) {
        disarm();
        co_return fail(kTransportMessage, "TLS handshake", ec);
      }
    }
    disarm();
    co_return Status{};
  }

  asio::awaitable<Status> start(std::string_view method, std::string_view target,
                                const HeaderList& headers, int64_t bodyLength) override {
    if (auto st = usable(); !st) co_return st;
    if (state_ != State::Idle) co_return misuse("start() called twice");
    method_ = std::string(method);
    head_.clear();
    head_.append(method).append(" ").append(target.empty() ? "/" : target).append(" HTTP/1.1\r\n");
    bool hasHost = false;
    for (const auto& h : headers) hasHost = hasHost || beast::iequals(h.first, "Host");
    if (!hasHost) head_.append("Host: ").append(target_.hostHeader()).append("\r\n");
    for (const auto& [name, value] : headers) {
      head_.append(name).append(": ").append(value).append("\r\n");
    }
    if (bodyLength < 0) {
      chunked_ = true;
      head_.append("Transfer-Encoding: chunked\r\n");
    } else if (bodyLength > 0 || (method != "GET" && method != "HEAD")) {
      declared_ = static_cast<uint64_t>(bodyLength);
      head_.append("Content-Length: ").append(std::to_string(bodyLength)).append("\r\n");
    }
    head_.append("\r\n");
    state_ = State::Body;
    co_return Status{};
  }

  asio::awaitable<Status> write(std::span<const char> bytes) override {
    if (auto st = usable(); !st) co_return st;
    if (state_ != State::Body) co_return misuse("write() outside the request body");
    if (!chunked_ && bytes.size() > declared_ - written_) {
      co_return misuse("request body longer than its Content-Length");
    }
    if (bytes.empty()) co_return Status{};  // an empty chunk would end a chunked body
    char sizeLine[24];
    size_t sizeLen = 0;
    if (chunked_) {
      auto r = std::to_chars(sizeLine, sizeLine + 16, bytes.size(), 16);
      sizeLen = static_cast<size_t>(r.ptr - sizeLine);
      sizeLine[sizeLen++] = '\r';
      sizeLine[sizeLen++] = '\n';
    }
    std::array<asio::const_buffer, 4> bufs{asio::buffer(head_), asio::buffer(sizeLine, sizeLen),
                                           asio::buffer(bytes.data(), bytes.size()),
                                           asio::buffer("\r\n", chunked_ ? 2 : 0)};
    if (auto st = co_await writeAll(bufs, "write request body"); !st) co_return st;
    head_.clear();
    written_ += bytes.size();
    co_return Status{};
  }

  asio::awaitable<Status> finish() override {
    if (auto st = usable(); !st) co_return st;
    if (state_ != State::Body) co_return misuse("finish() outside the request body");
    if (!chunked_ && written_ != declared_) {
      co_return misuse("request body shorter than its Content-Length (" + std::to_string(written_) +
                       " of " + std::to_string(declared_) + ")");
    }
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head_),
                                           asio::buffer("0\r\n\r\n", chunked_ ? 5 : 0)};
    if (asio::buffer_size(bufs) > 0) {
      if (auto st = co_await writeAll(bufs, "write request"); !st) co_return st;
    }
    head_.clear();
    state_ = State::Sent;
    co_return Status{};
  }

  asio::awaitable<Result<OutboundResponseHead>> readHead() override {
    if (auto st = usable(); !st) co_return std::move(st).error();
    if (state_ == State::Body) {
      if (auto st = co_await finish(); !st) co_return std::move(st).error();
    }
    if (state_ != State::Sent) co_return misuse("readHead() before start() or called twice");
    for (;;) {
      beast::http::response_parser<beast::http::empty_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
      parser.body_limit(boost::none);  // bodies are streamed: any declared length is fine
      for (;;) {
        if (buf_.size() > 0) {
          error_code ec;
          size_t used = parser.put(buf_.data(), ec);
          buf_.consume(used);
          if (ec && ec != beast::http::error::need_more) {
            co_return fail(kResponseMessage, "malformed response head", ec, 502);
          }
          if (parser.is_header_done()) break;
        }
        if (buf_.size() >= kHeaderLimit) {
          co_return fail(kResponseMessage, "response head larger than 64 KiB", {}, 502);
        }
        auto st = co_await fill(buf_.size() == 0 ? "read response head (no response)"
                                                 : "read response head (truncated)");
        if (!st) co_return std::move(st).error();
      }
      const auto& msg = parser.get();
      int status = msg.result_int();
      if (status >= 100 && status < 200 && status != 101) continue;  // 100 Continue & co
      OutboundResponseHead head;
      head.status = status;
      for (const auto& field : msg) {
        head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      bool noBody = method_ == "HEAD" || status == 204 || status == 304 || status == 101;
      if (auto len = parser.content_length()) head.contentLength = *len;
      if (noBody) {
        mode_ = BodyMode::Done;
      } else if (parser.chunked()) {
        mode_ = BodyMode::Chunked;
        chunk_ = ChunkState::Size;
      } else if (head.contentLength) {
        mode_ = *head.contentLength == 0 ? BodyMode::Done : BodyMode::Length;
        remaining_ = *head.contentLength;
      } else {
        mode_ = BodyMode::UntilClose;
      }
      state_ = State::Head;
      co_return head;
    }
  }

  asio::awaitable<Result<size_t>> read(std::span<char> out) override {
    if (auto st = usable(); !st) co_return std::move(st).error();
    if (state_ != State::Head) co_return misuse("read() before readHead()");
    if (out.empty()) co_return size_t{0};
    switch (mode_) {
      case BodyMode::Done:
        co_return size_t{0};
      case BodyMode::Length: {
        size_t want = static_cast<size_t>(std::min<uint64_t>(remaining_, out.size()));
        auto r = co_await readBody(out.first(want), false);
        if (!r) co_return r;
        remaining_ -= *r;
        if (remaining_ == 0) mode_ = BodyMode::Done;
        co_return r;
      }
      case BodyMode::UntilClose: {
        auto r = co_await readBody(out, true);
        if (r && *r == 0) mode_ = BodyMode::Done;
        co_return r;
      }
      case BodyMode::Chunked:
        co_return co_await readChunked(out);
    }
    co_return size_t{0};
  }

  int rawBodyFd() const override {
    if (tls_ || failed_ || cancelled_ || state_ != State::Head || mode_ != BodyMode::Length ||
        buf_.size() > 0 || remaining_ == 0)
      return -1;
    return const_cast<tcp::socket&>(socket_).native_handle();
  }
  int64_t rawBodyRemaining() const override {
    return mode_ == BodyMode::Length ? static_cast<int64_t>(remaining_) : 0;
  }
  void skipRawBody(int64_t n) override {
    if (mode_ != BodyMode::Length || n <= 0) return;
    remaining_ -= std::min<uint64_t>(remaining_, static_cast<uint64_t>(n));
    if (remaining_ == 0) mode_ = BodyMode::Done;
  }

  asio::awaitable<Result<std::string>> readAll(size_t maxBytes) override {
    std::string body;
    char tmp[8192];
    for (;;) {
      auto r = co_await read(std::span<char>(tmp, sizeof tmp));
      if (!r) co_return std::move(r).error();
      if (*r == 0) break;
      if (body.size() + *r > maxBytes) {
        co_return fail(kResponseMessage,
                       "response body larger than " + std::to_string(maxBytes) + " bytes", {}, 502);
      }
      body.append(tmp, *r);
    }
    co_return body;
  }

  void cancel() override {
    cancelled_ = true;
    closeSocket();
  }

 private:
  enum class State { Idle, Body, Sent, Head };
  enum class BodyMode { Done, Length, Chunked, UntilClose };
  enum class ChunkState { Size, Data, DataCrlf, Trailers };

  std::string where() const { return target_.host + ":" + std::to_string(target_.port); }

  Error fail(const char* message, std::string_view what, error_code ec, int status = 500) {
    failed_ = true;
    std::string detail = std::string(what) + " " + where();
    if (timedOut_) {
      detail += ": timed out (" + timedOutWhat_ + ")";
    } else if (cancelled_) {
      detail += ": cancelled";
    } else if (ec) {
      detail += ": " + ec.message();
    }
    closeSocket();
    return Error{status, message, std::move(detail)};
  }

  Error misuse(std::string what) {
    failed_ = true;
    closeSocket();
    return Error::internal(kTransportMessage, std::move(what) + " (" + where() + ")");
  }

  Status usable() const {
    if (!failed_ && !cancelled_) return {};
    return Error::internal(
        kTransportMessage,
        "exchange with " + where() + (cancelled_ ? " was cancelled" : " failed earlier"));
  }

  void closeSocket() {
    error_code ec;
    resolver_.cancel();
    timer_.cancel();
    if (socket_.is_open()) {
      socket_.shutdown(tcp::socket::shutdown_both, ec);
      socket_.close(ec);
    }
  }

  // Per-operation deadline: the timer closes the socket, which completes the operation with an
  // error; `gen_` makes a late timer completion harmless.
  void armFor(std::chrono::milliseconds limit, const char* what) {
    if (limit.count() <= 0) return;
    uint64_t gen = ++gen_;
    timer_.expires_after(limit);
    timer_.async_wait([this, alive = alive_, gen, what, limit](error_code ec) {
      if (ec || !*alive || gen != gen_) return;
      timedOut_ = true;
      timedOutWhat_ = std::string(what) + ", " + std::to_string(limit.count()) + " ms";
      closeSocket();
    });
  }
  void arm() { armFor(timeouts_.idle, "idle"); }
  void disarm() {
    ++gen_;
    timer_.cancel();
  }

  template <class Buffers>
  asio::awaitable<Status> writeAll(const Buffers& bufs, const char* what) {
    arm();
    error_code ec;
    if (tls_) {
      std::tie(ec, std::ignore) = co_await asio::async_write(*tls_, bufs, kTuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(socket_, bufs, kTuple);
    }
    disarm();
    if (ec || timedOut_ || cancelled_) co_return fail(kTransportMessage, what, ec);
    co_return Status{};
  }

  // One read_some; 0 = clean end of stream (EOF, or a TLS peer that closed without notify).
  asio::awaitable<Result<size_t>> readSome(asio::mutable_buffer b, const char* what) {
    arm();
    error_code ec;
    size_t n = 0;
    if (tls_) {
      std::tie(ec, n) = co_await tls_->async_read_some(b, kTuple);
    } else {
      std::tie(ec, n) = co_await socket_.async_read_some(b, kTuple);
    }
    disarm();
    if (timedOut_ || cancelled_) co_return fail(kTransportMessage, what, ec);
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) co_return size_t{0};
    if (ec) co_return fail(kTransportMessage, what, ec);
    co_return n;
  }

  // Appends one read to buf_; EOF here is a truncated response.
  asio::awaitable<Status> fill(const char* what) {
    size_t room = std::min(kReadChunk, kBufferLimit - buf_.size());
    if (room == 0) co_return fail(kResponseMessage, "response line too long", {}, 502);
    auto r = co_await readSome(buf_.prepare(room), what);
    if (!r) co_return std::move(r).error();
    if (*r == 0) co_return fail(kResponseMessage, what, asio::error::eof, 502);
    buf_.commit(*r);
    co_return Status{};
  }

  // Body bytes: what is left in buf_ first, then straight from the socket into `out`.
  asio::awaitable<Result<size_t>> readBody(std::span<char> out, bool eofEnds) {
    if (buf_.size() > 0) {
      size_t n = std::min(out.size(), buf_.size());
      std::memcpy(out.data(), buf_.data().data(), n);
      buf_.consume(n);
      co_return n;
    }
    auto r = co_await readSome(asio::buffer(out.data(), out.size()), "read response body");
    if (!r) co_return r;
    if (*r == 0 && !eofEnds) {
      co_return fail(kResponseMessage, "response body truncated", asio::error::eof, 502);
    }
    co_return r;
  }

  // The next CRLF-terminated line in buf_ (reading more as needed), without the CRLF; consumed.
  asio::awaitable<Result<std::string>> readLine(const char* what) {
    for (;;) {
      std::string_view data(static_cast<const char*>(buf_.data().data()), buf_.size());
      if (auto pos = data.find("\r\n"); pos != std::string_view::npos) {
        std::string line(data.substr(0, pos));
        buf_.consume(pos + 2);
        co_return line;
      }
      if (data.size() > kMaxChunkLine) {
        co_return fail(kResponseMessage, std::string(what) + ": line too long", {}, 502);
      }
      if (auto st = co_await fill(what); !st) co_return std::move(st).error();
    }
  }

  asio::awaitable<Result<size_t>> readChunked(std::span<char> out) {
    for (;;) {
      switch (chunk_) {
        case ChunkState::Size: {
          auto line = co_await readLine("read chunk size");
          if (!line) co_return std::move(line).error();
          std::string_view v = *line;
          v = v.substr(0, v.find(';'));
          while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
          uint64_t size = 0;
          auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), size, 16);
          if (v.empty() || ec != std::errc{} || p != v.data() + v.size()) {
            co_return fail(kResponseMessage, "malformed chunk size", {}, 502);
          }
          if (size == 0) {
            chunk_ = ChunkState::Trailers;
          } else {
            remaining_ = size;
            chunk_ = ChunkState::Data;
          }
          break;
        }
        case ChunkState::Data: {
          size_t want = static_cast<size_t>(std::min<uint64_t>(remaining_, out.size()));
          auto r = co_await readBody(out.first(want), false);
          if (!r) co_return r;
          remaining_ -= *r;
          if (remaining_ == 0) chunk_ = ChunkState::DataCrlf;
          co_return r;
        }
        case ChunkState::DataCrlf: {
          auto line = co_await readLine("read chunk end");
          if (!line) co_return std::move(line).error();
          if (!line->empty()) co_return fail(kResponseMessage, "malformed chunk end", {}, 502);
          chunk_ = ChunkState::Size;
          break;
        }
        case ChunkState::Trailers: {
          auto line = co_await readLine("read trailers");
          if (!line) co_return std::move(line).error();
          if (line->empty()) {
            mode_ = BodyMode::Done;
            co_return size_t{0};
          }
          trailerBytes_ += line->size();
          if (trailerBytes_ > kMaxTrailers) {
            co_return fail(kResponseMessage, "trailers too large", {}, 502);
          }
          break;
        }
      }
    }
  }

  OutboundTarget target_;
  OutboundTimeouts timeouts_;
  tcp::socket socket_;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls_;  // over socket_, for TLS targets
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  beast::flat_buffer buf_;       // response bytes read but not yet handed out
  std::shared_ptr<bool> alive_;  // false once destroyed (a queued timer callback checks it)
  uint64_t gen_ = 0;             // timer generation
  bool timedOut_ = false;
  std::string timedOutWhat_;
  bool cancelled_ = false;
  bool failed_ = false;

  State state_ = State::Idle;
  std::string method_;
  std::string head_;  // request head not yet sent (flushed with the first body bytes)
  bool chunked_ = false;
  uint64_t declared_ = 0;
  uint64_t written_ = 0;

  BodyMode mode_ = BodyMode::Done;
  ChunkState chunk_ = ChunkState::Size;
  uint64_t remaining_ = 0;  // Length: body bytes left; Chunked: bytes left in this chunk
  size_t trailerBytes_ = 0;
};

}  // namespace

Result<OutboundTarget> OutboundTarget::parse(std::string_view url) {
  OutboundTarget t;
  std::string_view rest = url;
  if (auto pos = rest.find("://"); pos != std::string_view::npos) {
    std::string_view scheme = rest.substr(0, pos);
    if (iequals(scheme, "https")) {
      t.tls = true;
      t.port = 443;
    } else if (!iequals(scheme, "http")) {
      return Error::internal("invalid URL", "unsupported scheme in " + std::string(url));
    }
    rest.remove_prefix(pos + 3);
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos ||
      authority.find('?') != std::string_view::npos ||
      authority.find('#') != std::string_view::npos || path.find('?') != std::string_view::npos ||
      path.find('#') != std::string_view::npos) {
    return Error::internal("invalid URL", "unsupported URL " + std::string(url));
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return Error::internal("invalid URL", std::string(url));
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error::internal("invalid URL", std::string(url));
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return Error::internal("invalid URL", "missing host in " + std::string(url));
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || p != port.data() + port.size() || value == 0 || value > 65535) {
      return Error::internal("invalid URL", "invalid port in " + std::string(url));
    }
    t.port = static_cast<uint16_t>(value);
  }
  t.host = std::string(host);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  t.basePath = std::string(path);
  return t;
}

std::string OutboundTarget::hostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string OutboundResponseHead::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

asio::awaitable<Result<std::unique_ptr<OutboundExchange>>> OutboundExchange::connect(
    asio::any_io_executor executor, const OutboundTarget& target, OutboundTimeouts timeouts) {
  auto ex = std::make_unique<Exchange>(executor, target, timeouts);
  if (auto st = co_await ex->open(); !st) co_return std::move(st).error();
  co_return std::unique_ptr<OutboundExchange>(std::move(ex));
}

asio::awaitable<Result<OutboundResponse>> fetch(asio::any_io_executor executor,
                                                const OutboundTarget& target,
                                                std::string_view method, std::string_view path,
                                                const HeaderList& headers, std::string_view body,
                                                OutboundTimeouts timeouts, size_t maxBody) {
  auto ex = co_await OutboundExchange::connect(executor, target, timeouts);
  if (!ex) co_return std::move(ex).error();
  auto& x = **ex;
  if (auto st = co_await x.start(method, path, headers, static_cast<int64_t>(body.size())); !st) {
    co_return std::move(st).error();
  }
  if (!body.empty()) {
    if (auto st = co_await x.write(std::span<const char>(body.data(), body.size())); !st) {
      co_return std::move(st).error();
    }
  }
  if (auto st = co_await x.finish(); !st) co_return std::move(st).error();
  auto head = co_await x.readHead();
  if (!head) co_return std::move(head).error();
  auto text = co_await x.readAll(maxBody);
  if (!text) co_return std::move(text).error();
  co_return OutboundResponse{std::move(*head), std::move(*text)};
}

}  // namespace plik::http
