// MD5 of an upload computed on the blocking pool while the network thread writes the bytes to
// the data backend and receives the next ones, so hashing (the only per-byte CPU work the API
// demands) overlaps everything else on the byte path.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <span>
#include <string>

namespace plik {

// Contract: used by one coroutine (one upload). co_await update(bytes) copies `bytes` into one
// of two slots and queues it for a background job on the pool that hashes the slots in order
// (small chunks with nothing queued are hashed inline); it waits only when both slots are
// taken. The caller may reuse or move its buffer as soon as update() returns: the hash of chunk
// N runs while the caller writes N and reads N+1, and the job goes straight on to N+1 if it
// is queued. Memory: two copies of the largest chunk passed. co_await finish() before hex().
// The job holds the state (context and slots) by shared_ptr: if the coroutine is destroyed
// while a job runs (server shutdown, a failed upload), the job still ends safely.
class ParallelMd5 {
 public:
  explicit ParallelMd5(boost::asio::thread_pool& pool);
  ~ParallelMd5();
  ParallelMd5(const ParallelMd5&) = delete;
  ParallelMd5& operator=(const ParallelMd5&) = delete;

  boost::asio::awaitable<void> update(std::span<const char> bytes);
  boost::asio::awaitable<void> finish();
  std::string hex();  // after the last finish()

 private:
  struct State;
  boost::asio::thread_pool& pool_;
  std::shared_ptr<State> state_;
};

}  // namespace plik
