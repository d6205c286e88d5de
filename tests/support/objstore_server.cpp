// ObjstoreServer: starts/joins the machine-wide Swift all-in-one of the tests (see the header).
#include "support/objstore_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

namespace plik::testing {

namespace fs = std::filesystem;

namespace {

// Seconds the servers outlive the last test process using them.
constexpr int kLingerSeconds = 20;

// An flock'ed file descriptor (close-on-exec: the servers must not inherit it).
int lockFile(const fs::path& path, int op) {
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (::flock(fd, op) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string runCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) {
    *status = -1;
    return "popen failed";
  }
  std::array<char, 512> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  *status = ::pclose(p);
  return out;
}

ObjstoreServer& ObjstoreServer::instance() {
  static ObjstoreServer server;
  return server;
}

ObjstoreServer::ObjstoreServer() {
  if (const char* env = std::getenv("PLIK_SWIFT_AIO"); env && *env) {
    script_ = env;
  } else {
    script_ = (fs::path(__FILE__).parent_path() / "swift_aio.sh").string();
  }
  if (!fs::exists(script_)) {
    error_ = "Swift harness script not found: " + script_;
    return;
  }
  if (const char* env = std::getenv("PLIK_OBJSTORE_DIR"); env && *env) {
    base_ = env;
  } else {
    base_ = fs::temp_directory_path() / ("plik-objstore-" + std::to_string(::geteuid()));
  }
  std::error_code ec;
  fs::create_directories(base_, ec);
  int control = lockFile(base_ / "control.lock", LOCK_EX);
  if (control < 0) {
    error_ = "cannot lock " + (base_ / "control.lock").string();
    return;
  }
  usersFd_ = lockFile(base_ / "users.lock", LOCK_SH);
  if (usersFd_ < 0) {
    error_ = "cannot lock " + (base_ / "users.lock").string();
  } else if (readEnv() && answers()) {
    ok_ = true;
  } else {
    ok_ = startAio() && readEnv() && answers();
    if (!ok_ && error_.empty()) error_ = "Swift started but its proxy does not answer";
  }
  ::close(control);
}

ObjstoreServer::~ObjstoreServer() {
  if (usersFd_ < 0) return;
  ::close(usersFd_);
  // A detached reaper stops the servers a while later unless some process uses them again
  // (holds a shared lock on users.lock); it takes control.lock so that nobody joins meanwhile.
  const std::string stop = "bash " + shellQuote(script_) + " stop " + shellQuote(stateDir());
  const std::string inner = "flock -xn " + shellQuote(base_ / "users.lock") + " true && { " + stop +
                            "; rm -f " + shellQuote(stateDir() / "env") + "; }";
  const std::string reaper = "sleep " + std::to_string(kLingerSeconds) + "; flock -x " +
                             shellQuote(base_ / "control.lock") + " sh -c " + shellQuote(inner);
  const std::string cmd = "setsid sh -c " + shellQuote(reaper) + " </dev/null >/dev/null 2>&1 &";
  if (std::system(cmd.c_str()) != 0) {
    int control = lockFile(base_ / "control.lock", LOCK_EX);
    int users = lockFile(base_ / "users.lock", LOCK_EX | LOCK_NB);
    if (users >= 0) {
      int status = 0;
      runCommand(stop, &status);
      ::close(users);
    }
    if (control >= 0) ::close(control);
  }
}

bool ObjstoreServer::readEnv() {
  std::ifstream in(stateDir() / "env");
  if (!in) return false;
  std::map<std::string, std::string> vars;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  swiftUrl_ = vars["SWIFT_URL"];
  authUrl_ = vars["SWIFT_AUTH_URL"];
  s3Endpoint_ = vars["S3_ENDPOINT"];
  auto colon = s3Endpoint_.rfind(':');
  if (swiftUrl_.empty() || authUrl_.empty() || colon == std::string::npos) return false;
  port_ = std::atoi(s3Endpoint_.c_str() + colon + 1);
  return port_ > 0;
}

bool ObjstoreServer::answers() const {
  if (port_ <= 0) return false;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET /info HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      std::array<char, 64> buf{};
      size_t got = 0;
      while (got < 12) {
        ssize_t n = ::recv(fd, buf.data() + got, buf.size() - got, 0);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      ok = got >= 12 && std::string(buf.data(), 12).substr(9, 3) == "200";
    }
  }
  ::close(fd);
  return ok;
}

bool ObjstoreServer::startAio() {
  int status = 0;
  std::string out =
      runCommand("bash " + shellQuote(script_) + " start " + shellQuote(stateDir()), &status);
  if (status != 0) {
    error_ = "swift_aio.sh start failed (status " + std::to_string(status) + "): " + out;
    return false;
  }
  return true;
}

}  // namespace plik::testing
