#include "http/splice_pipe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace plik::http {

SplicePipe::~SplicePipe() {
  if (rd_ >= 0) ::close(rd_);
  if (wr_ >= 0) ::close(wr_);
}

std::string SplicePipe::open(int capacity) {
  int p[2];
  if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return std::strerror(errno);
  rd_ = p[0];
  wr_ = p[1];
  int got = ::fcntl(wr_, F_SETPIPE_SZ, capacity);
  if (got < 0) got = ::fcntl(wr_, F_GETPIPE_SZ);
  capacity_ = got > 0 ? got : 65536;
  return {};
}

namespace {

// One non-blocking splice(2) of up to n bytes, retried on EINTR. A 0 return is the source's
// end when reading a socket, and a gone peer when writing one.
SplicePipe::Step spliceOnce(int in, int out, int64_t n, bool zeroIsEof) {
  SplicePipe::Step s;
  for (;;) {
    ssize_t got = ::splice(in, nullptr, out, nullptr, static_cast<size_t>(n),
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (got > 0) {
      s.moved = got;
    } else if (got == 0) {
      if (zeroIsEof) s.eof = true;
      else s.error = EPIPE;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      s.wouldBlock = true;
    } else {
      s.error = errno;
    }
    return s;
  }
}

}  // namespace

SplicePipe::Step SplicePipe::pull(int fd, int64_t max) {
  const int64_t want = std::min(max, capacity_ - buffered_);
  if (want <= 0) return Step{0, true, false, 0};
  Step s = spliceOnce(fd, wr_, want, true);
  buffered_ += s.moved;
  return s;
}

SplicePipe::Step SplicePipe::push(int fd) {
  if (buffered_ == 0) return Step{0, true, false, 0};
  Step s = spliceOnce(rd_, fd, buffered_, false);
  buffered_ -= s.moved;
  return s;
}

}  // namespace plik::http
