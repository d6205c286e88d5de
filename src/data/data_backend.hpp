// The data seam: where file bytes live (local files, S3, Swift). Every implementation
// provides a writer (one upload), a reader (one download) and removal.
// Contract: methods are coroutines run on the calling request's executor; an implementation
// that must block (disk) keeps each call short (one buffer), so backpressure comes from the
// caller awaiting each write. Nothing here buffers a whole file.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"

namespace plik {

namespace asio = boost::asio;

// One file being written. The data is invisible to readers until commit() succeeds.
class DataWriter {
 public:
  virtual ~DataWriter() = default;
  virtual asio::awaitable<Status> write(std::span<const char> bytes) = 0;
  // Makes the data durable and visible; returns the backend details to store with the file.
  virtual asio::awaitable<Result<std::string>> commit() = 0;
  // Discards everything written (idempotent; also done by the destructor if not committed).
  virtual asio::awaitable<void> abort() = 0;

  // Zero-copy variant of write() (stream mode): the next `length` bytes are to be read straight
  // from the socket `fd` (the uploader's), by the consumer, without passing through this
  // process's memory. Only when canWriteFromFd() says the consumer can (checked right before).
  // Completes when the consumer has taken exactly `length` bytes from fd; until then nobody
  // else may read fd. Errors: the consumer went away, the stream failed, or reading fd failed
  // (then the error says so: status 499 "unable to read data from request body").
  virtual bool canWriteFromFd() const { return false; }
  virtual asio::awaitable<Status> writeFromFd(int fd, int64_t length) {
    co_return Error::internal("zero-copy write not supported");
  }
};

// One ranged read of a stored file.
class DataReader {
 public:
  virtual ~DataReader() = default;
  // Reads up to out.size() bytes; 0 means the range is exhausted.
  virtual asio::awaitable<Result<size_t>> read(std::span<char> out) = 0;
  // A file descriptor positioned for sendfile(2), or -1 when the backend has none.
  virtual int nativeFd() const { return -1; }
  virtual int64_t offset() const { return 0; }

  // Zero-copy hand-off (stream mode; other readers never use it). A consumer that can splice
  // registers first with acceptFds(interrupt): `interrupt` is a thread-safe function that makes
  // its splice fail promptly (the stream was cancelled). From then on readStep() may return,
  // instead of copied bytes, a descriptor that delivers the next fdBytes bytes: the consumer
  // owns that fd (a dup), moves the bytes, closes it, and reports with fdDone() before reading
  // again. sourceFailed: the fd ended or failed before fdBytes bytes.
  struct Step {
    size_t copied = 0;  // bytes copied into `out` (0 and fd < 0: the clean end)
    int fd = -1;
    int64_t fdBytes = 0;
  };
  virtual void acceptFds(std::function<void()> interrupt) {}
  virtual asio::awaitable<Result<Step>> readStep(std::span<char> out) {
    auto n = co_await read(out);
    if (!n.ok()) co_return std::move(n).error();
    co_return Step{*n, -1, 0};
  }
  virtual void fdDone(const Status& st, bool sourceFailed) {}
};

class DataBackend {
 public:
  virtual ~DataBackend() = default;
  virtual asio::awaitable<Result<std::unique_ptr<DataWriter>>> create(const File& file) = 0;
  // length < 0 = to the end.
  virtual asio::awaitable<Result<std::unique_ptr<DataReader>>> open(const File& file,
                                                                     int64_t offset,
                                                                     int64_t length) = 0;
  // Removing data that does not exist is not an error.
  virtual asio::awaitable<Status> remove(const File& file) = 0;
  // Synchronous removal for the admin CLI and crash recovery (not on network threads).
  virtual Status removeBlocking(const File& file) = 0;
};

}  // namespace plik
