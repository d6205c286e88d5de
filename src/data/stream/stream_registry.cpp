// StreamRegistry: the per-file-id rendezvous map, the shared per-stream state, and the
// StreamWriter/StreamReader pair that hand bytes across strands with one copy and backpressure.
#include "data/stream/stream_registry.hpp"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "data/stream/async_signal.hpp"

namespace plik {

namespace {

using SteadyClock = std::chrono::steady_clock;

// "5s", "0.1s", "1.25s" — the timeout as Plik users read it.
std::string formatSeconds(std::chrono::milliseconds ms) {
  const auto v = ms.count();
  if (v % 1000 == 0) return std::to_string(v / 1000) + "s";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(v) / 1000.0);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s + "s";
}

Error conflictUploader() { return {409, "an uploader is already streaming this file", {}}; }
Error conflictDownloader() { return {409, "stream is already being downloaded", {}}; }
Error shutdownError() { return {503, "server is shutting down", {}}; }
Error downloaderGone() { return Error::internal("downloader disconnected"); }
Error uploaderAborted() { return Error::internal("uploader aborted the stream"); }
Error opCancelled() { return Error::internal("stream operation cancelled"); }
Error writerClosed() { return Error::internal("stream writer is closed"); }

// Everything one stream's two sides share. Owned (shared) by the registry map while
// registered, by the writer and by the reader. All fields below `mu` are guarded by it; the
// signals are thread-safe on their own. Lock order: registry mutex, then this one.
struct StreamState {
  explicit StreamState(std::string fileId) : id(std::move(fileId)) {}

  const std::string id;
  std::mutex mu;

  bool hasUploader = false;    // a writer was opened for this stream
  uint64_t uploaderMark = 0;   // the registry's mark when the writer was opened
  bool hasDownloader = false;  // a reader attached (waiting for the uploader or transferring)
  bool closed = false;         // finished or failed: no longer joinable, errors are final
  bool eof = false;            // writer committed: once `pending` is drained, read() returns 0
  bool readerSawEof = false;   // read() returned 0: the stream completed cleanly
  bool readerGone = false;     // the reader was destroyed
  bool writerWaiting = false;  // writer is (about to be) suspended on toWriter
  bool readerWaiting = false;  // reader is (about to be) suspended on toReader
  AsyncSignal::Deadline writerDeadline;  // when the uploader stops waiting for a downloader
  std::optional<Error> writerError;      // what the writer's current/next call returns
  std::optional<Error> readerError;      // what the reader's current/next call returns

  // The writer's bytes not yet taken by the reader; points into the uploader's own buffer and
  // is valid only while the writer is suspended in write() (cleared before it returns).
  std::span<const char> pending;
  bool pendingDropped = false;  // a failure discarded `pending` before the reader took it all
  // The reader's destination while it is suspended in read(); the writer copies into it and
  // sets readerGot (cleared by the reader before it returns).
  std::span<char> readerOut;
  size_t readerGot = 0;

  // Zero-copy hand-off (writeFromFd / readStep): the reader accepts descriptors and can be
  // interrupted; the writer offers a dup of its socket for fdBytes bytes; the reader takes it
  // (then owns and closes it), moves the bytes and reports. While fdTaken, only the reader
  // reads the uploader's socket, so the writer waits for the report even after a failure.
  bool readerCanSplice = false;
  std::function<void()> interruptReader;
  int fdOffered = -1;
  int64_t fdBytes = 0;
  bool fdTaken = false;
  bool fdReported = false;

  AsyncSignal toWriter;  // wakes the writer (downloader attached, bytes taken, EOF seen, error)
  AsyncSignal toReader;  // wakes the reader (uploader came, bytes delivered, EOF, error)

  // Fails the stream (first error per side wins). Caller notifies both sides and unregisters
  // after releasing `mu`.
  void failLocked(Error forWriter, Error forReader) {
    closed = true;
    if (!writerError) writerError = std::move(forWriter);
    if (!readerError) readerError = std::move(forReader);
    if (!pending.empty()) pendingDropped = true;
    pending = {};
    readerOut = {};
    writerWaiting = false;
    readerWaiting = false;
  }

  // Wakes both sides, and interrupts a reader busy moving bytes from the writer's socket.
  // Called without `mu` held.
  void notifyBoth() {
    std::function<void()> interrupt;
    {
      std::lock_guard lk(mu);
      if (fdTaken) interrupt = interruptReader;
    }
    if (interrupt) interrupt();
    toWriter.notify();
    toReader.notify();
  }
};

}  // namespace

struct StreamRegistry::Impl {
  explicit Impl(std::chrono::milliseconds t) : timeout(t) {}

  const std::chrono::milliseconds timeout;
  mutable std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<StreamState>> streams;  // guarded by mu
  bool stopped = false;                                                   // guarded by mu
  uint64_t nextMark = 1;                                                  // guarded by mu
  // Cancels that found nothing registered: id -> (mark, when, reason). Guarded by mu; pruned
  // by age and size so it stays small.
  struct Tombstone {
    uint64_t mark;
    SteadyClock::time_point at;
    std::string reason;
  };
  std::unordered_map<std::string, Tombstone> tombstones;
  static constexpr size_t kMaxTombstones = 10000;
  static constexpr std::chrono::minutes kTombstoneAge{5};

  void pruneTombstonesLocked(SteadyClock::time_point now) {
    if (tombstones.size() < kMaxTombstones / 2) return;
    for (auto it = tombstones.begin(); it != tombstones.end();)
      it = now - it->second.at > kTombstoneAge ? tombstones.erase(it) : std::next(it);
    if (tombstones.size() >= kMaxTombstones) tombstones.clear();  // never unbounded
  }

  AsyncSignal::Deadline deadlineFromNow() const {
    if (timeout.count() <= 0) return std::nullopt;
    return SteadyClock::now() + timeout;
  }

  // Removes `st` from the map if it is still the entry for its id (idempotent).
  void unregister(const std::shared_ptr<StreamState>& st) {
    std::lock_guard lk(mu);
    auto it = streams.find(st->id);
    if (it != streams.end() && it->second == st) streams.erase(it);
  }
};

namespace {

using ImplPtr = std::shared_ptr<StreamRegistry::Impl>;

// The uploader's end. Used by one coroutine at a time (the upload request's strand).
class StreamWriter final : public DataWriter {
 public:
  StreamWriter(ImplPtr reg, std::shared_ptr<StreamState> st)
      : reg_(std::move(reg)), st_(std::move(st)) {}
  ~StreamWriter() override { close(); }

  asio::awaitable<Status> write(std::span<const char> bytes) override {
    if (done_) co_return Status(writerClosed());
    if (bytes.empty()) co_return Status{};
    if (auto s = co_await awaitDownloader(); !s.ok()) co_return s;

    bool wakeReader = false;
    bool published = false;
    {
      std::lock_guard lk(st_->mu);
      if (st_->writerError) co_return Status(*st_->writerError);
      if (!st_->readerOut.empty()) {
        // The reader is suspended in read(): copy straight into its buffer.
        const size_t n = std::min(st_->readerOut.size(), bytes.size());
        std::memcpy(st_->readerOut.data(), bytes.data(), n);
        st_->readerGot = n;
        st_->readerOut = {};
        st_->readerWaiting = false;
        wakeReader = true;
        bytes = bytes.subspan(n);
      }
      if (!bytes.empty()) {
        st_->pending = bytes;
        st_->pendingDropped = false;
        st_->writerWaiting = true;
        published = true;
        if (st_->readerWaiting) {  // reader still in attachDownloader(): let it start reading
          st_->readerWaiting = false;
          wakeReader = true;
        }
      }
    }
    if (wakeReader) st_->toReader.notify();
    if (!published) co_return Status{};

    for (;;) {
      const auto ec = co_await st_->toWriter.wait();
      {
        std::lock_guard lk(st_->mu);
        if (st_->pending.empty() && !st_->pendingDropped) {
          // The reader took every byte (even if the stream failed right after: the next call
          // reports that).
          st_->writerWaiting = false;
          co_return Status{};
        }
        if (st_->writerError) {
          st_->pending = {};
          st_->writerWaiting = false;
          co_return Status(*st_->writerError);
        }
        if (!ec) {  // spurious wake-up: the reader has not taken everything yet
          st_->writerWaiting = true;
          continue;
        }
        st_->failLocked(opCancelled(), uploaderAborted());
      }
      failed();
      co_return Status(opCancelled());
    }
  }

  bool canWriteFromFd() const override {
    std::lock_guard lk(st_->mu);
    return st_->readerCanSplice && st_->hasDownloader && !st_->closed;
  }

  asio::awaitable<Status> writeFromFd(int fd, int64_t length) override {
    if (done_) co_return Status(writerClosed());
    if (length <= 0) co_return Status{};
    if (auto s = co_await awaitDownloader(); !s.ok()) co_return s;
    const int dupFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dupFd < 0) co_return Status(Error::internal("unable to relay the stream", std::strerror(errno)));
    bool wakeReader = false;
    {
      std::lock_guard lk(st_->mu);
      if (st_->writerError || !st_->readerCanSplice) {
        ::close(dupFd);
        if (st_->writerError) co_return Status(*st_->writerError);
        co_return Status(Error::internal("zero-copy write not supported"));
      }
      st_->fdOffered = dupFd;
      st_->fdBytes = length;
      st_->fdTaken = false;
      st_->fdReported = false;
      st_->writerWaiting = true;
      if (!st_->readerOut.empty() || st_->readerWaiting) {  // the reader is suspended: wake it
        st_->readerOut = {};
        st_->readerWaiting = false;
        wakeReader = true;
      }
    }
    if (wakeReader) st_->toReader.notify();
    for (;;) {
      const auto ec = co_await st_->toWriter.wait();
      bool failedHere = false;
      std::optional<Status> answer;
      {
        std::lock_guard lk(st_->mu);
        if (st_->fdReported) {  // the reader is done with the socket
          st_->fdReported = false;
          st_->writerWaiting = false;
          answer = st_->writerError ? Status(*st_->writerError) : Status{};
        } else if (!st_->fdTaken) {
          if (st_->writerError || ec) {  // failed before the reader took it: reclaim it
            if (st_->fdOffered >= 0) ::close(st_->fdOffered);
            st_->fdOffered = -1;
            st_->writerWaiting = false;
            if (!st_->writerError) {
              st_->failLocked(opCancelled(), uploaderAborted());
              failedHere = true;
            }
            answer = Status(*st_->writerError);
          } else {
            st_->writerWaiting = true;  // spurious wake-up
          }
        } else {
          // The reader is moving bytes: wait for its report, even after a failure (which
          // interrupts it), so nobody else reads the socket meanwhile.
          if (ec && !st_->closed) {
            st_->failLocked(opCancelled(), uploaderAborted());
            failedHere = true;
          }
          st_->writerWaiting = true;
        }
      }
      if (failedHere) {
        st_->notifyBoth();
        reg_->unregister(st_);
      }
      if (answer) co_return *answer;
    }
  }

  asio::awaitable<Result<std::string>> commit() override {
    if (done_) co_return Error(writerClosed());
    if (auto s = co_await awaitDownloader(); !s.ok()) co_return Error(s.error());

    bool wakeReader = false;
    {
      std::lock_guard lk(st_->mu);
      if (st_->writerError) co_return Error(*st_->writerError);
      st_->eof = true;
      st_->writerWaiting = true;
      if (st_->readerWaiting) {
        st_->readerWaiting = false;
        wakeReader = true;
      }
    }
    if (wakeReader) st_->toReader.notify();

    for (;;) {
      const auto ec = co_await st_->toWriter.wait();
      {
        std::lock_guard lk(st_->mu);
        const bool clean = st_->readerSawEof || (!st_->writerError && st_->readerGone);
        if (clean) {
          st_->writerWaiting = false;
          st_->closed = true;
          done_ = true;
        } else if (st_->writerError) {
          st_->writerWaiting = false;
          co_return Error(*st_->writerError);
        } else if (!ec) {
          st_->writerWaiting = true;
          continue;
        } else {
          st_->failLocked(opCancelled(), uploaderAborted());
        }
      }
      if (done_) {
        reg_->unregister(st_);
        co_return std::string{};
      }
      failed();
      co_return Error(opCancelled());
    }
  }

  asio::awaitable<void> abort() override {
    close();
    co_return;
  }

 private:
  // Suspends until a downloader is attached, the rendezvous deadline passes, or the stream
  // fails. Returns immediately once a downloader has been attached.
  asio::awaitable<Status> awaitDownloader() {
    for (;;) {
      AsyncSignal::Deadline deadline;
      {
        std::lock_guard lk(st_->mu);
        if (st_->writerError) co_return Status(*st_->writerError);
        if (st_->hasDownloader) co_return Status{};
        st_->writerWaiting = true;
        deadline = st_->writerDeadline;
      }
      const auto ec = co_await st_->toWriter.wait(deadline);
      if (!ec) continue;
      Error err;
      {
        std::lock_guard lk(st_->mu);
        st_->writerWaiting = false;
        if (st_->writerError || st_->hasDownloader) continue;
        if (ec == asio::error::timed_out) {
          err = Error{
              408, "stream timeout: no downloader came within " + formatSeconds(reg_->timeout), {}};
          st_->failLocked(err, err);
        } else {
          err = opCancelled();
          st_->failLocked(err, uploaderAborted());
        }
      }
      failed();
      co_return Status(err);
    }
  }

  // After a failLocked() by this side: wake the peer and leave the map.
  void failed() {
    st_->notifyBoth();
    reg_->unregister(st_);
  }

  // abort() / destructor: idempotent; after a clean commit it only makes sure of unregistering.
  void close() {
    if (!done_) {
      done_ = true;
      bool changed = false;
      {
        std::lock_guard lk(st_->mu);
        st_->pending = {};
        if (!st_->closed) {
          st_->failLocked(writerClosed(), uploaderAborted());
          changed = true;
        }
      }
      if (changed) st_->toReader.notify();
    }
    reg_->unregister(st_);
  }

  ImplPtr reg_;
  std::shared_ptr<StreamState> st_;
  bool done_ = false;  // committed or aborted; touched only by the owning coroutine
};

// The downloader's end. Created when the downloader registers (so its destructor also cleans
// up a downloader that is still waiting); used by one coroutine at a time.
class StreamReader final : public DataReader {
 public:
  StreamReader(ImplPtr reg, std::shared_ptr<StreamState> st)
      : reg_(std::move(reg)), st_(std::move(st)) {}

  ~StreamReader() override {
    bool wakeWriter = false;
    {
      std::lock_guard lk(st_->mu);
      st_->readerOut = {};
      st_->readerWaiting = false;
      st_->interruptReader = nullptr;
      if (st_->fdTaken) {  // destroyed while moving bytes: report (the fd was the consumer's)
        st_->fdTaken = false;
        st_->fdReported = true;
      }
      if (!st_->readerSawEof) {
        st_->readerGone = true;
        wakeWriter = true;
        if (!st_->closed) {
          if (st_->eof) {
            st_->closed = true;  // every byte was handed over: commit() succeeds
          } else {
            st_->failLocked(downloaderGone(), downloaderGone());
          }
        }
      }
    }
    if (wakeWriter) st_->toWriter.notify();
    reg_->unregister(st_);
  }

  asio::awaitable<Result<size_t>> read(std::span<char> out) override {
    auto step = co_await readStep(out);
    if (!step.ok()) co_return std::move(step).error();
    if (step->fd >= 0) {  // not for consumers that never called acceptFds(); cannot happen
      ::close(step->fd);
      fdDone(Status(Error::internal("zero-copy read not accepted")), false);
      co_return Error::internal("zero-copy read not accepted");
    }
    co_return step->copied;
  }

  void acceptFds(std::function<void()> interrupt) override {
    std::lock_guard lk(st_->mu);
    st_->readerCanSplice = true;
    st_->interruptReader = std::move(interrupt);
  }

  void fdDone(const Status& result, bool sourceFailed) override {
    bool failedHere = false;
    {
      std::lock_guard lk(st_->mu);
      st_->fdTaken = false;
      st_->fdReported = true;
      st_->writerWaiting = false;
      if (!result.ok() && !st_->closed) {
        Error forWriter = sourceFailed ? Error{499, "unable to read data from request body",
                                               result.error().message + " " + result.error().detail}
                                       : downloaderGone();
        st_->failLocked(std::move(forWriter), uploaderAborted());
        failedHere = true;
      }
    }
    if (failedHere) {
      st_->notifyBoth();
      reg_->unregister(st_);
    } else {
      st_->toWriter.notify();
    }
  }

  asio::awaitable<Result<Step>> readStep(std::span<char> out) override {
    if (out.empty()) co_return Step{};
    for (;;) {
      bool wakeWriter = false;
      bool finished = false;
      std::optional<Result<Step>> answer;
      {
        std::lock_guard lk(st_->mu);
        if (st_->fdOffered >= 0 && !st_->fdTaken && !st_->readerError) {
          st_->fdTaken = true;
          answer.emplace(Step{0, std::exchange(st_->fdOffered, -1), st_->fdBytes});
        } else if (!st_->pending.empty()) {
          const size_t n = std::min(out.size(), st_->pending.size());
          std::memcpy(out.data(), st_->pending.data(), n);
          st_->pending = st_->pending.subspan(n);
          if (st_->pending.empty() && st_->writerWaiting) {
            st_->writerWaiting = false;
            wakeWriter = true;
          }
          answer.emplace(Step{n, -1, 0});
        } else if (st_->readerError) {
          answer.emplace(*st_->readerError);
        } else if (st_->eof) {
          if (!st_->readerSawEof) {
            st_->readerSawEof = true;
            st_->closed = true;
            finished = true;
            if (st_->writerWaiting) {
              st_->writerWaiting = false;
              wakeWriter = true;
            }
          }
          answer.emplace(Step{});
        } else {
          st_->readerOut = out;
          st_->readerGot = 0;
          st_->readerWaiting = true;
        }
      }
      if (wakeWriter) st_->toWriter.notify();
      if (finished) reg_->unregister(st_);
      if (answer) co_return std::move(*answer);

      const auto ec = co_await st_->toReader.wait();
      {
        std::lock_guard lk(st_->mu);
        st_->readerWaiting = false;
        st_->readerOut = {};
        if (st_->readerGot > 0) {
          const size_t n = std::exchange(st_->readerGot, 0);
          co_return Step{n, -1, 0};
        }
        if (!ec || st_->readerError || st_->eof || st_->fdOffered >= 0) continue;
        st_->failLocked(downloaderGone(), opCancelled());
      }
      st_->notifyBoth();
      reg_->unregister(st_);
      co_return Error(opCancelled());
    }
  }

 private:
  ImplPtr reg_;
  std::shared_ptr<StreamState> st_;
};

}  // namespace

StreamRegistry::StreamRegistry(std::chrono::milliseconds timeout)
    : impl_(std::make_shared<Impl>(timeout)) {}

StreamRegistry::~StreamRegistry() { shutdown(); }

Result<std::unique_ptr<DataWriter>> StreamRegistry::openUploader(const std::string& fileId,
                                                                 uint64_t begunAt) {
  std::shared_ptr<StreamState> st;
  bool wakeReader = false;
  {
    std::lock_guard lk(impl_->mu);
    if (impl_->stopped) return shutdownError();
    if (auto t = impl_->tombstones.find(fileId); t != impl_->tombstones.end()) {
      Impl::Tombstone tomb = std::move(t->second);
      impl_->tombstones.erase(t);
      if (begunAt > 0 && tomb.mark >= begunAt) return Error{404, std::move(tomb.reason), {}};
    }
    auto it = impl_->streams.find(fileId);
    if (it != impl_->streams.end()) {
      std::lock_guard sl(it->second->mu);
      if (!it->second->closed) {  // a closed entry is stale: replaced below
        if (it->second->hasUploader) return conflictUploader();
        st = it->second;  // a downloader is waiting for us
        st->hasUploader = true;
        st->uploaderMark = impl_->nextMark++;
        if (st->readerWaiting) {
          st->readerWaiting = false;
          wakeReader = true;
        }
      }
    }
    if (!st) {
      st = std::make_shared<StreamState>(fileId);
      st->hasUploader = true;
      st->uploaderMark = impl_->nextMark++;
      st->writerDeadline = impl_->deadlineFromNow();
      impl_->streams.insert_or_assign(fileId, st);
    }
  }
  if (wakeReader) st->toReader.notify();
  return std::unique_ptr<DataWriter>(std::make_unique<StreamWriter>(impl_, st));
}

asio::awaitable<Result<std::unique_ptr<DataReader>>> StreamRegistry::attachDownloader(
    const std::string& fileId) {
  auto impl = impl_;  // the registry object may go away while we wait; its internals may not
  std::shared_ptr<StreamState> st;
  bool wakeWriter = false;
  {
    std::lock_guard lk(impl->mu);
    if (impl->stopped) co_return shutdownError();
    auto it = impl->streams.find(fileId);
    if (it != impl->streams.end()) {
      std::lock_guard sl(it->second->mu);
      if (!it->second->closed) {  // a closed entry is stale: replaced below
        if (it->second->hasDownloader) co_return conflictDownloader();
        st = it->second;  // the uploader is waiting for us
        st->hasDownloader = true;
        if (st->writerWaiting) {
          st->writerWaiting = false;
          wakeWriter = true;
        }
      }
    }
    if (!st) {
      st = std::make_shared<StreamState>(fileId);
      st->hasDownloader = true;
      impl->streams.insert_or_assign(fileId, st);
    }
  }
  // From here on the reader's destructor undoes the registration on every path.
  auto reader = std::make_unique<StreamReader>(impl, st);
  if (wakeWriter) st->toWriter.notify();

  const auto deadline = impl->deadlineFromNow();
  for (;;) {
    {
      std::lock_guard lk(st->mu);
      if (st->readerError) co_return Error(*st->readerError);
      if (st->hasUploader) co_return std::unique_ptr<DataReader>(std::move(reader));
      st->readerWaiting = true;
    }
    const auto ec = co_await st->toReader.wait(deadline);
    if (!ec) continue;
    Error err;
    {
      std::lock_guard lk(st->mu);
      st->readerWaiting = false;
      if (st->readerError || st->hasUploader) continue;
      if (ec == asio::error::timed_out) {
        err = Error{
            408, "stream timeout: no uploader came within " + formatSeconds(impl->timeout), {}};
      } else {
        err = opCancelled();
      }
      st->failLocked(err, err);
    }
    co_return err;  // ~StreamReader unregisters
  }
}

bool StreamRegistry::hasUploader(const std::string& fileId) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->streams.find(fileId);
  if (it == impl_->streams.end()) return false;
  std::lock_guard sl(it->second->mu);
  return it->second->hasUploader && !it->second->closed;
}

bool StreamRegistry::cancel(const std::string& fileId, std::string reason) {
  std::shared_ptr<StreamState> st;
  {
    std::lock_guard lk(impl_->mu);
    auto it = impl_->streams.find(fileId);
    if (it == impl_->streams.end()) {
      const auto now = SteadyClock::now();
      impl_->pruneTombstonesLocked(now);
      impl_->tombstones.insert_or_assign(fileId,
                                         Impl::Tombstone{impl_->nextMark++, now, std::move(reason)});
      return false;
    }
    st = std::move(it->second);
    impl_->streams.erase(it);
  }
  {
    std::lock_guard sl(st->mu);
    if (st->closed) return false;
    Error err{404, std::move(reason), {}};
    st->failLocked(err, err);
  }
  st->notifyBoth();
  return true;
}

void StreamRegistry::shutdown() {
  std::vector<std::shared_ptr<StreamState>> all;
  {
    std::lock_guard lk(impl_->mu);
    impl_->stopped = true;
    all.reserve(impl_->streams.size());
    for (auto& [id, st] : impl_->streams) all.push_back(st);
    impl_->streams.clear();
  }
  for (auto& st : all) {
    {
      std::lock_guard sl(st->mu);
      if (st->closed) continue;
      st->failLocked(shutdownError(), shutdownError());
    }
    st->notifyBoth();
  }
}

uint64_t StreamRegistry::mark() const {
  std::lock_guard lk(impl_->mu);
  return impl_->nextMark;
}

std::vector<std::string> StreamRegistry::uploadersOpenedBefore(uint64_t mark) const {
  std::vector<std::string> ids;
  std::lock_guard lk(impl_->mu);
  for (const auto& [id, st] : impl_->streams) {
    std::lock_guard sl(st->mu);
    if (st->hasUploader && !st->closed && st->uploaderMark < mark) ids.push_back(id);
  }
  return ids;
}

size_t StreamRegistry::activeCount() const {
  std::lock_guard lk(impl_->mu);
  return impl_->streams.size();
}

}  // namespace plik
