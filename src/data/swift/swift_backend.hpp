// OpenStack Swift data backend (Plik's "swift"): one object per Plik file, named
// `<uploadId>.<fileId>` like Plik's Go backend, in one container (created when missing).
// Auth: tempauth/swauth v1 (AuthUrl ending in v1.0 or containing /auth/v1) or Keystone v3
// password auth (AuthUrl containing /v3); the token is cached, renewed before it expires and
// once more on a 401.
//
// Byte paths: an upload is one PUT with Transfer-Encoding: chunked, each write() sent straight
// through as one chunk (nothing buffered beyond the caller's span; the caller awaiting each
// write is the backpressure); a download is one GET with a Range header, streamed. Any object
// store failure is an Error with status 500 (detail = what Swift said), so the file is never
// marked uploaded. Swift refuses objects above its max_file_size (5 GiB by default): a file
// that outgrows SegmentSize (1 GiB) becomes a Static Large Object (segments in
// `<container>_segments`, manifest under the object's name; commit() then returns
// kSloDetails as the file's backend details, which remove() uses to delete the segments too).
//
// Threading: coroutines run on the caller's executor; the shared auth state is guarded by a
// mutex held only for copies (never across co_await), so one backend serves all threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "data/data_backend.hpp"
#include "http/outbound.hpp"

namespace plik {

struct SwiftConfig {
  std::string container = "plik";
  std::string authUrl;
  std::string userName;
  std::string apiKey;
  std::string domain;        // Keystone user domain name (ncw/swift's Domain)
  std::string domainId;      // Keystone user domain id
  std::string tenant;        // Keystone project name (Tenant / ProjectName)
  std::string tenantId;      // Keystone project id (TenantId / ProjectID)
  std::string tenantDomain;  // Keystone project domain name (default: the user's)
  std::string tenantDomainId;
  std::string region;                   // Keystone catalog region ("" = any)
  std::string endpointType = "public";  // Keystone catalog interface: public, internal, admin
  int authVersion = 0;                  // 1 or 3 forces the auth mode; 0 = from the AuthUrl
  // Files larger than this become Static Large Objects of segments of this size (Swift stores
  // at most 5 GiB per object); 0 = never segment.
  uint64_t segmentSize = uint64_t{1} << 30;
  std::string segmentContainer;  // "" = "<container>_segments"
  http::OutboundTimeouts timeouts{};

  // From Plik's DataBackendConfig keys (case-insensitive). Throws std::invalid_argument when
  // AuthUrl, UserName or ApiKey is missing or the auth mode cannot be told from AuthUrl.
  static SwiftConfig fromMap(const std::map<std::string, std::string>& cfg);
};

class SwiftBackend : public DataBackend {
 public:
  // No I/O here: authentication and the container check happen on first use.
  explicit SwiftBackend(SwiftConfig config);

  asio::awaitable<Result<std::unique_ptr<DataWriter>>> create(const File& file) override;
  asio::awaitable<Result<std::unique_ptr<DataReader>>> open(const File& file, int64_t offset,
                                                            int64_t length) override;
  asio::awaitable<Status> remove(const File& file) override;
  Status removeBlocking(const File& file) override;

  const SwiftConfig& config() const { return config_; }
  // "<uploadId>.<fileId>" (Plik's Go naming).
  static std::string objectName(const File& file);
  // backendDetails of a file stored as a Static Large Object.
  static constexpr const char* kSloDetails = "swift-slo";
  const std::string& segmentContainer() const { return segmentContainer_; }

  // Authenticates now (and creates the container if missing): for start-up checks and tests.
  asio::awaitable<Status> connect();

  // Test hooks: replace the cached token (e.g. with a bogus one to exercise the re-auth on 401),
  // read the current token.
  void setTokenForTesting(std::string token);
  std::string tokenForTesting() const;

  // Internal (used by the reader/writer): one authenticated session snapshot.
  struct Session {
    http::OutboundTarget target;  // the storage URL's host; basePath = "/v1/AUTH_x"
    std::string token;
  };
  // The current session, authenticating first when needed. `staleToken` non-empty: that token
  // was refused (401); authenticate again unless another coroutine already did.
  asio::awaitable<Result<Session>> session(const std::string& staleToken = {});
  // "/v1/AUTH_x/<container>/<object>" percent-encoded ("" object = the container).
  std::string pathOf(const Session& s, const std::string& object) const;
  std::string pathIn(const Session& s, const std::string& container,
                     const std::string& object) const;
  // A small request on `container`/`object` ("" = the container) with the re-auth-once-on-401
  // rule; `query` without '?'.
  asio::awaitable<Result<http::OutboundResponse>> requestIn(
      std::string_view method, const std::string& container, const std::string& object,
      http::HeaderList headers = {}, std::string query = {}, std::string body = {});
  // Connects and sends the head of a chunked PUT of container/object.
  asio::awaitable<Result<std::unique_ptr<http::OutboundExchange>>> startPut(
      asio::any_io_executor executor, const std::string& container, const std::string& object);
  asio::awaitable<Status> ensureSegmentContainer();
  // The current token just served a request / was refused mid-upload (check it next time).
  void markVerified();
  void markUnverified();

 private:
  asio::awaitable<Result<Session>> authenticate();
  asio::awaitable<Result<Session>> authV1();
  asio::awaitable<Result<Session>> authV3();
  std::string keystoneBody() const;
  asio::awaitable<Status> ensureContainer();
  // A small request with the re-auth-once-on-401 rule.
  asio::awaitable<Result<http::OutboundResponse>> request(std::string_view method,
                                                          const std::string& object,
                                                          http::HeaderList headers = {});

  SwiftConfig config_;
  int authVersion_;  // 1 or 3
  std::string segmentContainer_;

  mutable std::mutex mu_;  // guards the fields below; never held across co_await
  bool haveSession_ = false;
  Session session_;
  std::chrono::steady_clock::time_point expires_{};  // renew before this
  bool containerReady_ = false;
  bool segmentContainerReady_ = false;
  std::chrono::steady_clock::time_point verifiedAt_{};  // last request the token served
};

}  // namespace plik
