// A kernel pipe used to move bytes from one socket to another with splice(2), so the bytes never
// pass through user space (stream mode: uploader socket -> pipe -> downloader socket).
// Non-blocking steps only: the caller waits for readiness itself (asio) and retries.
#pragma once

#include <cstdint>
#include <string>

namespace plik::http {

class SplicePipe {
 public:
  // Outcome of one step: bytes moved (> 0), 0 for "would block", or an end/error.
  struct Step {
    int64_t moved = 0;
    bool wouldBlock = false;
    bool eof = false;   // pull(): the source has no more bytes (peer closed its side)
    int error = 0;      // errno of a hard failure (ECONNRESET, EPIPE, ...)
  };

  SplicePipe() = default;
  ~SplicePipe();
  SplicePipe(const SplicePipe&) = delete;
  SplicePipe& operator=(const SplicePipe&) = delete;

  // Creates the pipe (non-blocking, close-on-exec) and asks for `capacity` bytes (the kernel
  // may give less: /proc/sys/fs/pipe-max-size, per-user quotas). Returns an error message, or
  // "" on success.
  std::string open(int capacity);
  bool isOpen() const { return rd_ >= 0; }
  int capacity() const { return capacity_; }
  int64_t buffered() const { return buffered_; }  // bytes in the pipe
  bool full() const { return buffered_ >= capacity_; }

  // Moves up to `max` bytes from the socket `fd` into the pipe (bounded by the room left).
  Step pull(int fd, int64_t max);
  // Moves the pipe's bytes to the socket `fd` (as many as it takes now).
  Step push(int fd);

 private:
  int rd_ = -1, wr_ = -1;
  int capacity_ = 0;
  int64_t buffered_ = 0;
};

}  // namespace plik::http
