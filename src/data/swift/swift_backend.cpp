// Swift data backend: auth (v1 / Keystone v3), container check, streamed PUT/GET, DELETE.
// See swift_backend.hpp for the contract.
#include "data/swift/swift_backend.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "codec/http_text.hpp"
#include "data/swift/keystone.hpp"

namespace plik {

namespace {

using http::HeaderList;
using http::OutboundExchange;
using http::OutboundTarget;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kSaveError = "unable to save file";
constexpr const char* kGetError = "unable to get file from data backend";
constexpr const char* kRemoveError = "unable to remove file from data backend";
constexpr const char* kAuthError = "swift authentication failed";
// A token that served a request this recently is trusted for an upload without a check.
constexpr auto kVerifiedFor = std::chrono::seconds(60);
// Renew a token this long before the expiry the auth server announced.
constexpr auto kExpiryMargin = std::chrono::seconds(30);

std::optional<std::string> lookup(const std::map<std::string, std::string>& cfg,
                                  std::string_view key) {
  if (auto it = cfg.find(std::string(key)); it != cfg.end()) return it->second;
  for (const auto& [k, v] : cfg) {
    if (iequals(k, key)) return v;
  }
  return std::nullopt;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Short text of a response body for error details (first line-ish, bounded).
std::string snippet(std::string_view body) {
  std::string s(body.substr(0, 200));
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return s;
}

std::string describe(std::string_view what, int status, std::string_view body) {
  std::string d = "swift: " + std::string(what) + " answered " + std::to_string(status);
  if (!body.empty()) d += ": " + snippet(body);
  return d;
}

Error withMessage(Error e, const char* message) {
  e.message = message;
  e.status = 500;
  return e;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Config

SwiftConfig SwiftConfig::fromMap(const std::map<std::string, std::string>& cfg) {
  SwiftConfig c;
  auto get = [&](std::initializer_list<std::string_view> keys, std::string* out) {
    for (auto key : keys) {
      if (auto v = lookup(cfg, key); v && !v->empty()) {
        *out = *v;
        return;
      }
    }
  };
  get({"Container"}, &c.container);
  get({"AuthUrl"}, &c.authUrl);
  get({"UserName", "User", "Username"}, &c.userName);
  get({"ApiKey", "Password"}, &c.apiKey);
  get({"Domain", "UserDomainName"}, &c.domain);
  get({"DomainId", "UserDomainId"}, &c.domainId);
  get({"Tenant", "ProjectName", "TenantName"}, &c.tenant);
  get({"TenantId", "ProjectId", "ProjectID", "TenantID"}, &c.tenantId);
  get({"TenantDomain", "ProjectDomainName"}, &c.tenantDomain);
  get({"TenantDomainId", "ProjectDomainId"}, &c.tenantDomainId);
  get({"Region", "RegionName"}, &c.region);
  get({"EndpointType", "Interface"}, &c.endpointType);
  get({"SegmentContainer"}, &c.segmentContainer);
  if (auto v = lookup(cfg, "SegmentSize"); v && !v->empty()) {
    try {
      size_t used = 0;
      long long n = std::stoll(*v, &used);
      if (used != v->size() || n < 0) throw std::invalid_argument(*v);
      c.segmentSize = static_cast<uint64_t>(n);
    } catch (const std::exception&) {
      throw std::invalid_argument("swift: invalid SegmentSize " + *v + " (bytes)");
    }
  }
  if (auto v = lookup(cfg, "AuthVersion"); v && !v->empty()) {
    try {
      c.authVersion = std::stoi(*v);
    } catch (const std::exception&) {
      throw std::invalid_argument("swift: invalid AuthVersion " + *v);
    }
  }
  if (c.authUrl.empty()) throw std::invalid_argument("swift: missing AuthUrl");
  if (c.userName.empty()) throw std::invalid_argument("swift: missing UserName");
  if (c.apiKey.empty()) throw std::invalid_argument("swift: missing ApiKey");
  if (c.container.empty()) throw std::invalid_argument("swift: empty Container");
  if (c.container.find('/') != std::string::npos) {
    throw std::invalid_argument("swift: Container must not contain '/'");
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Writer: one chunked PUT.

namespace {

// Writes `object` as one chunked PUT; past `segmentSize` bytes it becomes a Static Large Object:
// the first part (already PUT under the final name) is copied server-side into the segment
// container at commit, later parts are PUT as segments, and commit writes the manifest.
class SwiftWriter : public DataWriter {
 public:
  SwiftWriter(SwiftBackend& backend, std::string object, std::unique_ptr<OutboundExchange> ex,
              asio::any_io_executor executor)
      : backend_(backend),
        object_(std::move(object)),
        ex_(std::move(ex)),
        executor_(std::move(executor)),
        segmentSize_(backend.config().segmentSize) {}

  // An uncommitted exchange is closed: Swift never stores an object whose chunked body did not
  // end with the last chunk. Segments already stored are deleted in the background.
  ~SwiftWriter() override {
    if (ex_) ex_->cancel();
    if (state_ != State::Committed && state_ != State::Aborted && !parts_.empty()) {
      asio::co_spawn(executor_, deleteParts(backend_, object_, parts_), asio::detached);
    }
  }

  asio::awaitable<Status> write(std::span<const char> bytes) override {
    if (state_ != State::Open) {
      co_return Error::internal(kSaveError, "swift: data writer is closed");
    }
    while (!bytes.empty()) {
      if (segmentSize_ > 0 && partBytes_ >= segmentSize_) {
        if (Status st = co_await nextPart(); !st) {
          state_ = State::Failed;
          co_return st;
        }
      }
      size_t n = bytes.size();
      if (segmentSize_ > 0)
        n = static_cast<size_t>(std::min<uint64_t>(n, segmentSize_ - partBytes_));
      Status st = co_await ex_->write(bytes.first(n));
      if (!st) {
        state_ = State::Failed;
        co_return Error::internal(kSaveError,
                                  "swift: PUT " + partLabel() + " failed: " + st.error().detail);
      }
      partBytes_ += n;
      bytes = bytes.subspan(n);
    }
    co_return Status::success();
  }

  asio::awaitable<Result<std::string>> commit() override {
    if (state_ != State::Open) {
      co_return Error::internal(kSaveError, "swift: data writer is closed");
    }
    state_ = State::Failed;  // until proven otherwise
    auto etag = co_await finishPart();
    if (!etag) co_return std::move(etag).error();
    if (parts_.empty()) {
      state_ = State::Committed;
      backend_.markVerified();
      co_return std::string();
    }
    parts_.push_back({partName_, *etag, partBytes_});
    // The first part went to the final name: copy it into the segments, then the manifest
    // replaces it.
    Part& first = parts_.front();
    first.name = segmentName(0);
    HeaderList copy;
    copy.emplace_back("X-Copy-From", "/" + percentEncodeQuery(backend_.config().container) + "/" +
                                         percentEncodeQuery(object_));
    auto copied = co_await backend_.requestIn("PUT", backend_.segmentContainer(), first.name, copy);
    if (!copied) co_return withMessage(std::move(copied).error(), kSaveError);
    if (copied->head.status != 201) {
      co_return Error::internal(kSaveError, describe("copy of the first segment of " + object_,
                                                     copied->head.status, copied->body));
    }
    std::string manifest = "[";
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (i) manifest += ",";
      manifest += "{\"path\":\"" +
                  jsonEscape("/" + backend_.segmentContainer() + "/" + parts_[i].name) +
                  "\",\"size_bytes\":" + std::to_string(parts_[i].size) + "}";
    }
    manifest += "]";
    auto put = co_await backend_.requestIn("PUT", backend_.config().container, object_, {},
                                           "multipart-manifest=put", manifest);
    if (!put) co_return withMessage(std::move(put).error(), kSaveError);
    if (put->head.status != 201) {
      co_return Error::internal(
          kSaveError, describe("PUT manifest of " + object_, put->head.status, put->body));
    }
    state_ = State::Committed;
    co_return std::string(SwiftBackend::kSloDetails);
  }

  asio::awaitable<void> abort() override {
    if (state_ == State::Committed || state_ == State::Aborted) co_return;
    state_ = State::Aborted;
    if (ex_) {
      ex_->cancel();
      ex_.reset();
    }
    std::vector<Part> parts = parts_;
    if (!partName_.empty()) parts.push_back({partName_, "", 0});  // maybe half-written
    co_await deleteParts(backend_, object_, std::move(parts));
  }

 private:
  enum class State { Open, Committed, Aborted, Failed };
  struct Part {
    std::string name;  // in the segment container; "" = the final object name
    std::string etag;
    uint64_t size = 0;
  };

  // Deletes the segments and the object (plain DELETE: no manifest exists yet).
  static asio::awaitable<void> deleteParts(SwiftBackend& backend, std::string object,
                                           std::vector<Part> parts) {
    for (const auto& p : parts) {
      if (!p.name.empty()) {
        (void)co_await backend.requestIn("DELETE", backend.segmentContainer(), p.name);
      }
    }
    (void)co_await backend.requestIn("DELETE", backend.config().container, object);
  }

  static std::string jsonEscape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  }

  std::string partLabel() const { return partName_.empty() ? object_ : partName_; }

  std::string segmentName(size_t index) const {
    char seq[16];
    std::snprintf(seq, sizeof seq, "%08zu", index);
    return object_ + "/" + segmentStamp_ + "/" + seq;
  }

  // Ends the current PUT; its ETag on success.
  asio::awaitable<Result<std::string>> finishPart() {
    const std::string label = partLabel();
    if (Status st = co_await ex_->finish(); !st) {
      co_return Error::internal(kSaveError,
                                "swift: PUT " + label + " failed: " + st.error().detail);
    }
    auto head = co_await ex_->readHead();
    if (!head) {
      co_return Error::internal(kSaveError,
                                "swift: PUT " + label + " got no response: " + head.error().detail);
    }
    auto body = co_await ex_->readAll(64 * 1024);
    ex_->cancel();
    ex_.reset();
    if (head->status != 201) {
      // A 401 here means the token died mid-upload: the next upload checks it first.
      backend_.markUnverified();
      co_return Error::internal(
          kSaveError, describe("PUT " + label, head->status, body ? std::string_view(*body) : ""));
    }
    co_return head->header("Etag");
  }

  // Closes the current part and opens the next segment.
  asio::awaitable<Status> nextPart() {
    auto etag = co_await finishPart();
    if (!etag) co_return std::move(etag).error();
    if (parts_.empty()) {
      segmentStamp_ = std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
      if (Status st = co_await backend_.ensureSegmentContainer(); !st) co_return st;
    }
    parts_.push_back({partName_, *etag, partBytes_});
    partName_ = segmentName(parts_.size());
    partBytes_ = 0;
    auto ex = co_await backend_.startPut(executor_, backend_.segmentContainer(), partName_);
    if (!ex) co_return std::move(ex).error();
    ex_ = std::move(ex).value();
    co_return Status::success();
  }

  SwiftBackend& backend_;
  std::string object_;
  std::unique_ptr<OutboundExchange> ex_;
  asio::any_io_executor executor_;
  uint64_t segmentSize_;     // 0 = never segment
  std::string partName_;     // current PUT's segment name; "" = the final object
  uint64_t partBytes_ = 0;   // bytes sent in the current PUT
  std::vector<Part> parts_;  // completed parts
  std::string segmentStamp_;
  State state_ = State::Open;
};

// Reader: one GET, streamed; `remaining` < 0 = until the body ends.
class SwiftReader : public DataReader {
 public:
  SwiftReader(std::unique_ptr<OutboundExchange> ex, std::string object, int64_t offset,
              int64_t remaining, int64_t skip)
      : ex_(std::move(ex)),
        object_(std::move(object)),
        offset_(offset),
        remaining_(remaining),
        skip_(skip) {}
  ~SwiftReader() override {
    if (ex_) ex_->cancel();
  }

  asio::awaitable<Result<size_t>> read(std::span<char> out) override {
    if (!ex_ || remaining_ == 0 || out.empty()) co_return size_t{0};
    while (skip_ > 0) {  // the server ignored our Range: drop the bytes before the offset
      size_t want = static_cast<size_t>(std::min<int64_t>(skip_, static_cast<int64_t>(out.size())));
      auto n = co_await ex_->read(out.first(want));
      if (!n) co_return fail(n.error().detail);
      if (*n == 0) co_return fail("object ended before the requested offset");
      skip_ -= static_cast<int64_t>(*n);
    }
    if (remaining_ > 0 && static_cast<int64_t>(out.size()) > remaining_) {
      out = out.first(static_cast<size_t>(remaining_));
    }
    auto n = co_await ex_->read(out);
    if (!n) co_return fail(n.error().detail);
    if (*n == 0) {
      if (remaining_ > 0) co_return fail("object ended before the requested range");
      ex_.reset();
      co_return size_t{0};
    }
    if (remaining_ > 0) remaining_ -= static_cast<int64_t>(*n);
    co_return *n;
  }

  int64_t offset() const override { return offset_; }

 private:
  Error fail(const std::string& detail) {
    if (ex_) ex_->cancel();
    ex_.reset();
    return Error::internal(kGetError, "swift: GET " + object_ + ": " + detail);
  }

  std::unique_ptr<OutboundExchange> ex_;
  std::string object_;
  int64_t offset_;
  int64_t remaining_;
  int64_t skip_;
};

class EmptyReader : public DataReader {
 public:
  explicit EmptyReader(int64_t offset) : offset_(offset) {}
  asio::awaitable<Result<size_t>> read(std::span<char>) override { co_return size_t{0}; }
  int64_t offset() const override { return offset_; }

 private:
  int64_t offset_;
};

// "bytes */1234" or "bytes 0-9/1234" -> 1234; -1 when absent or unparsable.
int64_t totalFromContentRange(const std::string& v) {
  auto slash = v.rfind('/');
  if (slash == std::string::npos || slash + 1 >= v.size()) return -1;
  try {
    return std::stoll(v.substr(slash + 1));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Backend

SwiftBackend::SwiftBackend(SwiftConfig config) : config_(std::move(config)) {
  segmentContainer_ =
      config_.segmentContainer.empty() ? config_.container + "_segments" : config_.segmentContainer;
  authVersion_ = config_.authVersion;
  if (authVersion_ == 0) {
    std::string url = toLower(config_.authUrl);
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (endsWith(url, "v1.0") || url.find("/auth/v1") != std::string::npos) {
      authVersion_ = 1;
    } else if (url.find("/v3") != std::string::npos) {
      authVersion_ = 3;
    } else {
      throw std::invalid_argument("swift: cannot tell the auth version from AuthUrl " +
                                  config_.authUrl +
                                  " (expected .../auth/v1.0 or .../v3; or set AuthVersion)");
    }
  }
  if (authVersion_ != 1 && authVersion_ != 3) {
    throw std::invalid_argument("swift: unsupported AuthVersion " + std::to_string(authVersion_) +
                                " (1 or 3)");
  }
  if (!OutboundTarget::parse(config_.authUrl)) {
    throw std::invalid_argument("swift: invalid AuthUrl " + config_.authUrl);
  }
}

std::string SwiftBackend::objectName(const File& file) { return file.uploadId + "." + file.id; }

std::string SwiftBackend::pathOf(const Session& s, const std::string& object) const {
  return pathIn(s, config_.container, object);
}

std::string SwiftBackend::pathIn(const Session& s, const std::string& container,
                                 const std::string& object) const {
  std::string p = s.target.basePath + "/" + percentEncodeQuery(container);
  if (!object.empty()) p += "/" + percentEncodePath(object);  // segment names contain '/'
  return p;
}

void SwiftBackend::setTokenForTesting(std::string token) {
  std::lock_guard lock(mu_);
  session_.token = std::move(token);
  containerReady_ = false;  // forces a check (and so a 401) on the next upload
}

std::string SwiftBackend::tokenForTesting() const {
  std::lock_guard lock(mu_);
  return session_.token;
}

asio::awaitable<Result<SwiftBackend::Session>> SwiftBackend::session(
    const std::string& staleToken) {
  {
    std::lock_guard lock(mu_);
    bool fresh = haveSession_ && SteadyClock::now() < expires_;
    if (fresh && (staleToken.empty() || session_.token != staleToken)) co_return session_;
  }
  auto s = co_await authenticate();
  if (!s) co_return std::move(s).error();
  std::lock_guard lock(mu_);
  session_ = *s;
  haveSession_ = true;
  co_return *s;
}

asio::awaitable<Result<SwiftBackend::Session>> SwiftBackend::authenticate() {
  if (authVersion_ == 1) co_return co_await authV1();
  co_return co_await authV3();
}

asio::awaitable<Result<SwiftBackend::Session>> SwiftBackend::authV1() {
  auto executor = co_await asio::this_coro::executor;
  auto target = OutboundTarget::parse(config_.authUrl);
  if (!target) co_return Error::internal(kAuthError, "swift: invalid AuthUrl " + config_.authUrl);
  std::string path = target->basePath.empty() ? "/" : target->basePath;
  // (headers built outside the co_await: GCC 12 miscompiles braced lists in coroutines)
  HeaderList headers;
  headers.emplace_back("X-Auth-User", config_.userName);
  headers.emplace_back("X-Auth-Key", config_.apiKey);
  auto r = co_await http::fetch(executor, *target, "GET", path, headers, "", config_.timeouts);
  if (!r) {
    co_return Error::internal(
        kAuthError, "swift: auth request to " + config_.authUrl + " failed: " + r.error().detail);
  }
  if (r->head.status < 200 || r->head.status > 299) {
    co_return Error::internal(kAuthError,
                              describe("auth " + config_.authUrl + " for user " + config_.userName,
                                       r->head.status, r->body));
  }
  Session s;
  s.token = r->head.header("X-Auth-Token");
  if (s.token.empty()) s.token = r->head.header("X-Storage-Token");
  std::string storageUrl = r->head.header("X-Storage-Url");
  if (s.token.empty() || storageUrl.empty()) {
    co_return Error::internal(kAuthError,
                              "swift: auth response without X-Auth-Token or X-Storage-Url");
  }
  auto storage = OutboundTarget::parse(storageUrl);
  if (!storage) {
    co_return Error::internal(kAuthError, "swift: invalid X-Storage-Url " + storageUrl);
  }
  s.target = *storage;
  s.target.verifyPeer = target->verifyPeer;
  auto expires = SteadyClock::time_point::max();
  if (std::string e = r->head.header("X-Auth-Token-Expires"); !e.empty()) {
    try {
      expires = SteadyClock::now() + std::chrono::seconds(std::stoll(e)) - kExpiryMargin;
    } catch (const std::exception&) {
    }
  }
  std::lock_guard lock(mu_);
  expires_ = expires;
  co_return s;
}

std::string SwiftBackend::keystoneBody() const {
  swift::KeystoneCredentials creds;
  creds.userName = config_.userName;
  creds.password = config_.apiKey;
  creds.userDomain = config_.domain;
  creds.userDomainId = config_.domainId;
  creds.projectName = config_.tenant;
  creds.projectId = config_.tenantId;
  creds.projectDomain = config_.tenantDomain;
  creds.projectDomainId = config_.tenantDomainId;
  return swift::keystoneV3AuthBody(creds);
}

asio::awaitable<Result<SwiftBackend::Session>> SwiftBackend::authV3() {
  auto executor = co_await asio::this_coro::executor;
  std::string url = config_.authUrl;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!endsWith(url, "/auth/tokens")) url += "/auth/tokens";
  auto target = OutboundTarget::parse(url);
  if (!target) co_return Error::internal(kAuthError, "swift: invalid AuthUrl " + config_.authUrl);
  const std::string body = keystoneBody();
  HeaderList headers;
  headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Accept", "application/json");
  auto r = co_await http::fetch(executor, *target, "POST", target->basePath, headers, body,
                                config_.timeouts, 4 << 20);
  if (!r) {
    co_return Error::internal(kAuthError,
                              "swift: keystone request to " + url + " failed: " + r.error().detail);
  }
  if (r->head.status != 201 && r->head.status != 200) {
    co_return Error::internal(
        kAuthError,
        describe("keystone " + url + " for user " + config_.userName, r->head.status, r->body));
  }
  Session s;
  s.token = r->head.header("X-Subject-Token");
  if (s.token.empty()) {
    co_return Error::internal(kAuthError, "swift: keystone response without X-Subject-Token");
  }
  auto endpoint = swift::keystoneV3ObjectStoreUrl(r->body, config_.endpointType, config_.region);
  if (!endpoint) co_return std::move(endpoint).error();
  auto storage = OutboundTarget::parse(*endpoint);
  if (!storage) {
    co_return Error::internal(kAuthError, "swift: invalid object-store endpoint " + *endpoint);
  }
  s.target = *storage;
  s.target.verifyPeer = target->verifyPeer;
  std::lock_guard lock(mu_);
  expires_ = SteadyClock::time_point::max();  // renewed on the first 401
  co_return s;
}

asio::awaitable<Result<http::OutboundResponse>> SwiftBackend::request(std::string_view method,
                                                                      const std::string& object,
                                                                      HeaderList headers) {
  co_return co_await requestIn(method, config_.container, object, std::move(headers));
}

asio::awaitable<Result<http::OutboundResponse>> SwiftBackend::requestIn(
    std::string_view method, const std::string& container, const std::string& object,
    HeaderList headers, std::string query, std::string body) {
  auto executor = co_await asio::this_coro::executor;
  std::string stale;
  for (int attempt = 0;; ++attempt) {
    auto s = co_await session(stale);
    if (!s) co_return std::move(s).error();
    HeaderList h = headers;
    h.emplace_back("X-Auth-Token", s->token);
    std::string path = pathIn(*s, container, object);
    if (!query.empty()) path += "?" + query;
    auto r = co_await http::fetch(executor, s->target, method, path, h, body, config_.timeouts,
                                  64 * 1024);
    if (!r) {
      Error e = std::move(r).error();
      e.detail = "swift: " + std::string(method) + " " + (object.empty() ? container : object) +
                 " failed: " + e.detail;
      co_return e;
    }
    if (r->head.status == 401 && attempt == 0) {
      stale = s->token;
      continue;
    }
    if (r->head.status != 401) markVerified();
    co_return r;
  }
}

asio::awaitable<Status> SwiftBackend::ensureSegmentContainer() {
  {
    std::lock_guard lock(mu_);
    if (segmentContainerReady_) co_return Status::success();
  }
  auto put = co_await requestIn("PUT", segmentContainer_, "");
  if (!put) co_return withMessage(std::move(put).error(), kSaveError);
  if (put->head.status != 201 && put->head.status != 202) {
    co_return Error::internal(
        kSaveError, describe("PUT container " + segmentContainer_, put->head.status, put->body));
  }
  std::lock_guard lock(mu_);
  segmentContainerReady_ = true;
  co_return Status::success();
}

asio::awaitable<Result<std::unique_ptr<OutboundExchange>>> SwiftBackend::startPut(
    asio::any_io_executor executor, const std::string& container, const std::string& object) {
  auto s = co_await session();
  if (!s) co_return withMessage(std::move(s).error(), kSaveError);
  auto ex = co_await OutboundExchange::connect(executor, s->target, config_.timeouts);
  if (!ex) {
    co_return Error::internal(kSaveError, "swift: PUT " + object + " failed: " + ex.error().detail);
  }
  HeaderList headers;
  headers.emplace_back("X-Auth-Token", s->token);
  headers.emplace_back("Content-Type", "application/octet-stream");
  if (Status st = co_await (*ex)->start("PUT", pathIn(*s, container, object), headers, -1); !st) {
    co_return Error::internal(kSaveError, "swift: PUT " + object + " failed: " + st.error().detail);
  }
  co_return std::move(ex).value();
}

asio::awaitable<Status> SwiftBackend::ensureContainer() {
  {
    std::lock_guard lock(mu_);
    if (containerReady_) co_return Status::success();
  }
  auto head = co_await request("HEAD", "");
  if (!head) co_return std::move(head).error();
  int status = head->head.status;
  if (status == 404) {
    auto put = co_await request("PUT", "");
    if (!put) co_return std::move(put).error();
    status = put->head.status;
    if (status != 201 && status != 202) {
      co_return Error::internal(kSaveError,
                                describe("PUT container " + config_.container, status, put->body));
    }
  } else if (status < 200 || status > 299) {
    co_return Error::internal(kSaveError,
                              describe("HEAD container " + config_.container, status, head->body));
  }
  std::lock_guard lock(mu_);
  containerReady_ = true;
  co_return Status::success();
}

asio::awaitable<Status> SwiftBackend::connect() {
  auto s = co_await session();
  if (!s) co_return std::move(s).error();
  {
    std::lock_guard lock(mu_);
    containerReady_ = false;
  }
  co_return co_await ensureContainer();
}

asio::awaitable<Result<std::unique_ptr<DataWriter>>> SwiftBackend::create(const File& file) {
  auto executor = co_await asio::this_coro::executor;
  const std::string object = objectName(file);
  // A chunked PUT cannot be replayed after a 401, so the token (and the container) is checked
  // first with a HEAD unless it served a request recently.
  auto s = co_await session();
  if (!s) co_return withMessage(std::move(s).error(), kSaveError);
  bool check;
  {
    std::lock_guard lock(mu_);
    check = !containerReady_ || SteadyClock::now() - verifiedAt_ > kVerifiedFor;
    if (check) containerReady_ = false;
  }
  if (check) {
    if (Status st = co_await ensureContainer(); !st) {
      co_return withMessage(std::move(st).error(), kSaveError);
    }
  }
  auto ex = co_await startPut(executor, config_.container, object);
  if (!ex) co_return std::move(ex).error();
  co_return std::unique_ptr<DataWriter>(
      std::make_unique<SwiftWriter>(*this, object, std::move(ex).value(), executor));
}

asio::awaitable<Result<std::unique_ptr<DataReader>>> SwiftBackend::open(const File& file,
                                                                        int64_t offset,
                                                                        int64_t length) {
  auto executor = co_await asio::this_coro::executor;
  const std::string object = objectName(file);
  if (offset < 0) {
    co_return Error{416, "requested range not satisfiable", "offset " + std::to_string(offset)};
  }
  if (length == 0) {  // no Range can say "0 bytes": check existence and size with a HEAD
    auto r = co_await request("HEAD", object);
    if (!r) co_return withMessage(std::move(r).error(), kGetError);
    if (r->head.status < 200 || r->head.status > 299) {
      co_return Error::internal(kGetError, describe("HEAD " + object, r->head.status, r->body));
    }
    int64_t size = r->head.contentLength ? static_cast<int64_t>(*r->head.contentLength) : -1;
    if (size >= 0 && offset > size) {
      co_return Error{416, "requested range not satisfiable",
                      "offset " + std::to_string(offset) + " size " + std::to_string(size)};
    }
    co_return std::unique_ptr<DataReader>(std::make_unique<EmptyReader>(offset));
  }
  std::string stale;
  for (int attempt = 0;; ++attempt) {
    auto s = co_await session(stale);
    if (!s) co_return withMessage(std::move(s).error(), kGetError);
    auto ex = co_await OutboundExchange::connect(executor, s->target, config_.timeouts);
    if (!ex) {
      co_return Error::internal(kGetError,
                                "swift: GET " + object + " failed: " + ex.error().detail);
    }
    HeaderList headers;
    headers.emplace_back("X-Auth-Token", s->token);
    if (offset > 0 || length > 0) {
      std::string range = "bytes=" + std::to_string(offset) + "-";
      if (length > 0) range += std::to_string(offset + length - 1);
      headers.emplace_back("Range", std::move(range));
    }
    if (Status st = co_await (*ex)->start("GET", pathOf(*s, object), headers, 0); !st) {
      co_return Error::internal(kGetError,
                                "swift: GET " + object + " failed: " + st.error().detail);
    }
    auto head = co_await (*ex)->readHead();
    if (!head) {
      co_return Error::internal(
          kGetError, "swift: GET " + object + " got no response: " + head.error().detail);
    }
    int status = head->status;
    if (status == 401 && attempt == 0) {
      stale = s->token;
      continue;
    }
    if (status == 200 || status == 206) {
      markVerified();
      int64_t skip = status == 200 ? offset : 0;
      if (length > 0 && head->contentLength) {
        int64_t available = static_cast<int64_t>(*head->contentLength) - skip;
        if (available < length) {
          co_return Error{416, "requested range not satisfiable",
                          "swift: " + object + " is shorter than offset " + std::to_string(offset) +
                              " + length " + std::to_string(length)};
        }
      }
      co_return std::unique_ptr<DataReader>(std::make_unique<SwiftReader>(
          std::move(ex).value(), object, offset, length > 0 ? length : -1, skip));
    }
    auto body = co_await (*ex)->readAll(64 * 1024);
    std::string text = body ? *body : std::string();
    if (status == 416) {
      int64_t total = totalFromContentRange(head->header("Content-Range"));
      if (length < 0 && total >= 0 && offset == total) {
        co_return std::unique_ptr<DataReader>(std::make_unique<EmptyReader>(offset));
      }
      co_return Error{416, "requested range not satisfiable",
                      describe("GET " + object + " range", status, text)};
    }
    co_return Error::internal(kGetError, describe("GET " + object, status, text));
  }
}

asio::awaitable<Status> SwiftBackend::remove(const File& file) {
  const std::string object = objectName(file);
  if (file.backendDetails == kSloDetails) {
    // Deletes the manifest and its segments; the answer is a 200 with a summary whose
    // "Response Status" says how it went.
    HeaderList h;
    h.emplace_back("Accept", "text/plain");
    auto r =
        co_await requestIn("DELETE", config_.container, object, h, "multipart-manifest=delete");
    if (!r) co_return withMessage(std::move(r).error(), kRemoveError);
    const std::string& body = r->body;
    bool ok = r->head.status == 404 ||
              (r->head.status == 200 && (body.find("Response Status: 200") != std::string::npos ||
                                         body.find("Response Status: 404") != std::string::npos));
    if (ok) co_return Status::success();
    co_return Error::internal(kRemoveError,
                              describe("DELETE manifest " + object, r->head.status, body));
  }
  auto r = co_await request("DELETE", object);
  if (!r) co_return withMessage(std::move(r).error(), kRemoveError);
  int status = r->head.status;
  if ((status >= 200 && status <= 299) || status == 404) co_return Status::success();
  co_return Error::internal(kRemoveError, describe("DELETE " + object, status, r->body));
}

Status SwiftBackend::removeBlocking(const File& file) {
  asio::io_context io;
  std::optional<Status> result;
  std::exception_ptr failure;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await remove(file); },
      [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      return Error::internal(kRemoveError, std::string("swift: ") + e.what());
    }
  }
  if (!result) return Error::internal(kRemoveError, "swift: removal did not complete");
  return *result;
}

void SwiftBackend::markVerified() {
  std::lock_guard lock(mu_);
  verifiedAt_ = SteadyClock::now();
}

void SwiftBackend::markUnverified() {
  std::lock_guard lock(mu_);
  verifiedAt_ = {};
  containerReady_ = false;
}

}  // namespace plik
