// The HTTP/1.1 server: accepts on a listening socket and runs one coroutine per connection
// on one event loop (or strand); handlers are coroutines too. No thread per connection: a
// fixed set of network threads runs every io operation. Beast is used only to parse request heads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "http/body_reader.hpp"
#include "http/request.hpp"
#include "http/response_writer.hpp"
#include "http/tls_terminator.hpp"

namespace plik::http {

using Handler =
    std::function<boost::asio::awaitable<void>(Request&, BodyReader&, ResponseWriter&)>;

struct ServerOptions {
  size_t maxHeaderBytes = 16384;           // request line + headers; larger -> 431
  std::chrono::seconds readTimeout{60};    // client silent mid-request (or head not complete)
  std::chrono::seconds idleTimeout{120};   // keep-alive connection without a request
  size_t maxConnections = 100000;          // beyond: new connections are closed at once
};

class HttpServer {
 public:
  // The listener runs on ioc. Connections run on `loops` (round-robin, each loop run by one
  // thread: a connection is served by one thread without strand or lock); with no loops, on
  // strands of ioc (which may then be run by several threads).
  HttpServer(boost::asio::io_context& ioc, ServerOptions options, Handler handler,
             std::vector<boost::asio::io_context*> loops = {});
  ~HttpServer();
  // Makes the listener speak TLS (call before start); errors name SslCert/SslKey.
  Status enableTls(const TlsOptions& options);
  // Binds and listens; returns the bound port (useful with port 0).
  Result<uint16_t> listen(const std::string& address, uint16_t port);
  // Also accepts on a Unix domain socket at `path` (absolute; created with mode 0660, removed
  // by stop()): plain HTTP even with TLS, the peer address is 127.0.0.1 (a local proxy names
  // the client in SourceIpHeader). A stale socket file is replaced; a live one (another
  // process answers on it) or any other file is an error. Call before start().
  Status listenUnix(const std::string& path);
  void start();  // begins accepting (call after listen)
  // Graceful first step of a shutdown: stops accepting (Unix socket file removed), closes the
  // connections that are between requests; a request in flight is served to its end, then
  // its connection closes. connectionCount() tells when nothing is left. Idempotent.
  void drain();
  // Stops accepting and closes every connection (in-flight requests see an error).
  void stop();
  size_t connectionCount() const;

  struct Impl;

 private:
  void closeListeners();  // unlinks the Unix socket files still ours, closes the acceptors
  std::shared_ptr<Impl> impl_;
};

}  // namespace plik::http
