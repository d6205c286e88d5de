// Unit tests of the stream-mode rendezvous: uploader and downloader coroutines on separate
// strands of a multi-threaded io_context; bytes, errors, timeouts, cancel, shutdown, stress.
#include "data/stream/stream_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/this_coro.hpp>

#include "data/stream/async_signal.hpp"

namespace plik {
namespace {

using namespace std::chrono_literals;

constexpr auto kGenerous = 5s;  // upper bound for "promptly"; never a pass/fail on speed

// What one side saw (default-constructible, as co_spawn + use_future require).
struct Outcome {
  std::optional<Error> error;
  std::vector<char> bytes;  // downloader: bytes received
  uint64_t count = 0;       // bytes written / read
  bool sawEof = false;      // downloader: read() returned 0
};

std::vector<char> randomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<char> v(n);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t x = rng();
    std::memcpy(v.data() + i, &x, 8);
  }
  for (; i < n; ++i) v[i] = static_cast<char>(rng());
  return v;
}

// Writes `data` in random-sized chunks (1..maxChunk) then commits. The writer is owned here.
asio::awaitable<Outcome> uploadAll(std::unique_ptr<DataWriter> w, const std::vector<char>* data,
                                   size_t maxChunk, uint64_t seed) {
  Outcome out;
  std::mt19937_64 rng(seed);
  size_t off = 0;
  while (off < data->size()) {
    const size_t n = std::min(data->size() - off, size_t{1} + rng() % maxChunk);
    auto s = co_await w->write(std::span<const char>(data->data() + off, n));
    if (!s.ok()) {
      out.error = s.error();
      co_return out;
    }
    off += n;
    out.count = off;
  }
  auto c = co_await w->commit();
  if (!c.ok()) out.error = c.error();
  co_return out;
}

asio::awaitable<Outcome> openAndUpload(StreamRegistry* reg, std::string id,
                                       const std::vector<char>* data, size_t maxChunk,
                                       uint64_t seed) {
  auto w = reg->openUploader(id);
  if (!w.ok()) {
    Outcome out;
    out.error = w.error();
    co_return out;
  }
  co_return co_await uploadAll(std::move(w.value()), data, maxChunk, seed);
}

// Writes the same chunk until a write fails (for cancel/disconnect tests).
asio::awaitable<Outcome> uploadForever(std::unique_ptr<DataWriter> w, size_t chunk) {
  Outcome out;
  std::vector<char> buf(chunk, 'x');
  for (;;) {
    auto s = co_await w->write(buf);
    if (!s.ok()) {
      out.error = s.error();
      co_return out;
    }
    out.count += chunk;
  }
}

// Attaches and reads until EOF/error, or until `stopAfter` bytes (then drops the reader).
asio::awaitable<Outcome> downloadAll(StreamRegistry* reg, std::string id, size_t bufSize,
                                     uint64_t stopAfter = std::numeric_limits<uint64_t>::max(),
                                     std::atomic<uint64_t>* progress = nullptr,
                                     bool keepBytes = true) {
  Outcome out;
  auto r = co_await reg->attachDownloader(id);
  if (!r.ok()) {
    out.error = r.error();
    co_return out;
  }
  std::vector<char> buf(bufSize);
  while (out.count < stopAfter) {
    auto n = co_await r.value()->read(buf);
    if (!n.ok()) {
      out.error = n.error();
      co_return out;
    }
    if (n.value() == 0) {
      out.sawEof = true;
      co_return out;
    }
    if (keepBytes) out.bytes.insert(out.bytes.end(), buf.begin(), buf.begin() + n.value());
    out.count += n.value();
    if (progress) progress->store(out.count);
  }
  co_return out;  // reader destroyed here, before EOF
}

class StreamRegistryTest : public ::testing::Test {
 protected:
  static constexpr int kThreads = 4;

  void SetUp() override {
    for (int i = 0; i < kThreads; ++i) {
      threads_.emplace_back([this] {
        io_.run();
        running_.fetch_sub(1);
      });
    }
  }

  // Every test ends with no suspended waiter: waiters hold tracked work, so a leaked wait
  // would keep io_context::run() from returning.
  void TearDown() override {
    work_.reset();
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (running_.load() > 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(1ms);
    }
    if (running_.load() > 0) {
      ADD_FAILURE() << "io_context did not drain: a coroutine is still suspended";
      io_.stop();
    }
    for (auto& t : threads_) t.join();
  }

  // Runs `aw` on a fresh strand (its own "connection").
  template <class T>
  std::future<T> spawn(asio::awaitable<T> aw) {
    return asio::co_spawn(asio::make_strand(io_), std::move(aw), asio::use_future);
  }

  template <class T>
  static T get(std::future<T>& f, std::chrono::seconds limit = 30s) {
    if (f.wait_for(limit) != std::future_status::ready) {
      ADD_FAILURE() << "operation did not finish within " << limit.count() << "s";
      std::abort();  // cannot continue safely with a live coroutine referencing the test
    }
    return f.get();
  }

  static void waitUntil(const std::function<bool()>& pred) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!pred()) {
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "condition never became true";
      std::this_thread::sleep_for(1ms);
    }
  }

  asio::io_context io_{kThreads};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::atomic<int> running_{kThreads};
  std::vector<std::thread> threads_;
};

TEST_F(StreamRegistryTest, HappyPathMultiMegabyteCopiesEveryByte) {
  StreamRegistry reg(30s);
  // (uploader max chunk, downloader buffer): reader smaller, larger and equal to the chunks.
  const std::vector<std::pair<size_t, size_t>> shapes = {
      {256 * 1024, 64 * 1024}, {16 * 1024, 256 * 1024}, {128 * 1024, 128 * 1024}, {7, 1}};
  uint64_t seed = 1;
  for (auto [chunk, buf] : shapes) {
    const size_t size = chunk == 7 ? 100'000 : 6 * 1024 * 1024 + 12345;
    const auto data = randomBytes(size, seed++);
    const std::string id = "happy" + std::to_string(seed);
    auto up = spawn(openAndUpload(&reg, id, &data, chunk, seed));
    auto down = spawn(downloadAll(&reg, id, buf));
    auto u = get(up);
    auto d = get(down);
    ASSERT_FALSE(u.error) << u.error->message;
    ASSERT_FALSE(d.error) << d.error->message;
    EXPECT_TRUE(d.sawEof);
    EXPECT_EQ(u.count, size);
    ASSERT_EQ(d.bytes.size(), size);
    EXPECT_TRUE(d.bytes == data) << "payload differs (chunk " << chunk << ", buf " << buf << ")";
  }
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, EmptyStreamEndsCleanly) {
  StreamRegistry reg(30s);
  const std::vector<char> empty;
  auto up = spawn(openAndUpload(&reg, "empty", &empty, 10, 1));
  auto down = spawn(downloadAll(&reg, "empty", 1024));
  auto u = get(up);
  auto d = get(down);
  EXPECT_FALSE(u.error);
  EXPECT_FALSE(d.error);
  EXPECT_TRUE(d.sawEof);
  EXPECT_TRUE(d.bytes.empty());
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, DownloaderFirstThenUploader) {
  StreamRegistry reg(0ms);  // wait forever
  const auto data = randomBytes(3 * 1024 * 1024, 42);
  auto down = spawn(downloadAll(&reg, "dfirst", 32 * 1024));
  waitUntil([&] { return reg.activeCount() == 1; });
  EXPECT_FALSE(reg.hasUploader("dfirst"));
  std::this_thread::sleep_for(50ms);  // the downloader is really waiting
  auto up = spawn(openAndUpload(&reg, "dfirst", &data, 100 * 1024, 7));
  auto u = get(up);
  auto d = get(down);
  ASSERT_FALSE(u.error) << u.error->message;
  ASSERT_FALSE(d.error) << d.error->message;
  EXPECT_TRUE(d.bytes == data);
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, UploaderFirstThenDownloader) {
  StreamRegistry reg(30s);
  const auto data = randomBytes(2 * 1024 * 1024 + 3, 43);
  auto w = reg.openUploader("ufirst");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(reg.hasUploader("ufirst"));
  EXPECT_EQ(reg.activeCount(), 1u);
  auto up = spawn(uploadAll(std::move(w.value()), &data, 300 * 1024, 9));
  std::this_thread::sleep_for(50ms);  // the uploader is blocked in its first write()
  EXPECT_EQ(up.wait_for(0s), std::future_status::timeout);
  EXPECT_TRUE(reg.hasUploader("ufirst"));
  auto down = spawn(downloadAll(&reg, "ufirst", 64 * 1024));
  auto u = get(up);
  auto d = get(down);
  ASSERT_FALSE(u.error) << u.error->message;
  ASSERT_FALSE(d.error) << d.error->message;
  EXPECT_TRUE(d.bytes == data);
  EXPECT_FALSE(reg.hasUploader("ufirst"));
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, UploaderTimesOutWithoutDownloader) {
  StreamRegistry reg(100ms);
  const auto data = randomBytes(1000, 1);
  auto up = spawn(openAndUpload(&reg, "lonelyup", &data, 100, 1));
  auto u = get(up, 5s);
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->status, 408);
  EXPECT_EQ(u.error->message, "stream timeout: no downloader came within 0.1s");
  EXPECT_FALSE(reg.hasUploader("lonelyup"));
  EXPECT_EQ(reg.activeCount(), 0u);

  // commit() with nothing written also waits for a downloader, and times out.
  const std::vector<char> empty;
  auto up2 = spawn(openAndUpload(&reg, "lonelyup2", &empty, 100, 1));
  auto u2 = get(up2, 5s);
  ASSERT_TRUE(u2.error);
  EXPECT_EQ(u2.error->status, 408);

  // The id is free again: a new uploader/downloader pair works.
  auto up3 = spawn(openAndUpload(&reg, "lonelyup", &data, 100, 1));
  auto down3 = spawn(downloadAll(&reg, "lonelyup", 64));
  EXPECT_FALSE(get(up3).error);
  EXPECT_TRUE(get(down3).bytes == data);
}

TEST_F(StreamRegistryTest, DownloaderTimesOutWithoutUploader) {
  StreamRegistry reg(100ms);
  auto down = spawn(downloadAll(&reg, "lonelydown", 64));
  auto d = get(down, 5s);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->status, 408);
  EXPECT_EQ(d.error->message, "stream timeout: no uploader came within 0.1s");
  EXPECT_EQ(reg.activeCount(), 0u);
  // A new downloader may wait again afterwards (no stale 409).
  auto down2 = spawn(downloadAll(&reg, "lonelydown", 64));
  EXPECT_EQ(get(down2, 5s).error->status, 408);
}

TEST_F(StreamRegistryTest, UploaderAbortFailsTheDownloader) {
  StreamRegistry reg(30s);
  for (int variant = 0; variant < 2; ++variant) {
    const std::string id = "abort" + std::to_string(variant);
    auto w = reg.openUploader(id);
    ASSERT_TRUE(w.ok());
    std::atomic<uint64_t> progress{0};
    auto down = spawn(downloadAll(&reg, id, 4096, std::numeric_limits<uint64_t>::max(), &progress));
    auto up = spawn([](std::unique_ptr<DataWriter> w, int variant) -> asio::awaitable<Outcome> {
      std::vector<char> buf(10000, 'a');
      Outcome out;
      for (int i = 0; i < 5; ++i) {
        auto s = co_await w->write(buf);
        if (!s.ok()) out.error = s.error();
      }
      if (variant == 0) co_await w->abort();
      co_return out;  // variant 1: the writer is destroyed without commit
    }(std::move(w.value()), variant));
    auto u = get(up);
    EXPECT_FALSE(u.error);
    auto d = get(down, kGenerous);
    ASSERT_TRUE(d.error) << "downloader saw a clean end after an abort";
    EXPECT_FALSE(d.sawEof);
    EXPECT_EQ(d.error->message, "uploader aborted the stream");
    EXPECT_EQ(d.count, 50000u);  // everything written before the abort was delivered
  }
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, DownloaderGoneFailsTheUploaderPromptly) {
  StreamRegistry reg(30s);
  auto w = reg.openUploader("gone");
  ASSERT_TRUE(w.ok());
  auto up = spawn(uploadForever(std::move(w.value()), 64 * 1024));
  // Reads 1 MiB then drops the reader while the uploader is blocked in write().
  auto down = spawn(downloadAll(&reg, "gone", 16 * 1024, 1024 * 1024));
  auto d = get(down);
  EXPECT_FALSE(d.error);
  EXPECT_FALSE(d.sawEof);
  auto u = get(up, kGenerous);
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->status, 500);
  EXPECT_EQ(u.error->message, "downloader disconnected");
  EXPECT_FALSE(reg.hasUploader("gone"));
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, DownloaderGoneBeforeCommitFailsTheCommit) {
  StreamRegistry reg(30s);
  const auto data = randomBytes(1000, 5);
  auto w = reg.openUploader("gone2");
  ASSERT_TRUE(w.ok());
  DataWriter* writer = w.value().get();
  // The downloader takes exactly the 1000 bytes, then leaves before the uploader commits.
  auto down = spawn(downloadAll(&reg, "gone2", 4096, 1000));
  auto wrote = spawn([](DataWriter* w, const std::vector<char>* d) -> asio::awaitable<Status> {
    co_return co_await w->write(*d);
  }(writer, &data));
  EXPECT_TRUE(get(wrote).ok());
  auto d = get(down);
  EXPECT_FALSE(d.error);
  EXPECT_TRUE(d.bytes == data);
  auto committed = spawn([](DataWriter* w) -> asio::awaitable<Status> {
    auto r = co_await w->commit();
    if (!r.ok()) co_return Status(r.error());
    co_return Status{};
  }(writer));
  auto c = get(committed, kGenerous);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "downloader disconnected");
  w.value().reset();
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, SecondDownloaderGets409) {
  StreamRegistry reg(30s);
  // While the first downloader waits for the uploader.
  std::atomic<uint64_t> progress{0};
  auto first =
      spawn(downloadAll(&reg, "dup", 1024, std::numeric_limits<uint64_t>::max(), &progress, false));
  waitUntil([&] { return reg.activeCount() == 1; });
  auto second = spawn(downloadAll(&reg, "dup", 1024));
  auto s = get(second);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->status, 409);
  EXPECT_EQ(s.error->message, "stream is already being downloaded");

  // While the first downloader is transferring.
  auto w = reg.openUploader("dup");
  ASSERT_TRUE(w.ok());
  auto up = spawn(uploadForever(std::move(w.value()), 10'000));
  waitUntil([&] { return progress.load() > 100'000; });
  auto third = spawn(downloadAll(&reg, "dup", 1024));
  auto t = get(third);
  ASSERT_TRUE(t.error);
  EXPECT_EQ(t.error->status, 409);
  // The rejected downloaders did not disturb the transfer.
  EXPECT_TRUE(reg.cancel("dup"));
  EXPECT_EQ(get(up, kGenerous).error->status, 404);
  EXPECT_EQ(get(first, kGenerous).error->status, 404);
}

TEST_F(StreamRegistryTest, SecondUploaderGets409) {
  StreamRegistry reg(30s);
  auto w1 = reg.openUploader("dupup");
  ASSERT_TRUE(w1.ok());
  auto w2 = reg.openUploader("dupup");
  ASSERT_FALSE(w2.ok());
  EXPECT_EQ(w2.error().status, 409);
  // Once the first one is gone, the id can be used again.
  w1.value().reset();
  EXPECT_FALSE(reg.hasUploader("dupup"));
  auto w3 = reg.openUploader("dupup");
  EXPECT_TRUE(w3.ok());
}

TEST_F(StreamRegistryTest, CancelWhileWaitingReleasesBothSides) {
  StreamRegistry reg(0ms);
  // A waiting uploader.
  auto w = reg.openUploader("cw-up");
  ASSERT_TRUE(w.ok());
  auto up = spawn(uploadForever(std::move(w.value()), 1024));
  // A waiting downloader.
  auto down = spawn(downloadAll(&reg, "cw-down", 1024));
  waitUntil([&] { return reg.activeCount() == 2; });
  std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(reg.cancel("cw-up"));
  EXPECT_TRUE(reg.cancel("cw-down", "file removed"));
  EXPECT_FALSE(reg.cancel("nothing"));
  auto u = get(up, kGenerous);
  auto d = get(down, kGenerous);
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->status, 404);
  EXPECT_EQ(u.error->message, "stream cancelled");
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->status, 404);
  EXPECT_EQ(d.error->message, "file removed");
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, CancelWhileTransferringReleasesBothSides) {
  StreamRegistry reg(30s);
  auto w = reg.openUploader("ct");
  ASSERT_TRUE(w.ok());
  std::atomic<uint64_t> progress{0};
  auto up = spawn(uploadForever(std::move(w.value()), 64 * 1024));
  auto down = spawn(downloadAll(&reg, "ct", 32 * 1024, std::numeric_limits<uint64_t>::max(),
                                &progress, /*keepBytes=*/false));
  waitUntil([&] { return progress.load() > 2 * 1024 * 1024; });
  EXPECT_TRUE(reg.hasUploader("ct"));
  EXPECT_TRUE(reg.cancel("ct"));
  auto u = get(up, kGenerous);
  auto d = get(down, kGenerous);
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->status, 404);
  ASSERT_TRUE(d.error) << "downloader saw a clean end after cancel";
  EXPECT_EQ(d.error->status, 404);
  EXPECT_FALSE(reg.hasUploader("ct"));
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, ShutdownEndsEverythingAndRefusesNewStreams) {
  StreamRegistry reg(0ms);
  auto w1 = reg.openUploader("s-wait");
  ASSERT_TRUE(w1.ok());
  auto waitingUp = spawn(uploadForever(std::move(w1.value()), 1024));
  auto waitingDown = spawn(downloadAll(&reg, "s-down", 1024));
  auto w2 = reg.openUploader("s-run");
  ASSERT_TRUE(w2.ok());
  std::atomic<uint64_t> progress{0};
  auto runUp = spawn(uploadForever(std::move(w2.value()), 8 * 1024));
  auto runDown = spawn(
      downloadAll(&reg, "s-run", 8 * 1024, std::numeric_limits<uint64_t>::max(), &progress, false));
  waitUntil([&] { return progress.load() > 256 * 1024 && reg.activeCount() == 3; });
  reg.shutdown();
  for (auto* f : {&waitingUp, &waitingDown, &runUp, &runDown}) {
    auto o = get(*f, kGenerous);
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->status, 503);
  }
  EXPECT_EQ(reg.activeCount(), 0u);
  auto late = reg.openUploader("late");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().status, 503);
  auto lateDown = spawn(downloadAll(&reg, "late", 16));
  EXPECT_EQ(get(lateDown, kGenerous).error->status, 503);
}

TEST_F(StreamRegistryTest, DestroyingTheRegistryReleasesWaiters) {
  std::future<Outcome> down;
  std::future<Outcome> up;
  {
    StreamRegistry reg(0ms);
    auto w = reg.openUploader("dtor-up");
    ASSERT_TRUE(w.ok());
    up = spawn(uploadForever(std::move(w.value()), 1024));
    down = spawn(downloadAll(&reg, "dtor-down", 16));
    waitUntil([&] { return reg.activeCount() == 2; });
  }
  EXPECT_EQ(get(up, kGenerous).error->status, 503);
  EXPECT_EQ(get(down, kGenerous).error->status, 503);
}

TEST_F(StreamRegistryTest, AsioCancellationOfAWaitingDownloader) {
  StreamRegistry reg(0ms);
  auto strand = asio::make_strand(io_);
  asio::cancellation_signal sig;
  auto down = asio::co_spawn(strand, downloadAll(&reg, "asio-cancel", 16),
                             asio::bind_cancellation_slot(sig.slot(), asio::use_future));
  waitUntil([&] { return reg.activeCount() == 1; });
  asio::post(strand, [&] { sig.emit(asio::cancellation_type::terminal); });
  auto d = get(down, kGenerous);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->message, "stream operation cancelled");
  EXPECT_EQ(reg.activeCount(), 0u);
}

TEST_F(StreamRegistryTest, StressThousandConcurrentStreams) {
  StreamRegistry reg(60s);
  constexpr int kStreams = 1000;
  std::vector<std::vector<char>> payloads;
  payloads.reserve(kStreams);
  for (int i = 0; i < kStreams; ++i)
    payloads.push_back(randomBytes(8 * 1024 + (i * 997) % 40000, i));
  std::vector<std::future<Outcome>> ups, downs;
  for (int i = 0; i < kStreams; ++i) {
    const std::string id = "stress" + std::to_string(i);
    const size_t chunk = 512 + (i * 131) % 20000;
    const size_t buf = 256 + (i * 71) % 30000;
    if (i % 2 == 0) {
      ups.push_back(spawn(openAndUpload(&reg, id, &payloads[i], chunk, i)));
      downs.push_back(spawn(downloadAll(&reg, id, buf)));
    } else {
      downs.push_back(spawn(downloadAll(&reg, id, buf)));
      ups.push_back(spawn(openAndUpload(&reg, id, &payloads[i], chunk, i)));
    }
  }
  int ok = 0;
  for (int i = 0; i < kStreams; ++i) {
    auto u = get(ups[i], 120s);
    auto d = get(downs[i], 120s);
    EXPECT_FALSE(u.error) << i << ": " << u.error->message;
    EXPECT_FALSE(d.error) << i << ": " << d.error->message;
    if (!u.error && !d.error && d.sawEof && d.bytes == payloads[i]) ++ok;
  }
  EXPECT_EQ(ok, kStreams);
  EXPECT_EQ(reg.activeCount(), 0u);
}

// The primitive on its own: notify before wait is remembered; a deadline fires; a notify from
// another thread resumes the waiter on its own strand.
TEST_F(StreamRegistryTest, AsyncSignalBasics) {
  AsyncSignal sig;
  sig.notify();
  auto strand = asio::make_strand(io_);
  auto f = asio::co_spawn(
      strand,
      [&]() -> asio::awaitable<std::vector<boost::system::error_code>> {
        std::vector<boost::system::error_code> got;
        got.push_back(co_await sig.wait());  // pending notification
        got.push_back(co_await sig.wait(std::chrono::steady_clock::now() + 50ms));  // times out
        auto ex = co_await asio::this_coro::executor;
        std::thread([&sig] {
          std::this_thread::sleep_for(20ms);
          sig.notify();
        }).detach();
        got.push_back(co_await sig.wait(std::chrono::steady_clock::now() + 10s));
        EXPECT_TRUE(strand.running_in_this_thread());
        (void)ex;
        co_return got;
      },
      asio::use_future);
  auto got = get(f, kGenerous);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(got[0]);
  EXPECT_EQ(got[1], asio::error::timed_out);
  EXPECT_FALSE(got[2]);
}

}  // namespace
}  // namespace plik

// ---- zero-copy hand-off (writeFromFd / acceptFds / readStep / fdDone) ----------------------

namespace plik {
namespace {

// Reader that accepts descriptors: copies spans, and for an fd step reads the bytes from the fd
// itself (blocking read: a socketpair in the test) — or, with holdFd, keeps it until
// interrupted and then reports a failure.
asio::awaitable<Outcome> downloadSteps(StreamRegistry* reg, std::string id,
                                       std::atomic<int>* interrupts, bool holdFd) {
  Outcome out;
  auto r = co_await reg->attachDownloader(id);
  if (!r.ok()) {
    out.error = r.error();
    co_return out;
  }
  auto& reader = *r.value();
  reader.acceptFds([interrupts] { interrupts->fetch_add(1); });
  std::vector<char> buf(64 * 1024);
  for (;;) {
    auto step = co_await reader.readStep(buf);
    if (!step.ok()) {
      out.error = step.error();
      co_return out;
    }
    if (step->fd >= 0) {
      if (holdFd) {
        asio::steady_timer t(co_await asio::this_coro::executor);
        while (interrupts->load() == 0) {
          t.expires_after(1ms);
          co_await t.async_wait(asio::use_awaitable);
        }
        ::close(step->fd);
        reader.fdDone(Status(Error{499, "stream relay interrupted", {}}), false);
        continue;
      }
      int64_t left = step->fdBytes;
      while (left > 0) {
        ssize_t n = ::read(step->fd, buf.data(), std::min<int64_t>(left, static_cast<int64_t>(buf.size())));
        if (n <= 0) break;
        out.bytes.insert(out.bytes.end(), buf.begin(), buf.begin() + n);
        left -= n;
      }
      ::close(step->fd);
      reader.fdDone(left == 0 ? Status{} : Status(Error{499, "short", {}}), left != 0);
      continue;
    }
    if (step->copied == 0) {
      out.sawEof = true;
      co_return out;
    }
    out.bytes.insert(out.bytes.end(), buf.begin(), buf.begin() + step->copied);
  }
}

// Uploader: "head" as a span, then `fdBytes` from fd (zero-copy), then "tail" and commit
// (withTail); `offered` is set once the span was taken.
asio::awaitable<Outcome> uploadViaFd(DataWriter* writer, int fd, int64_t fdBytes, bool withTail,
                                     std::atomic<bool>* offered) {
  Outcome out;
  auto s = co_await writer->write(std::span<const char>("head", 4));
  offered->store(true);
  if (s.ok() && !writer->canWriteFromFd()) s = Error::internal("reader cannot splice");
  if (s.ok()) s = co_await writer->writeFromFd(fd, fdBytes);
  if (s.ok() && withTail) {
    s = co_await writer->write(std::span<const char>("tail", 4));
    if (s.ok()) {
      auto c = co_await writer->commit();
      if (!c.ok()) s = c.error();
    }
  }
  if (!s.ok()) out.error = s.error();
  co_return out;
}

TEST_F(StreamRegistryTest, FdHandOffDeliversTheSocketRangeInOrder) {
  StreamRegistry reg(30s);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  const auto middle = randomBytes(300 * 1024, 77);
  std::thread feeder([&] { (void)!::write(sv[0], middle.data(), middle.size()); });
  std::atomic<int> interrupts{0};
  auto down = spawn(downloadSteps(&reg, "fd", &interrupts, false));
  auto w = reg.openUploader("fd");
  ASSERT_TRUE(w.ok());
  auto writer = std::move(w.value());
  std::atomic<bool> offered{false};
  auto up = spawn(uploadViaFd(writer.get(), sv[1], static_cast<int64_t>(middle.size()), true, &offered));
  auto u = get(up);
  auto d = get(down);
  feeder.join();
  EXPECT_FALSE(u.error) << u.error->message;
  EXPECT_FALSE(d.error) << d.error->message;
  EXPECT_TRUE(d.sawEof);
  std::string expect = "head" + std::string(middle.begin(), middle.end()) + "tail";
  EXPECT_TRUE(std::string(d.bytes.begin(), d.bytes.end()) == expect);
  EXPECT_EQ(interrupts.load(), 0);
  writer.reset();
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST_F(StreamRegistryTest, CancelDuringFdHandOffInterruptsTheReaderAndWaitsForIt) {
  StreamRegistry reg(30s);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::atomic<int> interrupts{0};
  auto down = spawn(downloadSteps(&reg, "fdc", &interrupts, true));
  auto w = reg.openUploader("fdc");
  ASSERT_TRUE(w.ok());
  auto writer = std::move(w.value());
  std::atomic<bool> offered{false};
  auto up = spawn(uploadViaFd(writer.get(), sv[1], 1 << 20, false, &offered));
  waitUntil([&] { return offered.load(); });
  std::this_thread::sleep_for(50ms);  // let the reader take the descriptor
  EXPECT_TRUE(reg.cancel("fdc", "stream cancelled"));
  auto u = get(up, kGenerous);
  auto d = get(down, kGenerous);
  EXPECT_GE(interrupts.load(), 1);
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->status, 404);
  EXPECT_EQ(u.error->message, "stream cancelled");
  ASSERT_TRUE(d.error);
  EXPECT_EQ(reg.activeCount(), 0u);
  writer.reset();
  ::close(sv[0]);
  ::close(sv[1]);
}

}  // namespace
}  // namespace plik

namespace plik {
namespace {

// A cancel that lands after an uploader claimed the file but before it registered is not
// lost; an uploader that began after the cancel (a retry) is not affected.
TEST_F(StreamRegistryTest, CancelBeforeRegistrationFailsOnlyEarlierUploaders) {
  StreamRegistry reg(30s);
  const uint64_t before = reg.mark();
  EXPECT_FALSE(reg.cancel("late", "stream cancelled"));  // nothing registered yet
  const uint64_t after = reg.mark();
  auto early = reg.openUploader("late", before);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().status, 404);
  EXPECT_EQ(early.error().message, "stream cancelled");
  EXPECT_FALSE(reg.cancel("late2"));
  auto retry = reg.openUploader("late2", after + 1);
  EXPECT_TRUE(retry.ok());
  auto unknown = reg.openUploader("late", before);  // the remembered cancel was used up
  EXPECT_TRUE(unknown.ok());
}

}  // namespace
}  // namespace plik
