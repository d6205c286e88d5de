// Stream mode's in-memory rendezvous: an uploader's DataWriter is paired with one downloader's
// DataReader by file id, and bytes flow between them with backpressure; nothing is stored.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "data/data_backend.hpp"

namespace plik {

// Handoff design (one copy, no registry buffers):
//   The writer's write(bytes) never copies into an intermediate buffer. If the downloader is
//   already suspended in read(out), the writer copies straight into the downloader's `out`
//   (under the stream's mutex) and returns without suspending; otherwise it publishes a span
//   of its own bytes and suspends until read() calls have copied all of it out. So each byte
//   is copied exactly once (uploader's buffer -> downloader's buffer), at most one chunk is in
//   flight, and per-stream memory is the two HTTP layers' own buffers (e.g. 2 x 256 KiB) —
//   the registry allocates none. The copy decouples the sides: the uploader reads its next
//   chunk from its socket while the downloader writes the previous one to its socket.
//   A waiting stream costs its shared state and signals (under 1 KB) plus, while a side waits
//   for its peer with a timeout, one steady_timer; transfer-phase waits use no timer. Measured:
//   10,000 waiting uploaders (each its own coroutine and strand) add ~3.5 KB each, frames
//   included (a bare coroutine waiting on a timer: ~1.5 KB).
//
// Zero-copy hand-off (DataWriter::writeFromFd / DataReader::readStep): when the downloader's
//   connection can splice (it called acceptFds) and the uploader's remaining bytes are a plain
//   byte range of its socket, the writer offers a dup of its socket instead of a span; the
//   downloader splices socket -> pipe -> its own socket (no copy in user space) and reports
//   with fdDone(); the writer stays suspended meanwhile, so exactly one side reads the uploader
//   socket at any time. A failure from anywhere (cancel, shutdown, either peer gone) interrupts
//   the splice through the reader's interrupt function, and the writer returns only after the
//   reader's report.
//
// Threading: the two sides run on different strands (threads); cancel()/shutdown() and all
// const queries may be called from any thread. Shared state sits behind mutexes (registry map,
// then per stream, in that order; never held across a co_await), and a suspended side is woken
// by posting to its own executor (AsyncSignal). Each writer/reader is used by one coroutine at
// a time, which must run on a strand (or a single-threaded io_context).
//
// Lifetimes: writers/readers keep the registry's internals alive (shared), so they may outlive
// the StreamRegistry object; destroying the registry calls shutdown(). Every suspended side is
// eventually woken (peer event, timeout, cancel, shutdown, or asio cancellation of its own
// coroutine), so no coroutine is leaked as long as its executor keeps running.
//
// Errors (status, message):
//   second uploader for an id ............ 409 "an uploader is already streaming this file"
//   second downloader ...................... 409 "stream is already being downloaded"
//   uploader waited past the timeout ....... 408 "stream timeout: no downloader came within <N>s"
//   downloader waited past the timeout ..... 408 "stream timeout: no uploader came within <N>s"
//   downloader gone before EOF (to writer) . 500 "downloader disconnected"
//   uploader aborted (to reader) ........... 500 "uploader aborted the stream"
//   cancel(id, reason) (both sides) ........ 404 reason
//   shutdown() (both sides, later calls) ... 503 "server is shutting down"
//   a side's own coroutine cancelled ....... 500 "stream operation cancelled" (peer: as if gone)
class StreamRegistry {
 public:
  // timeout: how long either side waits for the other (0 = forever). Once both sides are
  // attached there is no timeout here: the HTTP layer's socket deadlines apply.
  explicit StreamRegistry(std::chrono::milliseconds timeout);
  ~StreamRegistry();
  StreamRegistry(const StreamRegistry&) = delete;
  StreamRegistry& operator=(const StreamRegistry&) = delete;

  // Uploader side (synchronous, any thread). Registers fileId; 409 if an uploader is already
  // registered for it. The timeout for the downloader to come starts now.
  // The writer (owned by the caller, used by one coroutine):
  //  - write() suspends until a downloader is attached (408 after the timeout), then until the
  //    downloader has taken all the bytes (the span must stay valid until write() completes);
  //  - commit() = clean end of stream (returns "" as backend details): it also waits for a
  //    downloader, then completes when the downloader's read() has returned 0 (or when the
  //    downloader is destroyed after having taken every byte); it fails if the downloader went
  //    away before commit() was called or the stream was cancelled;
  //  - abort(), or destroying it without a successful commit(), makes the downloader's read()
  //    fail (never a clean 0) so the HTTP layer breaks the response instead of ending it.
  // begunAt: mark() taken before the uploader's request claimed the file (0 = unknown): a
  // cancel() of this id that came after that, while nothing was registered yet, makes this
  // fail with its 404 reason (a DELETE racing the uploader's registration is not lost).
  Result<std::unique_ptr<DataWriter>> openUploader(const std::string& fileId, uint64_t begunAt = 0);

  // Downloader side. Suspends until the uploader of fileId registers (408 after the timeout),
  // then owns the stream. 409 if another downloader is attached (waiting or transferring).
  // The reader's read(out) returns the next bytes (at most out.size(); whatever one chunk
  // provides, it does not wait to fill `out`), 0 at the clean end, or an Error if the uploader
  // aborted, the stream was cancelled or the registry shut down. Destroying the reader before
  // it returned 0 tells the uploader the downloader disconnected. nativeFd() is -1.
  asio::awaitable<Result<std::unique_ptr<DataReader>>> attachDownloader(const std::string& fileId);

  // True if an uploader is registered and waiting or transferring (for HEAD / status).
  bool hasUploader(const std::string& fileId) const;

  // Cancels a waiting or running stream (uploader and/or downloader registered): both sides
  // fail promptly with 404 `reason`. Returns whether something was cancelled. Any thread.
  // When nothing is registered, remembers the cancel (bounded, a few minutes) for an uploader
  // that already claimed the file but has not registered yet (see openUploader's begunAt).
  bool cancel(const std::string& fileId, std::string reason = "stream cancelled");

  // Ends every stream with 503 on both sides; later openUploader/attachDownloader fail at once.
  void shutdown();

  // The lease check (server/upload_lease): mark() before asking the database which files this
  // instance still owns, then uploadersOpenedBefore(mark) lists the live uploaders that were
  // already registered then, so a stream opened meanwhile is never mistaken for a stale one.
  uint64_t mark() const;
  std::vector<std::string> uploadersOpenedBefore(uint64_t mark) const;

  // Number of registered streams (an uploader and/or a downloader waiting or transferring).
  size_t activeCount() const;

  struct Impl;  // public only so the writer/reader in the .cpp can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace plik
