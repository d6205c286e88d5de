// The data seam: where file bytes live (local files, S3, Swift). Every implementation
// provides a writer (one upload), a reader (one download) and removal.
// Contract: methods are coroutines run on the calling request's executor; an implementation
// that must block (disk) keeps each call short (one buffer), so backpressure comes from the
// caller awaiting each write. Nothing here buffers a whole file.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
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
