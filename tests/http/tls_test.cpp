// TLS on the main listener, in process (so the TLS terminator also runs under ASan+UBSan):
// a self-signed certificate made with the openssl tool, curl as the TLS client; uploads and a
// streamed download keep their bytes, a client that hangs up mid-handshake or mid-transfer
// leaves the server answering.
#include <sys/socket.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include "http/test_server.hpp"

namespace plik::test {
namespace {

using namespace std::chrono_literals;

// Runs a shell command, returns its stdout and exit status.
std::pair<std::string, int> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {"", -1};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return {out, WIFEXITED(st) ? WEXITSTATUS(st) : -1};
}

class Tls : public PlikConfigTest {
 protected:
  void SetUp() override {
    PlikConfigTest::SetUp();
    cert_ = (dir_ / "plik.crt").string();
    key_ = (dir_ / "plik.key").string();
    auto [out, rc] = run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                         "-addext subjectAltName=IP:127.0.0.1 -keyout " + key_ + " -out " + cert_ +
                         " 2>&1");
    ASSERT_EQ(rc, 0) << out;
    cfg.sslEnabled = true;
    cfg.sslCert = cert_;
    cfg.sslKey = key_;
    cfg.tlsVersion = "tlsv12";
  }
  std::string base() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string curl() const { return "curl -sS --cacert " + cert_ + " "; }
  std::string cert_, key_;
};

TEST_F(Tls, UploadAndDownloadKeepTheirBytes) {
  startServer();
  std::string content = randomBytes(3 * 1024 * 1024 + 7, 5);
  std::string path = (dir_ / "in.bin").string();
  std::ofstream(path, std::ios::binary) << content;
  auto [url, rc] = run(curl() + "-F file=@" + path + " " + base() + "/");
  ASSERT_EQ(rc, 0) << url;
  ASSERT_NE(url.find("/file/"), std::string::npos) << url;
  std::string rel = url.substr(url.find("/file/"));
  while (!rel.empty() && (rel.back() == '\n' || rel.back() == '\r')) rel.pop_back();
  auto [got, rc2] = run(curl() + base() + rel);
  EXPECT_EQ(rc2, 0);
  EXPECT_TRUE(got == content) << got.size() << " bytes";
  auto [part, rc3] = run(curl() + "-r 100-199 " + base() + rel);
  EXPECT_EQ(rc3, 0);
  EXPECT_EQ(part, content.substr(100, 100));
}

TEST_F(Tls, PlainHttpAndBrokenClientsDoNotHurt) {
  startServer();
  // Plain HTTP on the TLS port: no HTTP answer.
  {
    Connection c(port_, 5s);
    ASSERT_TRUE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.readResponse();
    EXPECT_EQ(r.status, 0);
  }
  // A client that opens TCP and leaves mid-handshake, another that sends garbage.
  {
    Connection c(port_, 2s);
    ASSERT_TRUE(c.send(std::string("\x16\x03\x01\x02\x00\x01", 6)));
    c.close();
  }
  // A TLS 1.1 client is below the floor.
  auto [o1, rc1] = run(curl() + "--tls-max 1.1 -o /dev/null " + base() + "/health 2>/dev/null");
  EXPECT_NE(rc1, 0);
  // A download that hangs up after the first bytes.
  std::string content = randomBytes(8 * 1024 * 1024, 6);
  std::string path = (dir_ / "big.bin").string();
  std::ofstream(path, std::ios::binary) << content;
  auto [url, rc0] = run(curl() + "-F file=@" + path + " " + base() + "/");
  ASSERT_EQ(rc0, 0) << url;
  std::string rel = url.substr(url.find("/file/"));
  while (!rel.empty() && (rel.back() == '\n' || rel.back() == '\r')) rel.pop_back();
  auto [o2, rc2] = run(curl() + base() + rel + " 2>/dev/null | head -c 1000 >/dev/null");
  (void)o2;
  (void)rc2;
  // The server still answers and serves the whole file.
  auto [got, rc3] = run(curl() + base() + rel);
  EXPECT_EQ(rc3, 0);
  EXPECT_TRUE(got == content) << got.size();
  auto [health, rc4] = run(curl() + base() + "/health");
  EXPECT_EQ(rc4, 0);
}

}  // namespace
}  // namespace plik::test
