// A real object store for the tests: OpenStack Swift 2.30 all-in-one (tests/support/swift_aio.sh)
// whose proxy serves the Swift API (tempauth) and S3 (s3api, real SigV4 verification), on
// 127.0.0.1 and free ports. Compiled into the test binaries that need it (see CMakeLists.txt).
#pragma once

#include <filesystem>
#include <string>

namespace plik::testing {

// Asserts that a Status/Result is ok, printing its message and detail otherwise.
#define ASSERT_OK_STATUS(expr)                                                                  \
  do {                                                                                          \
    auto _s = (expr);                                                                           \
    ASSERT_TRUE(_s.ok()) << #expr << " : " << _s.error().message << " : " << _s.error().detail; \
  } while (0)

// `s` single-quoted for /bin/sh.
std::string shellQuote(const std::string& s);
// Runs `cmd` through /bin/sh (stderr merged into the output); *status = pclose()'s status.
std::string runCommand(const std::string& cmd, int* status);

// instance() is shared by every test process of this user on the machine (ctest runs each case
// in a process of its own): the first one starts Swift, later ones reuse it, and a detached
// reaper stops it a while after the last one left (so consecutive test processes do not pay the
// ~5 s start each). Joining is serialised by an flock, each user holds a shared flock on
// users.lock (released by the kernel when a process dies), and a server that does not answer
// (killed, stale state) is restarted from scratch. When Swift cannot start, ok() is false and
// error() says why: tests must then FAIL, not skip.
class ObjstoreServer {
 public:
  static ObjstoreServer& instance();
  ~ObjstoreServer();
  ObjstoreServer(const ObjstoreServer&) = delete;
  ObjstoreServer& operator=(const ObjstoreServer&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  // "http://127.0.0.1:PORT": the proxy (Swift API under /v1/AUTH_test, S3 path-style at /).
  const std::string& swiftUrl() const { return swiftUrl_; }
  // "http://127.0.0.1:PORT/auth/v1.0": tempauth v1.
  const std::string& authUrl() const { return authUrl_; }
  // "127.0.0.1:PORT": S3 endpoint (plain HTTP, path-style, region us-east-1).
  const std::string& s3Endpoint() const { return s3Endpoint_; }
  int port() const { return port_; }

  // Credentials. tempauth: user "test:tester", key "testing". S3: access key "test:tester",
  // secret "testing" (with curl, put them in the URL: http://test%3Atester:testing@HOST/ —
  // `--user test:tester:testing` splits at the first colon and fails with 403).
  static constexpr const char* kUser = "test:tester";
  static constexpr const char* kKey = "testing";
  static constexpr const char* kAccessKey = "test:tester";
  static constexpr const char* kSecretKey = "testing";
  static constexpr const char* kRegion = "us-east-1";

  // Where Swift keeps its state and logs (DIR of swift_aio.sh).
  std::filesystem::path stateDir() const { return base_ / "aio"; }

 private:
  ObjstoreServer();
  bool readEnv();        // loads base_/aio/env; false when missing or unparsable
  bool answers() const;  // the proxy answers GET /info with 200
  bool startAio();       // runs swift_aio.sh start

  bool ok_ = false;
  std::string error_;
  std::filesystem::path base_;
  std::string script_;
  std::string swiftUrl_, authUrl_, s3Endpoint_;
  int port_ = 0;
  int usersFd_ = -1;
};

}  // namespace plik::testing
