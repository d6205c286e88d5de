// S3 data backend (Plik's "s3"): one object per Plik file, `<Bucket>/<Prefix>/<fileId>`, spoken
// with our own asynchronous client (http/outbound.hpp) and SigV4 (codec/sigv4.hpp), path-style.
//
// Upload: the writer buffers at most PartSize bytes. A file that fits is sent by commit() as one
// PUT Object; a bigger one (or one of unknown size) becomes a multipart upload whose parts are
// sent one at a time as the buffer fills: write() awaits the part upload, which is the
// backpressure, so memory is bounded by one PartSize buffer per upload. Any failure, abort() or
// destruction without commit() aborts the multipart upload. Bodies are signed with their SHA-256
// (never aws-chunked: Swift's s3api rejects it).
//
// Threading contract: like every DataBackend, coroutines run on the caller's executor; the
// backend object is immutable after construction and may be shared by all threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "data/data_backend.hpp"
#include "http/outbound.hpp"

namespace plik {

struct S3Config {
  std::string endpoint;  // "host:port" (a scheme prefix is accepted and wins over useSsl)
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string bucket = "plik";
  std::string location = "us-east-1";
  std::string prefix;                       // object key = prefix + "/" + file id, if set
  uint64_t partSize = 16ull * 1024 * 1024;  // >= kMinPartSize
  bool useSsl = false;
  std::string sse;  // "", "S3" (AES256 at rest), "SSE-C"
  http::OutboundTimeouts timeouts{};

  static constexpr uint64_t kMinPartSize = 5ull * 1024 * 1024;
  static constexpr uint64_t kMaxParts = 10000;

  // Reads Plik's DataBackendConfig keys (names case-insensitive) and validates them; the error
  // message names the offending key ("invalid s3 data backend config : ...").
  static Result<S3Config> fromMap(const std::map<std::string, std::string>& cfg);
};

class S3Backend : public DataBackend {
 public:
  // No I/O here; `config` must have passed validation (fromMap) or be built by a test.
  // Throws std::invalid_argument for an unusable endpoint.
  explicit S3Backend(S3Config config);
  ~S3Backend() override;

  // Start-up check, like Plik: HEAD bucket, PUT bucket when it is missing. The error names the
  // Endpoint and the bucket.
  asio::awaitable<Status> ensureBucket();
  Status ensureBucketBlocking();

  asio::awaitable<Result<std::unique_ptr<DataWriter>>> create(const File& file) override;
  asio::awaitable<Result<std::unique_ptr<DataReader>>> open(const File& file, int64_t offset,
                                                            int64_t length) override;
  asio::awaitable<Status> remove(const File& file) override;
  Status removeBlocking(const File& file) override;

  std::string objectKey(const File& file) const;
  const S3Config& config() const;

  struct Shared;  // config, target and credentials; outlives the backend in detached aborts

 private:
  std::shared_ptr<const Shared> shared_;
};

// Builds the backend from DataBackendConfig and runs ensureBucketBlocking() (start-up only).
Result<std::unique_ptr<DataBackend>> openS3Backend(const std::map<std::string, std::string>& cfg);

}  // namespace plik
