// The outbound client over TLS against an in-test TLS peer: SNI is sent, the certificate chain
// and the host name (DNS or IP) are verified against the default CA store (pointed at a test CA
// file through SSL_CERT_FILE before the first verifying exchange), verifyPeer=false trusts all.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "http/outbound.hpp"
#include "unit/data/run_sync.hpp"

namespace plik::http {
namespace {

namespace fs = std::filesystem;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using plik::testing::runSync;

struct Certs {
  fs::path dir;
  std::string trustedCrt, trustedKey, untrustedCrt, untrustedKey;
  std::string error;
};

int makeCert(const std::string& san, const std::string& crt, const std::string& key) {
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=plik-test -addext subjectAltName=" +
      san + " -keyout " + key + " -out " + crt + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

// Made once per process; SSL_CERT_FILE is set before any test runs (gtest environment below).
const Certs& certs() {
  static Certs c = [] {
    Certs c;
    c.dir = fs::temp_directory_path() / ("plik-outbound-tls-" + std::to_string(::getpid()));
    fs::create_directories(c.dir);
    c.trustedCrt = (c.dir / "trusted.crt").string();
    c.trustedKey = (c.dir / "trusted.key").string();
    c.untrustedCrt = (c.dir / "untrusted.crt").string();
    c.untrustedKey = (c.dir / "untrusted.key").string();
    if (makeCert("IP:127.0.0.1,DNS:not-this-host.example", c.trustedCrt, c.trustedKey) != 0 ||
        makeCert("IP:127.0.0.1", c.untrustedCrt, c.untrustedKey) != 0) {
      c.error = "openssl req failed";
    }
    return c;
  }();
  return c;
}

class CertEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { ::setenv("SSL_CERT_FILE", certs().trustedCrt.c_str(), 1); }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(certs().dir, ec);
  }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new CertEnvironment);

// One TLS connection: handshake, read the request head, answer 200 "tls ok"; records SNI.
class TlsPeer {
 public:
  TlsPeer(const std::string& crt, const std::string& key)
      : ctx_(ssl::context::tls_server), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain_file(crt);
    ctx_.use_private_key_file(key, ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      boost::system::error_code ec;
      ssl::stream<tcp::socket> s(io_, ctx_);
      acceptor_.accept(s.next_layer(), ec);
      if (ec) return;
      s.handshake(ssl::stream_base::server, ec);
      if (const char* name = SSL_get_servername(s.native_handle(), TLSEXT_NAMETYPE_host_name)) {
        sni_ = name;
      }
      if (ec) return;
      std::string req;
      asio::read_until(s, asio::dynamic_buffer(req), "\r\n\r\n", ec);
      request_ = req;
      std::string resp = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ntls ok";
      asio::write(s, asio::buffer(resp), ec);
      s.shutdown(ec);
    });
  }
  ~TlsPeer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return port_; }
  std::string sni() {
    if (thread_.joinable()) thread_.join();
    return sni_;
  }
  std::string request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  asio::io_context io_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string sni_, request_;
};

Result<OutboundResponse> get(const std::string& host, uint16_t port, bool verify) {
  OutboundTarget t;
  t.tls = true;
  t.host = host;
  t.port = port;
  t.verifyPeer = verify;
  asio::io_context io;
  return runSync(io, fetch(io.get_executor(), t, "GET", "/x", {}, "",
                           {std::chrono::seconds(5), std::chrono::seconds(5)}));
}

TEST(OutboundTls, VerifiedByIpAddress) {
  ASSERT_EQ(certs().error, "");
  TlsPeer peer(certs().trustedCrt, certs().trustedKey);
  auto r = get("127.0.0.1", peer.port(), true);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->head.status, 200);
  EXPECT_EQ(r->body, "tls ok");
  EXPECT_EQ(peer.sni(), "");  // no SNI for an IP literal
  EXPECT_NE(peer.request().find("Host: 127.0.0.1:" + std::to_string(peer.port())),
            std::string::npos);
}

TEST(OutboundTls, HostNameMismatchIsRejectedAndSniIsSent) {
  ASSERT_EQ(certs().error, "");
  TlsPeer peer(certs().trustedCrt, certs().trustedKey);
  auto r = get("localhost", peer.port(), true);  // a trusted chain, but not for "localhost"
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().detail.find("TLS handshake"), std::string::npos) << r.error().detail;
  EXPECT_EQ(peer.sni(), "localhost");
}

TEST(OutboundTls, UntrustedCertificateIsRejected) {
  ASSERT_EQ(certs().error, "");
  TlsPeer peer(certs().untrustedCrt, certs().untrustedKey);
  auto r = get("127.0.0.1", peer.port(), true);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().detail.find("TLS handshake"), std::string::npos) << r.error().detail;
}

TEST(OutboundTls, VerifyPeerFalseTrustsAnyCertificate) {
  ASSERT_EQ(certs().error, "");
  TlsPeer peer(certs().untrustedCrt, certs().untrustedKey);
  auto r = get("localhost", peer.port(), false);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->body, "tls ok");
  EXPECT_EQ(peer.sni(), "localhost");
}

}  // namespace
}  // namespace plik::http
