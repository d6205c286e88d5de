// TlsTerminator: OpenSSL context set-up from SslCert/SslKey/TlsVersion, and per connection a
// handshake followed by two bounded pumps between the TLS stream and a plaintext socketpair.
#include "http/tls_terminator.hpp"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace plik::http {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using Local = asio::local::stream_protocol;

namespace {

constexpr size_t kPumpBuffer = 32 * 1024;

using TlsStream = ssl::stream<tcp::socket>;

// TLS -> plaintext pair (the request side). Ends the pair's sending side on the client's EOF.
awaitable<void> pumpUp(std::shared_ptr<TlsStream> tls, std::shared_ptr<Local::socket> inner) {
  std::unique_ptr<char[]> buf(new char[kPumpBuffer]);
  for (;;) {
    boost::system::error_code ec;
    size_t n = co_await tls->async_read_some(asio::buffer(buf.get(), kPumpBuffer),
                                             asio::redirect_error(use_awaitable, ec));
    if (ec) {
      boost::system::error_code ignored;
      if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
        inner->shutdown(Local::socket::shutdown_send, ignored);
      else
        inner->close(ignored);
      co_return;
    }
    co_await asio::async_write(*inner, asio::buffer(buf.get(), n),
                               asio::redirect_error(use_awaitable, ec));
    if (ec) {
      boost::system::error_code ignored;
      tls->lowest_layer().close(ignored);
      co_return;
    }
  }
}

// Plaintext pair -> TLS (the response side). When the HTTP connection closes, so does TLS.
awaitable<void> pumpDown(std::shared_ptr<TlsStream> tls, std::shared_ptr<Local::socket> inner) {
  std::unique_ptr<char[]> buf(new char[kPumpBuffer]);
  boost::system::error_code ec;
  for (;;) {
    size_t n = co_await inner->async_read_some(asio::buffer(buf.get(), kPumpBuffer),
                                               asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(*tls, asio::buffer(buf.get(), n),
                               asio::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
  boost::system::error_code ignored;
  tls->lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
  tls->lowest_layer().close(ignored);
  inner->close(ignored);
}

int minProtocol(const std::string& v) {
  if (v == "tlsv11") return TLS1_1_VERSION;
  if (v == "tlsv12") return TLS1_2_VERSION;
  if (v == "tlsv13") return TLS1_3_VERSION;
  return TLS1_VERSION;  // tlsv10 and unknown values, like Plik
}

}  // namespace

struct TlsTerminator::Impl {
  ssl::context ctx{ssl::context::tls_server};
  TlsOptions options;

  awaitable<void> session(std::shared_ptr<Impl> self, tcp::socket socket, PlainHandler onPlain) {
    auto ex = socket.get_executor();
    boost::system::error_code ec;
    tcp::endpoint peer = socket.remote_endpoint(ec);
    auto tls = std::make_shared<TlsStream>(std::move(socket), ctx);
    asio::steady_timer timer(ex, options.handshakeTimeout);
    timer.async_wait([tls](boost::system::error_code e) {
      boost::system::error_code ignored;
      if (!e) tls->lowest_layer().close(ignored);
    });
    co_await tls->async_handshake(ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
    timer.cancel();
    if (ec) {
      boost::system::error_code ignored;
      tls->lowest_layer().close(ignored);
      co_return;
    }
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      boost::system::error_code ignored;
      tls->lowest_layer().close(ignored);
      co_return;
    }
    auto inner = std::make_shared<Local::socket>(ex);
    inner->assign(Local(), sv[0], ec);
    tcp::socket plain(ex);
    boost::system::error_code ec2;
    plain.assign(peer.protocol(), sv[1], ec2);  // a stream socket; Connection only reads/writes it
    if (ec || ec2) {
      if (ec) ::close(sv[0]);
      if (ec2) ::close(sv[1]);
      boost::system::error_code ignored;
      tls->lowest_layer().close(ignored);
      co_return;
    }
    onPlain(std::move(plain), peer);
    asio::co_spawn(ex, pumpDown(tls, inner), asio::detached);
    co_await pumpUp(tls, inner);
  }
};

TlsTerminator::TlsTerminator(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsTerminator::~TlsTerminator() = default;

Result<std::shared_ptr<TlsTerminator>> TlsTerminator::create(const TlsOptions& options) {
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  if (options.certFile.empty()) return Error::internal("SslEnabled requires SslCert");
  if (options.keyFile.empty()) return Error::internal("SslEnabled requires SslKey");
  auto& ctx = impl->ctx;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), minProtocol(options.minVersion));
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(options.certFile, ec);
  if (ec) return Error::internal("unable to load SslCert " + options.certFile + " : " + ec.message());
  ctx.use_private_key_file(options.keyFile, ssl::context::pem, ec);
  if (ec) return Error::internal("unable to load SslKey " + options.keyFile + " : " + ec.message());
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    return Error::internal("SslKey " + options.keyFile + " does not match SslCert " + options.certFile);
  return std::shared_ptr<TlsTerminator>(new TlsTerminator(std::move(impl)));
}

void TlsTerminator::accept(tcp::socket socket, PlainHandler onPlain) {
  auto ex = socket.get_executor();
  auto impl = impl_;
  asio::co_spawn(ex, impl->session(impl, std::move(socket), std::move(onPlain)), asio::detached);
}

}  // namespace plik::http
