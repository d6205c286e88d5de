// MD5 of an upload computed on the blocking pool while the network thread writes the same
// bytes to the data backend, so hashing (the only per-byte CPU work) overlaps the write.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <span>
#include <string>

namespace plik {

// Contract: used by one coroutine (one upload). start(bytes) hashes `bytes` in the background
// (inline when small); the caller must keep `bytes` alive and unchanged, and call
// co_await finish() before it touches the bytes' buffer again and before the next start().
// Both sides only read the span, so writing it elsewhere in the meantime is safe.
// The background job holds the hashing state by shared_ptr: if the coroutine is destroyed while
// a job runs (server shutdown), the job still ends safely; the pool is joined before the
// network buffers are freed (PlikServer::stop()).
class ParallelMd5 {
 public:
  explicit ParallelMd5(boost::asio::thread_pool& pool);
  ~ParallelMd5();
  ParallelMd5(const ParallelMd5&) = delete;
  ParallelMd5& operator=(const ParallelMd5&) = delete;

  void start(std::span<const char> bytes);
  boost::asio::awaitable<void> finish();
  std::string hex();  // after the last finish()

 private:
  struct State;
  boost::asio::thread_pool& pool_;
  std::shared_ptr<State> state_;
  bool inFlight_ = false;
};

}  // namespace plik
