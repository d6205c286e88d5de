// notifySystemd(): one datagram to $NOTIFY_SOCKET (a path or an abstract "@name"), nothing when
// the variable is unset or not a Unix socket address.
#include "core/systemd_notify.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>

namespace plik {
namespace {

// A datagram socket standing in for systemd's notification socket; restores the environment.
class NotifySocket {
 public:
  // name: a path, or "@name" (abstract).
  explicit NotifySocket(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, name.data(), name.size());
    socklen_t len = offsetof(sockaddr_un, sun_path) + name.size() + 1;
    if (name[0] == '@') {
      sa.sun_path[0] = '\0';
      len -= 1;
    } else {
      path_ = name;
    }
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len) == 0;
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~NotifySocket() {
    ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
    ::unsetenv("NOTIFY_SOCKET");
  }
  bool bound() const { return bound_; }
  // The next datagram, or "" after 2 s.
  std::string receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return "";
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
  std::string path_;
};

TEST(SystemdNotify, SendsOneDatagramToAPathSocket) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("plik-notify-" + std::to_string(::getpid()))).string();
  NotifySocket sock(path);
  ASSERT_TRUE(sock.bound());
  EXPECT_TRUE(notifySystemd("READY=1\nSTATUS=serving on port 8080"));
  EXPECT_EQ(sock.receive(), "READY=1\nSTATUS=serving on port 8080");
  EXPECT_TRUE(notifySystemd("STOPPING=1"));
  EXPECT_EQ(sock.receive(), "STOPPING=1");
}

TEST(SystemdNotify, AbstractNamespace) {
  NotifySocket sock("@plik-notify-test-" + std::to_string(::getpid()));
  ASSERT_TRUE(sock.bound());
  EXPECT_TRUE(notifySystemd("READY=1"));
  EXPECT_EQ(sock.receive(), "READY=1");
}

TEST(SystemdNotify, NothingWithoutAUsableVariable) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notifySystemd("READY=1"));
  ::setenv("NOTIFY_SOCKET", "", 1);
  EXPECT_FALSE(notifySystemd("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  EXPECT_FALSE(notifySystemd("READY=1"));
  ::setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);
  EXPECT_FALSE(notifySystemd("READY=1"));
  ::setenv("NOTIFY_SOCKET", "/nonexistent-dir/notify", 1);  // nobody listens: false, no throw
  EXPECT_FALSE(notifySystemd("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace plik
