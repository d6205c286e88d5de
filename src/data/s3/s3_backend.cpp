// S3 data backend (see s3_backend.hpp): signed control requests through http::fetch(), object
// bodies streamed through one OutboundExchange, multipart upload with one part in memory.
#include "data/s3/s3_backend.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <utility>
#include <vector>

#include "codec/sigv4.hpp"
#include "core/random.hpp"

namespace plik {

namespace {

constexpr const char* kSaveMessage = "unable to save file";
constexpr const char* kGetMessage = "unable to get file from data backend";
constexpr const char* kRemoveMessage = "unable to remove file from data backend";
constexpr size_t kMaxControlBody = 1 << 20;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const std::string* lookup(const std::map<std::string, std::string>& cfg, std::string_view key) {
  for (const auto& [k, v] : cfg) {
    if (iequals(k, key)) return &v;
  }
  return nullptr;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string md5Raw(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

// Text of the first <tag>...</tag> in a small XML document, entities decoded; "" when absent.
std::string xmlValue(std::string_view xml, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  auto b = xml.find(open);
  if (b == std::string_view::npos) return {};
  b += open.size();
  auto e = xml.find(close, b);
  if (e == std::string_view::npos) return {};
  std::string_view raw = xml.substr(b, e - b);
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool done = false;
      for (const auto& [name, c] : kEntities) {
        if (raw.substr(i, name.size()) == name) {
          out.push_back(c);
          i += name.size() - 1;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    out.push_back(raw[i]);
  }
  return out;
}

std::string xmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// The SSE-C key of a file from its backend details ({"SSEKey":"..."}, Plik's format; the key is
// [a-zA-Z0-9]); "" when absent.
std::string sseKeyOf(std::string_view details) {
  constexpr std::string_view kField = "\"SSEKey\"";
  auto p = details.find(kField);
  if (p == std::string_view::npos) return {};
  p = details.find('"', details.find(':', p + kField.size()));
  if (p == std::string_view::npos) return {};
  auto e = details.find('"', p + 1);
  if (e == std::string_view::npos) return {};
  return std::string(details.substr(p + 1, e - p - 1));
}

}  // namespace

struct S3Backend::Shared {
  S3Config config;
  http::OutboundTarget target;
  sigv4::Credentials creds;

  std::string path(std::string_view key) const {
    std::string p = target.basePath + "/" + config.bucket;
    if (!key.empty()) p += "/" + std::string(key);
    return p;
  }

  // The request target and signed headers of one request. `headers` (signed and sent) must not
  // contain Host / Content-Length.
  std::pair<std::string, http::HeaderList> prepare(std::string_view method, std::string_view key,
                                                   const sigv4::Params& query,
                                                   http::HeaderList headers,
                                                   std::string_view payloadHash) const {
    std::string p = path(key);
    auto sig = sigv4::signedHeaders(creds, method, p, query, target.hostHeader(), headers,
                                    payloadHash, std::chrono::system_clock::now());
    for (auto& h : sig) headers.push_back(std::move(h));
    std::string wire = sigv4::encodePath(p);
    if (!query.empty()) {
      // Same encoding and order as the signed canonical query; a bare name for empty values.
      sigv4::Params sorted;
      for (const auto& [k, v] : query) {
        sorted.emplace_back(sigv4::uriEncode(k, true), sigv4::uriEncode(v, true));
      }
      std::sort(sorted.begin(), sorted.end());
      char sep = '?';
      for (const auto& [k, v] : sorted) {
        wire.push_back(sep);
        sep = '&';
        wire += k;
        if (!v.empty()) wire += "=" + v;
      }
    }
    return {std::move(wire), std::move(headers)};
  }

  // One signed control request with an in-memory body (payload hash = its SHA-256).
  asio::awaitable<Result<http::OutboundResponse>> call(std::string_view method,
                                                       std::string_view key,
                                                       const sigv4::Params& query,
                                                       http::HeaderList headers,
                                                       std::string_view body) const {
    auto [wire, signedList] =
        prepare(method, key, query, std::move(headers),
                body.empty() ? sigv4::kEmptyPayloadHash : sigv4::sha256Hex(body));
    co_return co_await http::fetch(co_await asio::this_coro::executor, target, method, wire,
                                   signedList, body, config.timeouts, kMaxControlBody);
  }

  // "S3 PUT plik/key: HTTP 403 SignatureDoesNotMatch: The request signature ..." style detail.
  std::string describe(std::string_view op, std::string_view key, int status,
                       std::string_view body) const {
    std::string d = "S3 " + std::string(op) + " " + config.bucket;
    if (!key.empty()) d += "/" + std::string(key);
    d += " at " + config.endpoint + ": HTTP " + std::to_string(status);
    std::string code = xmlValue(body, "Code");
    std::string message = xmlValue(body, "Message");
    if (!code.empty()) d += " " + code;
    if (!message.empty()) d += ": " + message;
    return d;
  }

  std::string describeTransport(std::string_view op, std::string_view key, const Error& e) const {
    std::string d = "S3 " + std::string(op) + " " + config.bucket;
    if (!key.empty()) d += "/" + std::string(key);
    return d + " at " + config.endpoint + ": " + e.detail;
  }

  // SSE headers for writes (create/put) and, for SSE-C, for every request touching the data.
  http::HeaderList sseHeaders(std::string_view sseKey, bool creating) const {
    http::HeaderList h;
    if (iequals(config.sse, "S3")) {
      if (creating) h.emplace_back("x-amz-server-side-encryption", "AES256");
    } else if (iequals(config.sse, "SSE-C") && !sseKey.empty()) {
      h.emplace_back("x-amz-server-side-encryption-customer-algorithm", "AES256");
      h.emplace_back("x-amz-server-side-encryption-customer-key", base64(sseKey));
      h.emplace_back("x-amz-server-side-encryption-customer-key-MD5", base64(md5Raw(sseKey)));
    }
    return h;
  }
};

namespace {

// Best effort: a bucket lifecycle rule collects what a failed abort leaves. Holds `shared` so
// that it may run detached after the writer and the backend are gone.
asio::awaitable<void> abortMultipart(std::shared_ptr<const S3Backend::Shared> shared,
                                     std::string key, std::string uploadId) {
  sigv4::Params query{{"uploadId", std::move(uploadId)}};
  auto r = co_await shared->call("DELETE", key, query, {}, {});
  (void)r;
}

}  // namespace

namespace {

using Shared = S3Backend::Shared;

// One upload. Owned by one coroutine; not thread-safe.
class S3Writer final : public DataWriter {
 public:
  S3Writer(std::shared_ptr<const Shared> shared, asio::any_io_executor ex, std::string key,
           std::string contentType, std::string sseKey)
      : shared_(std::move(shared)),
        ex_(std::move(ex)),
        key_(std::move(key)),
        contentType_(std::move(contentType)),
        sseKey_(std::move(sseKey)) {}

  ~S3Writer() override {
    if (!done_ && !uploadId_.empty()) {
      asio::co_spawn(ex_, abortMultipart(shared_, key_, uploadId_), asio::detached);
    }
  }

  asio::awaitable<Status> write(std::span<const char> bytes) override {
    if (done_) co_return Error::internal(kSaveMessage, "S3 data writer is closed");
    const size_t partSize = static_cast<size_t>(shared_->config.partSize);
    while (!bytes.empty()) {
      if (buf_.size() == partSize) {
        // Full, and more is coming: this part goes now (the caller waits: backpressure).
        if (auto st = co_await sendPart(); !st) co_return co_await failWith(std::move(st).error());
      }
      size_t take = std::min(bytes.size(), partSize - buf_.size());
      if (buf_.capacity() < buf_.size() + take) {
        buf_.reserve(std::min(partSize, std::max(buf_.capacity() * 2, buf_.size() + take)));
      }
      buf_.insert(buf_.end(), bytes.data(), bytes.data() + take);
      bytes = bytes.subspan(take);
    }
    co_return Status{};
  }

  asio::awaitable<Result<std::string>> commit() override {
    if (done_) co_return Error::internal(kSaveMessage, "S3 data writer is closed");
    if (uploadId_.empty()) {
      // Everything fits in one part: a single PUT Object.
      http::HeaderList headers = createHeaders();
      auto r = co_await shared_->call("PUT", key_, {}, std::move(headers), view());
      if (auto st = check(r, "PUT"); !st) co_return co_await failWith(std::move(st).error());
    } else {
      if (!buf_.empty()) {
        if (auto st = co_await sendPart(); !st) co_return co_await failWith(std::move(st).error());
      }
      std::string xml = "<CompleteMultipartUpload>";
      for (size_t i = 0; i < etags_.size(); ++i) {
        xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
               xmlEscape(etags_[i]) + "</ETag></Part>";
      }
      xml += "</CompleteMultipartUpload>";
      sigv4::Params query{{"uploadId", uploadId_}};  // (init-lists outside co_await: GCC 12)
      auto r =
          co_await shared_->call("POST", key_, query, shared_->sseHeaders(sseKey_, false), xml);
      // S3 may answer 200 and still fail (the error is in the body).
      if (r && r->head.status == 200 && r->body.find("<Error>") != std::string::npos) {
        r = Error::internal(kSaveMessage, shared_->describe("CompleteMultipartUpload", key_,
                                                            r->head.status, r->body));
      }
      if (auto st = check(r, "CompleteMultipartUpload"); !st) {
        co_return co_await failWith(std::move(st).error());
      }
    }
    done_ = true;
    release();
    if (!sseKey_.empty()) co_return "{\"SSEKey\":\"" + sseKey_ + "\"}";
    co_return std::string{};
  }

  asio::awaitable<void> abort() override {
    if (done_) co_return;
    done_ = true;
    release();
    if (!uploadId_.empty()) co_await abortMultipart(shared_, key_, uploadId_);
  }

 private:
  std::string_view view() const { return std::string_view(buf_.data(), buf_.size()); }

  void release() { std::vector<char>().swap(buf_); }

  http::HeaderList createHeaders() const {
    http::HeaderList h;
    if (!contentType_.empty()) h.emplace_back("Content-Type", contentType_);
    for (auto& x : shared_->sseHeaders(sseKey_, true)) h.push_back(std::move(x));
    return h;
  }

  Status check(const Result<http::OutboundResponse>& r, std::string_view op) const {
    if (!r) return Error::internal(kSaveMessage, shared_->describeTransport(op, key_, r.error()));
    if (r->head.status != 200) {
      return Error::internal(kSaveMessage, shared_->describe(op, key_, r->head.status, r->body));
    }
    return {};
  }

  // Uploads buf_ as the next part (starting the multipart upload first if needed).
  asio::awaitable<Status> sendPart() {
    if (uploadId_.empty()) {
      sigv4::Params query{{"uploads", ""}};
      auto r = co_await shared_->call("POST", key_, query, createHeaders(), {});
      if (auto st = check(r, "CreateMultipartUpload"); !st) co_return st;
      uploadId_ = xmlValue(r->body, "UploadId");
      if (uploadId_.empty()) {
        co_return Error::internal(
            kSaveMessage, "S3 CreateMultipartUpload " + key_ + ": no UploadId in the response");
      }
    }
    if (etags_.size() >= S3Config::kMaxParts) {
      co_return Error{413, "file too big for the S3 part size",
                      "more than 10000 parts of " + std::to_string(shared_->config.partSize) +
                          " bytes (raise PartSize)"};
    }
    std::string number = std::to_string(etags_.size() + 1);
    sigv4::Params query{{"partNumber", number}, {"uploadId", uploadId_}};
    auto r =
        co_await shared_->call("PUT", key_, query, shared_->sseHeaders(sseKey_, false), view());
    if (auto st = check(r, "UploadPart " + number); !st) co_return st;
    std::string etag = r->head.header("ETag");
    if (etag.empty()) {
      co_return Error::internal(
          kSaveMessage, "S3 UploadPart " + number + " " + key_ + ": no ETag in the response");
    }
    etags_.push_back(std::move(etag));
    buf_.clear();  // capacity kept: the next part reuses the same memory
    co_return Status{};
  }

  // Any failure ends the upload: the multipart upload is aborted, the error returned.
  asio::awaitable<Error> failWith(Error e) {
    co_await abort();
    co_return e;
  }

  std::shared_ptr<const Shared> shared_;
  asio::any_io_executor ex_;  // where the destructor's abort runs
  std::string key_;
  std::string contentType_;
  std::string sseKey_;
  std::vector<char> buf_;  // the part being filled, never above PartSize
  std::string uploadId_;   // multipart upload, once started
  std::vector<std::string> etags_;
  bool done_ = false;  // committed, aborted or failed
};

// One ranged GET streamed from the exchange into the caller's buffers.
class S3Reader final : public DataReader {
 public:
  S3Reader(std::unique_ptr<http::OutboundExchange> ex, int64_t remaining, std::string what)
      : ex_(std::move(ex)), remaining_(remaining), what_(std::move(what)) {}

  asio::awaitable<Result<size_t>> read(std::span<char> out) override {
    if (remaining_ == 0 || !ex_) co_return size_t{0};
    if (remaining_ > 0 && out.size() > static_cast<uint64_t>(remaining_)) {
      out = out.first(static_cast<size_t>(remaining_));
    }
    auto r = co_await ex_->read(out);
    if (!r) co_return Error::internal(kGetMessage, what_ + ": " + r.error().detail);
    if (*r == 0) {
      if (remaining_ > 0) {
        co_return Error::internal(
            kGetMessage, what_ + ": body ended " + std::to_string(remaining_) + " bytes early");
      }
      remaining_ = 0;
      co_return size_t{0};
    }
    if (remaining_ > 0) remaining_ -= static_cast<int64_t>(*r);
    co_return r;
  }

 private:
  std::unique_ptr<http::OutboundExchange> ex_;
  int64_t remaining_;  // bytes still to deliver; < 0 = until the body ends
  std::string what_;
};

class EmptyReader final : public DataReader {
 public:
  asio::awaitable<Result<size_t>> read(std::span<char>) override { co_return size_t{0}; }
};

}  // namespace

Result<S3Config> S3Config::fromMap(const std::map<std::string, std::string>& cfg) {
  S3Config c;
  auto invalid = [](std::string what) {
    return Error::internal("invalid s3 data backend config : " + what);
  };
  auto str = [&](std::string_view key, std::string& out) {
    if (const std::string* v = lookup(cfg, key)) out = *v;
  };
  str("Endpoint", c.endpoint);
  str("AccessKeyID", c.accessKeyId);
  str("SecretAccessKey", c.secretAccessKey);
  str("Bucket", c.bucket);
  str("Location", c.location);
  str("Prefix", c.prefix);
  str("SSE", c.sse);
  if (const std::string* v = lookup(cfg, "PartSize")) {
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (v->empty() || ec != std::errc{} || p != v->data() + v->size()) {
      return invalid("PartSize must be a number of bytes, got \"" + *v + "\"");
    }
    c.partSize = n;
  }
  if (const std::string* v = lookup(cfg, "UseSSL")) {
    if (iequals(*v, "true") || *v == "1") {
      c.useSsl = true;
    } else if (iequals(*v, "false") || *v == "0" || v->empty()) {
      c.useSsl = false;
    } else {
      return invalid("UseSSL must be true or false, got \"" + *v + "\"");
    }
  }
  if (c.endpoint.empty()) return invalid("missing Endpoint");
  if (c.accessKeyId.empty()) return invalid("missing AccessKeyID");
  if (c.secretAccessKey.empty()) return invalid("missing SecretAccessKey");
  if (c.bucket.empty()) return invalid("missing Bucket");
  if (c.location.empty()) return invalid("missing Location");
  if (c.partSize < kMinPartSize) {
    return invalid("PartSize " + std::to_string(c.partSize) + " is below S3's minimum of " +
                   std::to_string(kMinPartSize) + " bytes (5 MiB)");
  }
  if (!c.sse.empty() && !iequals(c.sse, "S3") && !iequals(c.sse, "SSE-C")) {
    return invalid("SSE must be \"\", \"S3\" or \"SSE-C\", got \"" + c.sse + "\"");
  }
  while (!c.prefix.empty() && c.prefix.back() == '/') c.prefix.pop_back();
  std::string url = c.endpoint.find("://") != std::string::npos
                        ? c.endpoint
                        : (c.useSsl ? "https://" : "http://") + c.endpoint;
  if (auto t = http::OutboundTarget::parse(url); !t) {
    return invalid("Endpoint \"" + c.endpoint + "\": " + t.error().detail);
  }
  return c;
}

S3Backend::S3Backend(S3Config config) {
  auto shared = std::make_shared<Shared>();
  std::string url = config.endpoint.find("://") != std::string::npos
                        ? config.endpoint
                        : (config.useSsl ? "https://" : "http://") + config.endpoint;
  auto target = http::OutboundTarget::parse(url);
  if (!target) throw std::invalid_argument("invalid S3 Endpoint " + config.endpoint);
  shared->target = std::move(*target);
  shared->creds = {config.accessKeyId, config.secretAccessKey, config.location, "s3"};
  shared->config = std::move(config);
  shared_ = std::move(shared);
}

S3Backend::~S3Backend() = default;

const S3Config& S3Backend::config() const { return shared_->config; }

std::string S3Backend::objectKey(const File& file) const {
  // Plik: fmt.Sprintf("%s/%s", Prefix, file.ID) when Prefix is set.
  if (shared_->config.prefix.empty()) return file.id;
  return shared_->config.prefix + "/" + file.id;
}

asio::awaitable<Status> S3Backend::ensureBucket() {
  const auto& s = *shared_;
  std::string what = "unable to check if bucket " + s.config.bucket + " exists";
  auto head = co_await s.call("HEAD", "", {}, {}, {});
  if (!head) co_return Error::internal(what, s.describeTransport("HEAD", "", head.error()));
  if (head->head.status == 200) co_return Status{};
  if (head->head.status != 404) {
    co_return Error::internal(what, s.describe("HEAD", "", head->head.status, head->body));
  }
  std::string body;
  if (s.config.location != "us-east-1") {
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        xmlEscape(s.config.location) + "</LocationConstraint></CreateBucketConfiguration>";
  }
  what = "unable to create bucket " + s.config.bucket;
  auto put = co_await s.call("PUT", "", {}, {}, body);
  if (!put) co_return Error::internal(what, s.describeTransport("PUT", "", put.error()));
  if (put->head.status == 200 || xmlValue(put->body, "Code") == "BucketAlreadyOwnedByYou") {
    co_return Status{};
  }
  co_return Error::internal(what, s.describe("PUT", "", put->head.status, put->body));
}

namespace {

// Runs a Status coroutine on a private io_context (start-up and admin paths, never on a
// network thread).
template <class Make>
Status runBlocking(Make make) {
  asio::io_context io;
  Status result = Error::internal("S3 request did not complete");
  std::exception_ptr failure;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await make(); },
      [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      return Error::internal("S3 request failed", e.what());
    }
  }
  return result;
}

}  // namespace

Status S3Backend::ensureBucketBlocking() {
  return runBlocking([this] { return ensureBucket(); });
}

asio::awaitable<Result<std::unique_ptr<DataWriter>>> S3Backend::create(const File& file) {
  if (file.id.empty()) co_return Error::internal(kSaveMessage, "invalid file id");
  std::string sseKey;
  if (iequals(shared_->config.sse, "SSE-C")) {
    sseKey = sseKeyOf(file.backendDetails);
    if (sseKey.empty()) sseKey = randomId(32);  // 32 bytes = AES-256, like Plik
  }
  co_return std::unique_ptr<DataWriter>(std::make_unique<S3Writer>(
      shared_, co_await asio::this_coro::executor, objectKey(file), file.type, sseKey));
}

asio::awaitable<Result<std::unique_ptr<DataReader>>> S3Backend::open(const File& file,
                                                                     int64_t offset,
                                                                     int64_t length) {
  const auto& s = *shared_;
  std::string key = objectKey(file);
  if (offset < 0) {
    co_return Error{416, "requested range not satisfiable", "offset " + std::to_string(offset)};
  }
  http::HeaderList headers = s.sseHeaders(sseKeyOf(file.backendDetails), false);
  if (length == 0) {
    // Nothing to read, but the object must exist.
    auto r = co_await s.call("HEAD", key, {}, headers, {});
    if (!r) co_return Error::internal(kGetMessage, s.describeTransport("HEAD", key, r.error()));
    if (r->head.status != 200) {
      co_return Error::internal(kGetMessage, s.describe("HEAD", key, r->head.status, r->body));
    }
    co_return std::unique_ptr<DataReader>(std::make_unique<EmptyReader>());
  }
  if (offset > 0 || length > 0) {
    std::string range = "bytes=" + std::to_string(offset) + "-";
    if (length > 0) range += std::to_string(offset + length - 1);
    headers.emplace_back("Range", std::move(range));
  }
  auto [wire, signedList] = s.prepare("GET", key, {}, std::move(headers), sigv4::kEmptyPayloadHash);
  auto ex = co_await http::OutboundExchange::connect(co_await asio::this_coro::executor, s.target,
                                                     s.config.timeouts);
  if (!ex) co_return Error::internal(kGetMessage, s.describeTransport("GET", key, ex.error()));
  auto& x = **ex;
  Status st = co_await x.start("GET", wire, signedList, 0);
  if (st) st = co_await x.finish();
  if (!st) co_return Error::internal(kGetMessage, s.describeTransport("GET", key, st.error()));
  auto head = co_await x.readHead();
  if (!head) co_return Error::internal(kGetMessage, s.describeTransport("GET", key, head.error()));
  int status = head->status;
  if (status != 200 && status != 206) {
    auto body = co_await x.readAll(64 * 1024);
    std::string detail = s.describe("GET", key, status, body ? *body : std::string{});
    if (status == 416) co_return Error{416, "requested range not satisfiable", detail};
    co_return Error::internal(kGetMessage, detail);
  }
  int64_t remaining = -1;
  if (status == 200 && offset > 0) {
    // The server ignored Range: skip to the offset ourselves.
    std::vector<char> skip(64 * 1024);
    int64_t left = offset;
    while (left > 0) {
      size_t want = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(skip.size())));
      auto r = co_await x.read(std::span<char>(skip.data(), want));
      if (!r) co_return Error::internal(kGetMessage, s.describeTransport("GET", key, r.error()));
      if (*r == 0) {
        co_return Error{416, "requested range not satisfiable",
                        "object shorter than offset " + std::to_string(offset)};
      }
      left -= static_cast<int64_t>(*r);
    }
  }
  if (length > 0) {
    remaining = length;
    if (head->contentLength && status == 206 &&
        *head->contentLength < static_cast<uint64_t>(length)) {
      co_return Error{416, "requested range not satisfiable",
                      "object shorter than the requested range (" +
                          std::to_string(*head->contentLength) + " of " + std::to_string(length) +
                          " bytes)"};
    }
  } else if (head->contentLength && status == 206) {
    remaining = static_cast<int64_t>(*head->contentLength);
  }
  co_return std::unique_ptr<DataReader>(std::make_unique<S3Reader>(
      std::move(*ex), remaining, "S3 GET " + s.config.bucket + "/" + key));
}

asio::awaitable<Status> S3Backend::remove(const File& file) {
  const auto& s = *shared_;
  std::string key = objectKey(file);
  auto r = co_await s.call("DELETE", key, {}, {}, {});
  if (!r) co_return Error::internal(kRemoveMessage, s.describeTransport("DELETE", key, r.error()));
  int status = r->head.status;
  if (status == 204 || status == 200 || status == 404) co_return Status{};
  co_return Error::internal(kRemoveMessage, s.describe("DELETE", key, status, r->body));
}

Status S3Backend::removeBlocking(const File& file) {
  return runBlocking([this, &file] { return remove(file); });
}

Result<std::unique_ptr<DataBackend>> openS3Backend(const std::map<std::string, std::string>& cfg) {
  auto config = S3Config::fromMap(cfg);
  if (!config) return std::move(config).error();
  std::unique_ptr<S3Backend> backend;
  try {
    backend = std::make_unique<S3Backend>(std::move(*config));
  } catch (const std::exception& e) {
    return Error::internal("invalid s3 data backend config", e.what());
  }
  if (auto st = backend->ensureBucketBlocking(); !st) {
    Error e = std::move(st).error();
    e.message = "unable to initialize s3 data backend at Endpoint " + backend->config().endpoint +
                " : " + e.message;
    return e;
  }
  return std::unique_ptr<DataBackend>(std::move(backend));
}

}  // namespace plik
