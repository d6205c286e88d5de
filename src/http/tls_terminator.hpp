// TLS for the main listener (SslEnabled): the handshake and record layer run here, and the
// plaintext is relayed through a socketpair to an ordinary Connection, so the HTTP code (and its
// sendfile/splice byte paths) stays the same with or without TLS.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace plik::http {

struct TlsOptions {
  std::string certFile;                      // PEM chain (SslCert)
  std::string keyFile;                       // PEM private key (SslKey)
  std::string minVersion = "tlsv10";         // TlsVersion: tlsv10|tlsv11|tlsv12|tlsv13
  std::chrono::seconds handshakeTimeout{10};  // a client that does not finish it is dropped
};

// Contract: create() loads and checks the certificate and key (errors name the file). accept()
// owns the TCP socket from then on: it runs the handshake (bounded by handshakeTimeout), then
// calls onPlain(plain, peer) once, on the socket's executor, with the plaintext end of a
// socketpair (typed as a tcp socket so Connection can take it) and the TLS client's address.
// Two pumps with one 32 KiB buffer each move bytes between the TLS stream and the pair, each
// awaiting its write before reading again (backpressure). EOF is propagated as a half-close,
// a reset on either side closes both.
class TlsTerminator {
 public:
  static Result<std::shared_ptr<TlsTerminator>> create(const TlsOptions& options);
  ~TlsTerminator();

  using PlainHandler =
      std::function<void(boost::asio::ip::tcp::socket plain, boost::asio::ip::tcp::endpoint peer)>;
  void accept(boost::asio::ip::tcp::socket socket, PlainHandler onPlain);

  struct Impl;

 private:
  explicit TlsTerminator(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with running sessions
};

}  // namespace plik::http
