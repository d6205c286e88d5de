#include "http/splice_pipe.hpp"

#include <fcntl.h>
#include <unistd.h>

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

SplicePipe::Step SplicePipe::pull(int fd, int64_t max) {
  Step s;
  const int64_t room = capacity_ - buffered_;
  const int64_t want = max < room ? max : room;
  if (want <= 0) {
    s.wouldBlock = true;
    return s;
  }
  for (;;) {
    ssize_t n = ::splice(fd, nullptr, wr_, nullptr, static_cast<size_t>(want),
                         SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) {
      buffered_ += n;
      s.moved = n;
    } else if (n == 0) {
      s.eof = true;
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

SplicePipe::Step SplicePipe::push(int fd) {
  Step s;
  if (buffered_ == 0) {
    s.wouldBlock = true;
    return s;
  }
  for (;;) {
    ssize_t n = ::splice(rd_, nullptr, fd, nullptr, static_cast<size_t>(buffered_),
                         SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) {
      buffered_ -= n;
      s.moved = n;
    } else if (n == 0) {
      s.error = EPIPE;
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

}  // namespace plik::http
