// Upload creation and the file-receiving byte path: multipart body -> sniff + md5 + size
// limit in one pass -> data writer (disk, object store or stream relay), with backpressure
// from awaiting every write.
#include "server/upload_service.hpp"

#include <spdlog/spdlog.h>

#include "codec/humanize.hpp"
#include "codec/mime_sniff.hpp"
#include "codec/multipart.hpp"
#include "core/password.hpp"
#include "core/random.hpp"
#include "data/stream/stream_registry.hpp"
#include "server/parallel_md5.hpp"
#include "server/upload_policy.hpp"

namespace plik {

namespace asio = boost::asio;

namespace {

constexpr size_t kBodyBuffer = 256 * 1024;
constexpr size_t kSniffBytes = 512;
constexpr size_t kPartHeadersRoom = 16384 + 1024;  // MultipartParser's header limit + slack

// Go's filepath.Base on the part's filename, plus our refusal of control characters.
Result<std::string> partFileName(const std::string& raw) {
  std::string name = raw;
  auto slash = name.find_last_of('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  if (name.empty() || name == "." || name == "..")
    return Error::badRequest("missing file name from multipart form");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return Error::badRequest("invalid file name");
  return name;
}

Error readError(Error e) {
  if (e.status == 408) return e;
  return Error{e.status == 400 ? 400 : 499, "unable to read data from request body", e.message + " " + e.detail};
}

}  // namespace

asio::awaitable<Result<Upload>> createUploadFromRequest(Context& ctx, const UploadRequest& req) {
  const Config& cfg = ctx.config();
  if (!sourceAllowed(cfg, ctx.sourceIp)) co_return Error::forbidden("untrusted source IP address");
  std::string clear;
  auto built = buildUpload(cfg, req, now(), clear);
  if (!built.ok()) {
    Error e = std::move(built).error();
    e.message = "unable to create upload : " + e.message;
    co_return e;
  }
  Upload up = std::move(built).value();
  up.remoteIp = ctx.sourceIp;
  if (up.protectedByPassword) {
    std::string login = up.login;
    auto job0 = [login, clear] { return hashUploadPassword(login, clear); };
    up.password = co_await blocking(ctx, job0);
    if (up.password.empty()) co_return Error::badRequest("unable to create upload : invalid password");
  }
  auto& meta = ctx.svc.meta;
  auto job1 = [&meta, up] { return meta.createUpload(up); };
  auto st = co_await blocking(ctx, job1);
  if (!st.ok()) co_return std::move(st).error();
  co_return up;
}

asio::awaitable<void> purgeFile(Context& ctx, const File& file, FileStatus from) {
  auto& meta = ctx.svc.meta;
  if (!ctx.upload || !ctx.upload->stream) {
    auto st = co_await ctx.svc.data.remove(file);
    if (!st.ok()) {
      spdlog::warn("unable to delete file {} from data backend : {}", file.id, st.error().detail);
      co_return;  // stays `removed`: the cleaner retries
    }
  }
  std::string id = file.id;
  auto job2 = [&meta, id, from] {
    return meta.casFileStatus(id, from, FileStatus::Deleted);
  };
  auto r = co_await blocking(ctx, job2);
  if (!r.ok()) spdlog::warn("unable to mark file {} deleted : {}", id, r.error().detail);
}

asio::awaitable<Result<File>> receiveFile(Context& ctx, const std::optional<File>& declared) {
  Upload& up = *ctx.upload;
  auto& meta = ctx.svc.meta;
  auto& body = ctx.body;
  if (!ctx.isUploadAdmin) co_return Error::forbidden("you are not allowed to add file to this upload");

  auto ct = ctx.req.header("Content-Type");
  auto boundary = ct ? multipartBoundary(*ct) : std::nullopt;
  if (!boundary)
    co_return Error::badRequest(
        "invalid multipart form : request Content-Type isn't multipart/form-data");

  // 1. Find the first part named "file".
  MultipartParser parser(*boundary);
  for (bool found = false; !found;) {
    auto step = parser.next(body.buffered(), body.complete());
    body.consume(step.consumed);
    switch (step.kind) {
      case MultipartParser::Kind::NeedMore: {
        // Part headers may be as large as the parser's limit (a 10 kB filename): make room,
        // but only when they are big, so that waiting stream uploaders stay small.
        if (body.buffered().size() >= 1024) body.reserve(kPartHeadersRoom);
        auto r = co_await body.fill();
        if (!r.ok()) co_return readError(std::move(r).error());
        break;
      }
      case MultipartParser::Kind::PartBegin:
        found = parser.part().name == "file";
        break;
      case MultipartParser::Kind::Data:
      case MultipartParser::Kind::PartEnd:
        break;
      case MultipartParser::Kind::Done:
        co_return Error::badRequest("missing file from multipart form");
      case MultipartParser::Kind::Error:
        co_return Error::badRequest("invalid multipart form : " + parser.errorMessage());
    }
  }
  auto nameR = partFileName(parser.part().filename);
  if (!nameR.ok()) co_return std::move(nameR).error();
  std::string name = std::move(nameR).value();

  // 2. The file record: declared by the URL, or new.
  File file;
  if (declared) {
    file = *declared;
    if (file.name != name) co_return Error::badRequest("invalid file name");
  } else {
    if (auto st = checkFileName(name); !st.ok()) {
      Error e = std::move(st).error();
      e.message = "unable to create file : " + e.message;
      co_return e;
    }
    file.id = randomId(16);
    file.uploadId = up.id;
    file.name = name;
    file.status = FileStatus::Missing;
    file.type = parser.part().contentType;
    file.createdAt = now();
    int64_t maxFiles = ctx.config().maxFilePerUpload;
    auto job3 = [&meta, file, maxFiles] {
      return meta.createFileIfBelow(file, maxFiles > 0 ? maxFiles : INT64_MAX);
    };
    auto created = co_await blocking(ctx, job3);
    if (!created.ok()) co_return std::move(created).error();
    if (!*created)
      co_return Error::badRequest("maximum number file per upload reached, limit is " +
                                  std::to_string(maxFiles));
  }
  if (file.status != FileStatus::Missing)
    co_return Error::badRequest("invalid file status " + std::string(toString(file.status)) +
                                ", expected missing");
  {
    std::string id = file.id, inst = ctx.svc.instanceId;
    auto job4 = [&meta, id, inst] { return meta.beginFileUpload(id, inst); };
    auto began = co_await blocking(ctx, job4);
    if (!began.ok()) co_return std::move(began).error();
    if (!*began) co_return Error::badRequest("invalid file status uploading, expected missing");
    file.status = FileStatus::Uploading;
  }

  // From here on any failure resets the file to `missing` (retryable) and drops its data.
  // `failure` is set before co_await fail(): no Error temporary lives across the suspension.
  Error failure;
  auto fail = [&]() -> asio::awaitable<Result<File>> {
    std::string id = file.id;
    auto job5 = [&meta, id] {
      return meta.casFileStatus(id, FileStatus::Uploading, FileStatus::Missing);
    };
    (void)co_await blocking(ctx, job5);
    co_return failure;
  };

  // 3. Open the sink: the stream relay or the data backend.
  std::unique_ptr<DataWriter> writer;
  if (up.stream) {
    auto w = ctx.svc.streams.openUploader(file.id);
    if (!w.ok()) {
      failure = std::move(w).error();
      co_return co_await fail();
    }
    writer = std::move(w).value();
  } else {
    auto w = co_await ctx.svc.data.create(file);
    if (!w.ok()) {
      failure = std::move(w).error();
      co_return co_await fail();
    }
    writer = std::move(w).value();
    body.reserve(kBodyBuffer);
  }
  // A stream uploader that hangs up while it waits for its downloader is noticed by the
  // connection (it polls the socket while the response is "waiting") and cancels the stream.
  if (up.stream) {
    StreamRegistry* streams = &ctx.svc.streams;
    std::string fid = file.id;
    ctx.res.setHangupHandler([streams, fid] { streams->cancel(fid, "uploader disconnected"); });
  }
  struct HangupGuard {  // never cancel a later stream of the same file after we return
    http::ResponseWriter& res;
    ~HangupGuard() { res.setHangupHandler(nullptr); }
  } hangupGuard{ctx.res};

  // 4. Pump the part's bytes: sniff, md5, size limit, write. MD5 runs on the pool in parallel
  //    with the write of the same bytes. Streams are not hashed (docs/compat.md): nothing is
  //    stored, and hashing would cost more CPU than the whole relay.
  const int64_t limit = maxFileSize(ctx.config());
  ParallelMd5 md5(ctx.svc.pool);
  const bool hashing = !up.stream;
  std::string sniff;
  int64_t size = 0;
  bool partDone = false;
  while (!partDone) {
    auto step = parser.next(body.buffered(), body.complete());
    switch (step.kind) {
      case MultipartParser::Kind::NeedMore: {
        body.consume(step.consumed);
        auto r = co_await body.fill();
        if (!r.ok()) {
          co_await writer->abort();
          failure = readError(std::move(r).error());
          co_return co_await fail();
        }
        continue;
      }
      case MultipartParser::Kind::Data: {
        size += static_cast<int64_t>(step.data.size());
        if (limit > 0 && size > limit) {
          co_await writer->abort();
          failure = Error::badRequest("file too big (limit is set to " + humanizeBytes(limit) + ")");
          co_return co_await fail();
        }
        if (sniff.size() < kSniffBytes)
          sniff.append(step.data.data(), std::min(step.data.size(), kSniffBytes - sniff.size()));
        if (hashing) md5.start(step.data);
        if (up.stream) ctx.res.setWaiting(true);
        auto st = co_await writer->write(step.data);
        if (hashing) co_await md5.finish();
        if (up.stream) {
          ctx.res.setWaiting(false);
          body.reserve(kBodyBuffer);  // grow only once bytes flow: waiting streams stay small
        }
        body.consume(step.consumed);
        if (!st.ok()) {
          co_await writer->abort();
          failure = std::move(st).error();
          co_return co_await fail();
        }
        continue;
      }
      case MultipartParser::Kind::PartEnd:
        body.consume(step.consumed);
        partDone = true;
        continue;
      case MultipartParser::Kind::Error:
        co_await writer->abort();
        failure = Error::badRequest("invalid multipart form : " + parser.errorMessage());
        co_return co_await fail();
      default:
        body.consume(step.consumed);
        co_await writer->abort();
        failure = Error::badRequest("invalid multipart form : unexpected part");
        co_return co_await fail();
    }
  }

  if (up.stream) ctx.res.setWaiting(true);
  auto committed = co_await writer->commit();
  if (up.stream) ctx.res.setWaiting(false);
  if (!committed.ok()) {
    co_await writer->abort();
    failure = std::move(committed).error();
    co_return co_await fail();
  }

  FileUpdate upd;
  upd.md5 = hashing ? md5.hex() : std::string();
  upd.size = size;
  upd.type = size > 0 ? detectContentType(std::span<const char>(sniff.data(), sniff.size())) : file.type;
  upd.backendDetails = *committed;
  FileStatus to = up.stream ? FileStatus::Deleted : FileStatus::Uploaded;
  std::string id = file.id;
  auto job6 = [&meta, id, to, upd] {
    return meta.completeFile(id, FileStatus::Uploading, to, upd);
  };
  auto done = co_await blocking(ctx, job6);
  if (!done.ok() || !*done) {
    // The upload was removed or expired meanwhile: drop the bytes we just stored.
    if (!up.stream) (void)co_await ctx.svc.data.remove(file);
    if (!done.ok()) co_return std::move(done).error();
    co_return Error::internal("unable to update file metadata", "file status changed during upload");
  }
  file.status = to;
  file.md5 = upd.md5;
  file.size = upd.size;
  file.type = upd.type;
  file.backendDetails = upd.backendDetails;
  co_return file;
}

}  // namespace plik
