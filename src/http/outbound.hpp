// The outbound HTTP/1.1 client: how plikd talks to object stores (S3, Swift) and to other plikd
// instances (cross-instance stream relay). One OutboundExchange = one request/response on one
// connection, with both bodies streamed: nothing here buffers a whole body.
//
// Threading contract: every coroutine runs on the executor given to connect(); the caller awaits
// each write()/read(), which is the backpressure (one caller buffer in flight at a time).
// Errors are values: any transport failure (refused, reset, timeout, TLS, malformed response,
// body shorter than declared) is an Error with status 500 (502 for a malformed or truncated
// response) whose `detail` says what happened; an exchange that failed is unusable afterwards.
// Beast is instantiated only in outbound.cpp.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace plik::http {

namespace asio = boost::asio;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Where to connect. Built from a base URL such as "https://s3.example.com:9000/prefix".
struct OutboundTarget {
  bool tls = false;
  std::string host;     // name or address, without brackets
  uint16_t port = 80;
  std::string basePath; // path part of the URL without trailing '/', "" for none
  bool verifyPeer = true;  // TLS: verify certificate chain and host name (system CA store)

  // "http://h", "https://h:1234/x/y"; a URL without scheme is "http://". Fails on anything else.
  static Result<OutboundTarget> parse(std::string_view url);
  // "host:port" as sent in the Host header (port omitted when it is the scheme's default).
  std::string hostHeader() const;
};

struct OutboundResponseHead {
  int status = 0;
  HeaderList headers;                        // in arrival order, names as received
  std::optional<uint64_t> contentLength;     // when the response declares one
  // First value of a header, case-insensitive name; "" when absent.
  std::string header(std::string_view name) const;
};

struct OutboundTimeouts {
  std::chrono::milliseconds connect{10'000};
  // Longest wait for any single socket operation (a stalled peer fails the exchange).
  // Zero = no limit (the relay uses it while a stream waits; the caller cancels instead).
  std::chrono::milliseconds idle{60'000};
};

class OutboundExchange {
 public:
  virtual ~OutboundExchange() = default;

  // Resolves, connects (TCP_NODELAY) and, for TLS targets, handshakes with SNI.
  static asio::awaitable<Result<std::unique_ptr<OutboundExchange>>> connect(
      asio::any_io_executor executor, const OutboundTarget& target, OutboundTimeouts timeouts = {});

  // Sends the request line and headers. `target` is origin-form ("/bucket/key?x=y"), already
  // percent-encoded. Host (unless `headers` has one: the stream relay forwards the client's)
  // and, per bodyLength, Content-Length or Transfer-Encoding: chunked are added here; callers
  // must not pass the latter two. bodyLength: 0 = no body, > 0 = exactly that many
  // bytes follow through write(), -1 = chunked body of unknown length.
  virtual asio::awaitable<Status> start(std::string_view method, std::string_view target,
                                        const HeaderList& headers, int64_t bodyLength) = 0;
  // Sends body bytes (as one chunk when chunked). Writing more than a declared length fails.
  virtual asio::awaitable<Status> write(std::span<const char> bytes) = 0;
  // Ends the body: the terminating chunk, or a check that the declared length was written.
  virtual asio::awaitable<Status> finish() = 0;

  // Reads the response status line and headers (skipping 100 Continue).
  virtual asio::awaitable<Result<OutboundResponseHead>> readHead() = 0;
  // Reads up to out.size() bytes of the response body (de-chunked). 0 = the body ended
  // cleanly; an Error when the connection ends before the declared length / last chunk.
  virtual asio::awaitable<Result<size_t>> read(std::span<char> out) = 0;
  // Reads the rest of a small body (XML, JSON, error text); an Error above maxBytes.
  virtual asio::awaitable<Result<std::string>> readAll(size_t maxBytes = 1 << 20) = 0;

  // Zero-copy: when the rest of the response body is a plain byte range of the socket
  // (Content-Length body, no TLS, nothing buffered), the socket's descriptor, else -1; with
  // rawBodyRemaining() the body bytes left. Whoever reads them from it reports skipRawBody(n).
  virtual int rawBodyFd() const { return -1; }
  virtual int64_t rawBodyRemaining() const { return 0; }
  virtual void skipRawBody(int64_t n) {}

  // Closes the socket; a pending operation completes with an Error. Safe from the executor's
  // thread at any time, idempotent.
  virtual void cancel() = 0;
};

// A whole small exchange (request body in memory, response body up to maxBody): for S3/Swift
// control requests (auth, multipart initiate/complete, delete, HEAD).
struct OutboundResponse {
  OutboundResponseHead head;
  std::string body;
};
asio::awaitable<Result<OutboundResponse>> fetch(asio::any_io_executor executor,
                                                const OutboundTarget& target,
                                                std::string_view method, std::string_view path,
                                                const HeaderList& headers, std::string_view body,
                                                OutboundTimeouts timeouts = {},
                                                size_t maxBody = 1 << 20);

}  // namespace plik::http
