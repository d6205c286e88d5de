// SplicePipe: socket -> pipe -> socket without user-space copies; EOF and peer errors are
// reported as values, "would block" never blocks.
#include "http/splice_pipe.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace plik::http {
namespace {

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    a = sv[0];
    b = sv[1];
  }
  ~Pair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
};

void nonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

TEST(SplicePipe, MovesBytesExactlyAndStopsAtTheLimit) {
  Pair src, dst;
  nonBlocking(src.b);
  nonBlocking(dst.a);
  const std::string data = pattern(3 * 1024 * 1024 + 17);
  const int64_t limit = static_cast<int64_t>(data.size()) - 100;  // the rest stays in src
  std::thread writer([&] {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(src.a, data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  });
  std::string got;
  std::thread reader([&] {
    char buf[65536];
    while (got.size() < static_cast<size_t>(limit)) {
      ssize_t n = ::read(dst.b, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
  });
  SplicePipe pipe;
  ASSERT_EQ(pipe.open(1 << 20), "");
  EXPECT_GE(pipe.capacity(), 4096);
  int64_t toPull = limit;
  while (toPull > 0 || pipe.buffered() > 0) {
    bool moved = false;
    if (toPull > 0) {
      auto in = pipe.pull(src.b, toPull);
      ASSERT_FALSE(in.eof);
      ASSERT_EQ(in.error, 0);
      toPull -= in.moved;
      moved = in.moved > 0;
      EXPECT_LE(pipe.buffered(), pipe.capacity());
    }
    auto out = pipe.push(dst.a);
    ASSERT_EQ(out.error, 0);
    if (!moved && out.moved == 0) {
      pollfd p[2] = {{src.b, POLLIN, 0}, {dst.a, static_cast<short>(pipe.buffered() ? POLLOUT : 0), 0}};
      ::poll(p, 2, 1000);
    }
  }
  reader.join();
  EXPECT_EQ(got.size(), static_cast<size_t>(limit));
  EXPECT_TRUE(got == data.substr(0, static_cast<size_t>(limit)));
  // The last 100 bytes were not taken: they are still readable from the source.
  char tail[200];
  size_t tailGot = 0;
  while (tailGot < 100) {
    ssize_t n = ::read(src.b, tail + tailGot, sizeof tail - tailGot);
    if (n > 0) tailGot += static_cast<size_t>(n);
    else ::poll(nullptr, 0, 10);
  }
  EXPECT_EQ(std::string(tail, tailGot), data.substr(data.size() - 100));
  writer.join();
}

TEST(SplicePipe, ReportsEndOfSourceAndGoneDestination) {
  Pair src, dst;
  nonBlocking(src.b);
  nonBlocking(dst.a);
  SplicePipe pipe;
  ASSERT_EQ(pipe.open(65536), "");
  auto none = pipe.pull(src.b, 1000);
  EXPECT_TRUE(none.wouldBlock);
  EXPECT_TRUE(pipe.push(dst.a).wouldBlock);  // nothing buffered
  ASSERT_EQ(::write(src.a, "abc", 3), 3);
  ::close(src.a);
  src.a = -1;
  auto in = pipe.pull(src.b, 1000);
  EXPECT_EQ(in.moved, 3);
  auto end = pipe.pull(src.b, 1000);
  EXPECT_TRUE(end.eof);
  ::signal(SIGPIPE, SIG_IGN);  // splice(2) to a closed socket raises it, as plikd ignores it
  ::close(dst.b);
  dst.b = -1;
  auto out = pipe.push(dst.a);
  EXPECT_NE(out.error, 0);  // EPIPE: the destination went away
}

}  // namespace
}  // namespace plik::http
