// Unit tests of ParallelMd5: the digest equals a one-shot MD5 of the same bytes for any chunking
// (inline small chunks, pooled big ones), and the caller's buffer is free again as soon as
// update() returns (it is overwritten at once here, before the background hash has run).
#include "server/parallel_md5.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <random>
#include <string>
#include <vector>

#include "unit/data/run_sync.hpp"

namespace plik {
namespace {

namespace asio = boost::asio;
using plik::testing::runSync;

std::string oneShotMd5(const std::string& bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &n, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += kHex[out[i] >> 4];
    s += kHex[out[i] & 15];
  }
  return s;
}

// Hashes `data` in chunks of the given sizes through ParallelMd5, reusing one scratch buffer
// that is scribbled over right after each update().
asio::awaitable<std::string> hashInChunks(asio::thread_pool& pool, const std::string& data,
                                          std::vector<size_t> sizes) {
  ParallelMd5 md5(pool);
  std::string scratch;
  size_t pos = 0, i = 0;
  while (pos < data.size()) {
    size_t n = std::min(sizes[i++ % sizes.size()], data.size() - pos);
    scratch.assign(data, pos, n);
    co_await md5.update(std::span<const char>(scratch.data(), scratch.size()));
    std::fill(scratch.begin(), scratch.end(), '\xAA');  // the caller moves on at once
    pos += n;
  }
  co_await md5.finish();
  co_return md5.hex();
}

std::string randomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(ParallelMd5, MatchesOneShotForEveryChunking) {
  asio::thread_pool pool(2);
  asio::io_context io;
  const std::string data = randomBytes(3 * 1024 * 1024 + 17, 7);
  const std::string want = oneShotMd5(data);
  const std::vector<std::vector<size_t>> chunkings = {
      {1024 * 1024}, {100}, {70000, 5, 40000, 33000}, {32 * 1024 - 1, 32 * 1024}, {3 << 20}};
  for (const auto& sizes : chunkings)
    EXPECT_EQ(runSync(io, hashInChunks(pool, data, sizes)), want) << "chunk " << sizes[0];
}

TEST(ParallelMd5, RandomChunkSizesKeepTheirOrder) {
  asio::thread_pool pool(3);
  asio::io_context io;
  const std::string data = randomBytes(8 * 1024 * 1024, 11);
  std::mt19937 rng(5);
  std::vector<size_t> sizes;
  for (int i = 0; i < 200; ++i) sizes.push_back(1 + rng() % 150000);  // inline and queued mixed
  EXPECT_EQ(runSync(io, hashInChunks(pool, data, sizes)), oneShotMd5(data));
}

TEST(ParallelMd5, EmptyInputIsTheEmptyDigest) {
  asio::thread_pool pool(1);
  asio::io_context io;
  EXPECT_EQ(runSync(io, hashInChunks(pool, "", {10})), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(ParallelMd5, DestroyedWithAChunkInFlightIsSafe) {
  asio::thread_pool pool(1);
  asio::io_context io;
  const std::string data = randomBytes(4 * 1024 * 1024, 3);
  auto startAndDrop = [&]() -> asio::awaitable<int> {
    ParallelMd5 md5(pool);
    co_await md5.update(std::span<const char>(data.data(), data.size()));
    co_return 1;  // md5 destroyed while the pool may still hash
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(runSync(io, startAndDrop()), 1);
  pool.join();
}

}  // namespace
}  // namespace plik
