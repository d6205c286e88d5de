// ParallelMd5: EVP MD5 context and a copy of the chunk shared with one pool job at a time,
// completion signalled to the upload's coroutine through an AsyncSignal.
#include "server/parallel_md5.hpp"

#include <openssl/evp.h>

#include <boost/asio/post.hpp>
#include <cstring>

#include "data/stream/async_signal.hpp"

namespace plik {

namespace {
// Below this size a pool round trip costs more than the hash itself.
constexpr size_t kParallelMin = 32 * 1024;
}  // namespace

struct ParallelMd5::State {
  State() : ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx, EVP_md5(), nullptr); }
  ~State() { EVP_MD_CTX_free(ctx); }
  EVP_MD_CTX* ctx;
  std::unique_ptr<char[]> copy;  // the chunk being hashed in the background
  size_t copyCap = 0;
  AsyncSignal done;
};

// The state is created on first use: a stream (never hashed) costs nothing.
ParallelMd5::ParallelMd5(boost::asio::thread_pool& pool) : pool_(pool) {}

ParallelMd5::~ParallelMd5() = default;

boost::asio::awaitable<void> ParallelMd5::update(std::span<const char> bytes) {
  co_await finish();  // the copy and the context belong to the previous job until it ends
  if (!state_) state_ = std::make_shared<State>();
  if (bytes.size() < kParallelMin) {
    EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size());
    co_return;
  }
  auto& st = *state_;
  if (st.copyCap < bytes.size()) {
    st.copy.reset(new char[bytes.size()]);
    st.copyCap = bytes.size();
  }
  std::memcpy(st.copy.get(), bytes.data(), bytes.size());
  inFlight_ = true;
  auto shared = state_;
  const size_t n = bytes.size();
  boost::asio::post(pool_, [shared, n] {
    EVP_DigestUpdate(shared->ctx, shared->copy.get(), n);
    shared->done.notify();
  });
}

boost::asio::awaitable<void> ParallelMd5::finish() {
  if (!inFlight_) co_return;
  inFlight_ = false;
  (void)co_await state_->done.wait();
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
