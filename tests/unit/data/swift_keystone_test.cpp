// The Swift data backend with Keystone v3 password auth against a real Keystone (Debian
// python3-keystone, sqlite, fernet tokens) and a real Swift proxy that accepts its tokens
// (keystonemiddleware authtoken + keystoneauth), both started on 127.0.0.1 by
// tests/support/keystone_aio.sh (see tests/support/README.md). One pair of servers per test
// process, in a fresh temporary directory, stopped at the end (and by the script's watcher if
// this process dies). The tests FAIL, not skip, when the servers cannot start.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "data/swift/swift_backend.hpp"
#include "http/outbound.hpp"
#include "run_sync.hpp"
#include "support/objstore_server.hpp"

namespace plik {
namespace {

namespace fs = std::filesystem;
using testing::runCommand;
using testing::runSync;
using testing::shellQuote;

// Keystone + Keystone-authenticated Swift for this process (keystone_aio.sh start/stop).
class KeystoneAio {
 public:
  static KeystoneAio& instance() {
    static KeystoneAio aio;
    return aio;
  }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  std::string get(const std::string& key) const {
    auto it = env_.find(key);
    return it == env_.end() ? std::string() : it->second;
  }
  void stop() {
    if (dir_.empty()) return;
    int status = 0;
    runCommand("bash " + shellQuote(script_) + " stop " + shellQuote(dir_.string()), &status);
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
    ok_ = false;
  }

 private:
  KeystoneAio() {
    if (const char* env = std::getenv("PLIK_KEYSTONE_AIO"); env && *env) {
      script_ = env;
    } else {
      script_ = (fs::path(__FILE__).parent_path().parent_path().parent_path() / "support" /
                 "keystone_aio.sh")
                    .string();
    }
    if (!fs::exists(script_)) {
      error_ = "Keystone harness script not found: " + script_;
      return;
    }
    std::string tmpl = (fs::temp_directory_path() / "plik-keystone-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      error_ = "mkdtemp failed for " + tmpl;
      return;
    }
    dir_ = tmpl;
    int status = 0;
    std::string out = runCommand("bash " + shellQuote(script_) + " start " +
                                     shellQuote(dir_.string()) + " --watch " +
                                     std::to_string(::getpid()),
                                 &status);
    if (status != 0) {
      error_ = "keystone_aio.sh start failed (status " + std::to_string(status) + "): " + out;
      return;
    }
    std::ifstream in(dir_ / "env");
    std::string line;
    while (std::getline(in, line)) {
      if (auto eq = line.find('='); eq != std::string::npos) {
        env_[line.substr(0, eq)] = line.substr(eq + 1);
      }
    }
    for (const char* key : {"KEYSTONE_URL", "SWIFT_KEYSTONE_STORAGE_URL", "KEYSTONE_USER",
                            "KEYSTONE_PASSWORD", "KEYSTONE_PROJECT", "KEYSTONE_DOMAIN"}) {
      if (get(key).empty()) {
        error_ = std::string("keystone_aio.sh did not report ") + key + ": " + out;
        return;
      }
    }
    ok_ = true;
  }

  bool ok_ = false;
  std::string error_;
  std::string script_;
  fs::path dir_;
  std::map<std::string, std::string> env_;
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

File makeFile(std::string id) {
  File f;
  f.id = std::move(id);
  f.uploadId = "KeYsToNeUpLoAdId";
  return f;
}

class SwiftKeystoneTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { KeystoneAio::instance().stop(); }

  void SetUp() override {
    auto& aio = KeystoneAio::instance();
    ASSERT_TRUE(aio.ok()) << "Keystone + Swift did not start: " << aio.error();
  }

  static SwiftConfig config(const std::string& password) {
    auto& aio = KeystoneAio::instance();
    SwiftConfig c;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    c.container = std::string("plik-ks-") + info->name() + "-" + std::to_string(::getpid());
    c.authUrl = aio.get("KEYSTONE_URL");  // http://127.0.0.1:PORT/v3
    c.userName = aio.get("KEYSTONE_USER");
    c.apiKey = password;
    c.domain = aio.get("KEYSTONE_DOMAIN");  // "Default"
    c.tenant = aio.get("KEYSTONE_PROJECT");
    return c;
  }

  Status writeAndCommit(SwiftBackend& b, const File& f, const std::string& bytes,
                        size_t chunk = 65536) {
    auto w = runSync(io_, b.create(f));
    if (!w) return w.error();
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      std::span<const char> part(bytes.data() + i, std::min(chunk, bytes.size() - i));
      if (auto st = runSync(io_, (*w)->write(part)); !st) return st.error();
    }
    auto details = runSync(io_, (*w)->commit());
    if (!details) return details.error();
    return {};
  }

  Result<std::string> readAll(SwiftBackend& b, const File& f, int64_t offset = 0,
                              int64_t length = -1) {
    auto r = runSync(io_, b.open(f, offset, length));
    if (!r) return r.error();
    std::string out;
    std::vector<char> buf(65536);
    for (;;) {
      auto n = runSync(io_, (*r)->read(buf));
      if (!n) return n.error();
      if (*n == 0) break;
      out.append(buf.data(), *n);
    }
    return out;
  }

  boost::asio::io_context io_;
};

TEST_F(SwiftKeystoneTest, RoundTripThroughKeystoneAuthenticatedSwift) {
  auto& aio = KeystoneAio::instance();
  SwiftBackend backend(config(aio.get("KEYSTONE_PASSWORD")));
  ASSERT_OK_STATUS(runSync(io_, backend.connect()));  // token + catalog + container creation
  EXPECT_FALSE(backend.tokenForTesting().empty());

  const File f = makeFile("keystoneroundtr0");
  const std::string bytes = pattern(300000);
  ASSERT_OK_STATUS(writeAndCommit(backend, f, bytes, 40000));

  auto all = readAll(backend, f);
  ASSERT_TRUE(all.ok()) << all.error().message << " : " << all.error().detail;
  EXPECT_EQ(all->size(), bytes.size());
  EXPECT_TRUE(*all == bytes);

  auto mid = readAll(backend, f, 1000, 5000);
  ASSERT_TRUE(mid.ok()) << mid.error().message << " : " << mid.error().detail;
  EXPECT_EQ(*mid, bytes.substr(1000, 5000));
  auto tail = readAll(backend, f, 299990);
  ASSERT_TRUE(tail.ok()) << tail.error().message << " : " << tail.error().detail;
  EXPECT_EQ(*tail, bytes.substr(299990));

  // The object is in the account of the project Keystone scoped the token to (the catalog's
  // endpoint http://127.0.0.1:PORT/v1/AUTH_<project id>), and the proxy checks the token.
  {
    auto target = http::OutboundTarget::parse(aio.get("SWIFT_KEYSTONE_STORAGE_URL"));
    ASSERT_TRUE(target.ok());
    const std::string path = target->basePath + "/" + config("").container + "/" +
                             SwiftBackend::objectName(f);
    auto head = [&](const std::string& token) {
      http::HeaderList h{{"X-Auth-Token", token}};
      auto r = runSync(io_, http::fetch(io_.get_executor(), *target, "HEAD", path, h, "",
                                        http::OutboundTimeouts{}, 1 << 20));
      return r ? r->head.status : -1;
    };
    EXPECT_EQ(head(backend.tokenForTesting()), 200);
    EXPECT_EQ(head("not-a-keystone-token"), 401);
  }

  // A bogus cached token: the proxy answers 401 and the backend gets a new Keystone token.
  backend.setTokenForTesting("bogus-token");
  auto again = readAll(backend, f, 0, 10);
  ASSERT_TRUE(again.ok()) << again.error().message << " : " << again.error().detail;
  EXPECT_EQ(*again, bytes.substr(0, 10));
  EXPECT_NE(backend.tokenForTesting(), "bogus-token");

  ASSERT_OK_STATUS(runSync(io_, backend.remove(f)));
  auto gone = readAll(backend, f);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().status, 500);
  EXPECT_NE(gone.error().detail.find("404"), std::string::npos) << gone.error().detail;
}

TEST_F(SwiftKeystoneTest, WrongPasswordIsAClearError) {
  SwiftBackend backend(config("not-the-password"));
  auto st = runSync(io_, backend.connect());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().status, 500);
  EXPECT_EQ(st.error().message, "swift authentication failed");
  // "swift: keystone http://127.0.0.1:PORT/v3/auth/tokens for user admin answered 401: ..."
  EXPECT_NE(st.error().detail.find("keystone"), std::string::npos) << st.error().detail;
  EXPECT_NE(st.error().detail.find("401"), std::string::npos) << st.error().detail;
  EXPECT_NE(st.error().detail.find("admin"), std::string::npos) << st.error().detail;

  // Nothing was written with it either.
  const File f = makeFile("keystonewrongpw0");
  auto w = runSync(io_, backend.create(f));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().detail.find("401"), std::string::npos) << w.error().detail;
}

}  // namespace
}  // namespace plik
