// ParallelMd5: an EVP MD5 context and two chunk copies (slots) shared with one draining pool
// job; the job hashes queued slots in order and signals the upload's coroutine (AsyncSignal)
// each time a slot frees, so the hash never waits for the coroutine between two chunks.
#include "server/parallel_md5.hpp"

#include <openssl/evp.h>

#include <array>
#include <boost/asio/post.hpp>
#include <cstring>
#include <mutex>

#include "data/stream/async_signal.hpp"

namespace plik {

namespace {
// Below this size a pool round trip costs more than the hash itself (when nothing is queued).
constexpr size_t kParallelMin = 32 * 1024;
constexpr int kSlots = 2;  // one chunk being hashed, one copied and queued behind it
}  // namespace

struct ParallelMd5::State {
  State() : ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx, EVP_md5(), nullptr); }
  ~State() { EVP_MD_CTX_free(ctx); }
  struct Slot {
    std::unique_ptr<char[]> bytes;
    size_t cap = 0, len = 0;
  };
  EVP_MD_CTX* ctx;  // touched by the draining job, or by the coroutine when nothing is queued
  std::array<Slot, kSlots> slots;
  std::mutex mu;      // guards first, queued, draining
  int first = 0;      // the oldest queued slot
  int queued = 0;     // slots waiting or being hashed
  bool draining = false;
  AsyncSignal freed;  // a slot became free (or the queue drained)

  // Runs on the pool: hashes queued slots in order until none is left.
  static void drain(const std::shared_ptr<State>& st) {
    for (;;) {
      int i;
      {
        std::lock_guard lk(st->mu);
        if (st->queued == 0) {
          st->draining = false;
          break;
        }
        i = st->first;
      }
      EVP_DigestUpdate(st->ctx, st->slots[i].bytes.get(), st->slots[i].len);
      {
        std::lock_guard lk(st->mu);
        st->first = (st->first + 1) % kSlots;
        --st->queued;
      }
      st->freed.notify();
    }
    st->freed.notify();
  }
};

// The state is created on first use: a stream (never hashed) costs nothing.
ParallelMd5::ParallelMd5(boost::asio::thread_pool& pool) : pool_(pool) {}

ParallelMd5::~ParallelMd5() = default;

boost::asio::awaitable<void> ParallelMd5::update(std::span<const char> bytes) {
  if (!state_) state_ = std::make_shared<State>();
  auto& st = *state_;
  int slot;
  for (;;) {
    {
      std::lock_guard lk(st.mu);
      if (st.queued == 0 && !st.draining && bytes.size() < kParallelMin) {
        EVP_DigestUpdate(st.ctx, bytes.data(), bytes.size());  // nothing ahead of it: inline
        co_return;
      }
      if (st.queued < kSlots) {
        slot = (st.first + st.queued) % kSlots;
        st.freed.reset();
        break;
      }
    }
    (void)co_await st.freed.wait();
  }
  // The slot is ours until it is queued: the job only reads queued slots.
  auto& s = st.slots[slot];
  if (s.cap < bytes.size()) {
    s.bytes.reset(new char[bytes.size()]);
    s.cap = bytes.size();
  }
  std::memcpy(s.bytes.get(), bytes.data(), bytes.size());
  s.len = bytes.size();
  bool start;
  {
    std::lock_guard lk(st.mu);
    ++st.queued;
    start = !st.draining;
    st.draining = true;
  }
  if (start) {
    auto shared = state_;
    boost::asio::post(pool_, [shared] { State::drain(shared); });
  }
}

boost::asio::awaitable<void> ParallelMd5::finish() {
  if (!state_) co_return;
  auto& st = *state_;
  for (;;) {
    {
      std::lock_guard lk(st.mu);
      if (st.queued == 0 && !st.draining) co_return;
      st.freed.reset();
    }
    (void)co_await st.freed.wait();
  }
}

std::string ParallelMd5::hex() {
  if (!state_) state_ = std::make_shared<State>();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(state_->ctx, out, &n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(n * 2);
  for (unsigned i = 0; i < n; ++i) {
    s += kHex[out[i] >> 4];
    s += kHex[out[i] & 15];
  }
  return s;
}

}  // namespace plik
