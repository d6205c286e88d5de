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

constexpr size_t kBodyBuffer = 1024 * 1024;
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


struct PumpResult {
  int64_t size = 0;
  std::string sniff;  // the first kSniffBytes bytes
  std::string md5;    // hex, empty for streams
};

// Zero-copy end of a stream upload. Called between two data spans of the file part; nullopt
// when it does not apply (then the caller goes on span by span). It applies when the file's
// size was declared, the body is a plain Content-Length byte range of the uploader's socket,
// the downloader's connection can splice, and the body length says exactly this: the rest of
// the declared bytes, then the standard closing delimiter and nothing else (a single-part form,
// as curl -F, plik, Go and browsers send). Then the bytes still buffered are written as usual,
// all but the last byte of the socket's range is spliced by the downloader's connection
// straight into its own socket, and the tail is read and checked: exactly one data byte and
// the closing delimiter. The last byte is written only after the check, so a body that does
// not end as announced never gives the downloader a complete response.
asio::awaitable<std::optional<Status>> spliceRest(Context& ctx, const MultipartParser& parser,
                                                  DataWriter& writer, PumpResult& out) {
  constexpr int64_t kSpliceMin = 256 * 1024;  // below this the copy is as cheap
  auto& body = ctx.body;
  const int64_t declared = ctx.file ? ctx.file->size : 0;
  const int64_t limit = maxFileSize(ctx.config());
  const int fd = body.rawFd();
  if (declared <= 0 || (limit > 0 && declared > limit) || fd < 0 || out.size > declared ||
      out.sniff.size() < kSniffBytes)
    co_return std::nullopt;
  const std::string closing = parser.closingDelimiter();
  const int64_t buffered = static_cast<int64_t>(body.buffered().size());
  const int64_t dataLeft = declared - out.size;
  const int64_t inSocket = dataLeft - buffered;  // data bytes not read yet
  if (buffered + body.rawRemaining() != dataLeft + static_cast<int64_t>(closing.size()) ||
      inSocket - 1 < kSpliceMin || !writer.canWriteFromFd())
    co_return std::nullopt;

  ctx.res.setWaiting(true);
  Status st;
  if (buffered > 0) {
    st = co_await writer.write(body.buffered());
    if (st.ok()) body.consume(static_cast<size_t>(buffered));
  }
  if (st.ok()) {
    struct Resume {  // whatever happens, the socket is watched again before the tail is read
      http::BodyReader& b;
      ~Resume() { b.resumeRawFdEvents(); }
    } resume{body};
    body.pauseRawFdEvents();  // the downloader's loop watches it while it splices
    st = co_await writer.writeFromFd(fd, inSocket - 1);
    if (st.ok()) body.skipRaw(inSocket - 1);
  }
  ctx.res.setWaiting(false);
  if (!st.ok()) co_return st;
  out.size = declared - 1;
  const size_t tail = 1 + closing.size();
  while (body.buffered().size() < tail && !body.complete()) {
    auto r = co_await body.fill();
    if (!r.ok()) co_return Status(readError(std::move(r).error()));
  }
  auto rest = body.buffered();
  if (rest.size() != tail || !body.complete() ||
      std::string_view(rest.data() + 1, closing.size()) != closing)
    co_return Status(Error::badRequest(
        "invalid multipart form : the body does not end with the closing boundary"));
  ctx.res.setWaiting(true);
  st = co_await writer.write(rest.first(1));
  ctx.res.setWaiting(false);
  if (!st.ok()) co_return st;
  out.size = declared;
  body.consume(tail);
  co_return Status{};
}

// Copies the current multipart part's data into `writer`: size limit, sniff bytes, MD5 (on the
// pool, in parallel with the write and the next read; not for streams), backpressure by
// awaiting each write.
// Stops after the part's end. On error the writer is left to the caller (to abort).
asio::awaitable<Status> pumpPart(Context& ctx, MultipartParser& parser, DataWriter& writer,
                                 bool stream, PumpResult& out) {
  auto& body = ctx.body;
  const int64_t limit = maxFileSize(ctx.config());
  // Streams are not hashed (docs/compat.md): nothing is stored, and hashing would cost more
  // CPU than the whole relay.
  ParallelMd5 md5(ctx.svc.pool);
  const bool hashing = !stream;
  // A stream uploader may now wait minutes for its downloader: hold only the bytes it sent.
  if (stream) body.shrinkToFit();
  for (;;) {
    auto step = parser.next(body.buffered(), body.complete());
    switch (step.kind) {
      case MultipartParser::Kind::NeedMore: {
        body.consume(step.consumed);
        auto r = co_await body.fill();
        if (!r.ok()) co_return readError(std::move(r).error());
        continue;
      }
      case MultipartParser::Kind::Data: {
        out.size += static_cast<int64_t>(step.data.size());
        if (limit > 0 && out.size > limit)
          co_return Error::badRequest("file too big (limit is set to " + humanizeBytes(limit) + ")");
        if (out.sniff.size() < kSniffBytes)
          out.sniff.append(step.data.data(),
                           std::min(step.data.size(), kSniffBytes - out.sniff.size()));
        if (hashing) co_await md5.update(step.data);  // hashed while we write and read on
        if (stream) ctx.res.setWaiting(true);
        auto st = co_await writer.write(step.data);
        if (stream) {
          ctx.res.setWaiting(false);
          // Grow only once bytes really flowed to a downloader: a waiting stream keeps its
          // small connection buffer (an empty span does not wait for the downloader).
          if (!step.data.empty() && st.ok()) body.reserve(kBodyBuffer);
        }
        body.consume(step.consumed);
        if (!st.ok()) co_return st;
        if (stream) {
          auto spliced = co_await spliceRest(ctx, parser, writer, out);
          if (spliced) co_return std::move(*spliced);
        }
        continue;
      }
      case MultipartParser::Kind::PartEnd:
        body.consume(step.consumed);
        if (hashing) {
          co_await md5.finish();
          out.md5 = md5.hex();
        }
        co_return Status{};
      case MultipartParser::Kind::Error:
        co_return Error::badRequest("invalid multipart form : " + parser.errorMessage());
      default:
        body.consume(step.consumed);
        co_return Error::badRequest("invalid multipart form : unexpected part");
    }
  }
}

// Opens the file's sink, pumps the part into it and commits (backend details in `committed`).
// Any failure aborts the writer (partial data deleted) and is returned.
asio::awaitable<Status> openAndPump(Context& ctx, const File& file, MultipartParser& parser,
                                    PumpResult& pumped, Result<std::string>& committed,
                                    uint64_t begunAt) {
  const bool stream = ctx.upload->stream;
  std::unique_ptr<DataWriter> writer;
  if (stream) {
    auto w = ctx.svc.streams.openUploader(file.id, begunAt);
    if (!w.ok()) co_return std::move(w).error();
    writer = std::move(w).value();
  } else {
    auto w = co_await ctx.svc.data.create(file);
    if (!w.ok()) co_return std::move(w).error();
    writer = std::move(w).value();
    ctx.body.reserve(kBodyBuffer);
  }
  // A stream uploader that hangs up while it waits for its downloader is noticed by the
  // connection (it polls the socket while the response is "waiting") and cancels the stream.
  if (stream) {
    StreamRegistry* streams = &ctx.svc.streams;
    std::string fid = file.id;
    ctx.res.setHangupHandler([streams, fid] { streams->cancel(fid, "uploader disconnected"); });
  }
  struct HangupGuard {  // never cancel a later stream of the same file after we return
    http::ResponseWriter& res;
    ~HangupGuard() { res.setHangupHandler(nullptr); }
  } hangupGuard{ctx.res};

  Status st = co_await pumpPart(ctx, parser, *writer, stream, pumped);
  if (st.ok()) {
    if (stream) ctx.res.setWaiting(true);
    committed = co_await writer->commit();
    if (stream) ctx.res.setWaiting(false);
    if (!committed.ok()) st = committed.error();
  }
  if (!st.ok()) co_await writer->abort();
  co_return st;
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

// Steps 1-2 of receiveFile, in their own coroutine so that their locals are gone before a
// stream uploader starts waiting: finds the part named "file", checks its name, creates or
// checks the file record and moves it `missing -> uploading` for this instance; the record
// is left in ctx.file (no copy in the frame that waits).
asio::awaitable<Status> prepareFile(Context& ctx, const std::optional<File>& declared,
                                    MultipartParser& parser) {
  Upload& up = *ctx.upload;
  auto& meta = ctx.svc.meta;
  auto& body = ctx.body;
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
    auto job3 = [&meta, &file, maxFiles] {
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
  ctx.file = std::move(file);  // the request's file from now on (logs, later steps)
  co_return Status{};
}

// Step 4 of receiveFile: records md5/type/size and the final status with a compare-and-set.
asio::awaitable<Status> finishFile(Context& ctx, File& file, const PumpResult& pumped,
                                   const std::string& backendDetails) {
  const Upload& up = *ctx.upload;
  auto& meta = ctx.svc.meta;
  FileUpdate upd;
  upd.md5 = pumped.md5;
  upd.size = pumped.size;
  upd.type = pumped.size > 0
                 ? detectContentType(std::span<const char>(pumped.sniff.data(), pumped.sniff.size()))
                 : file.type;
  upd.backendDetails = backendDetails;
  FileStatus to = up.stream ? FileStatus::Deleted : FileStatus::Uploaded;
  std::string id = file.id;
  auto job6 = [&meta, &id, to, &upd] {
    return meta.completeFile(id, FileStatus::Uploading, to, upd);
  };
  auto done = co_await blocking(ctx, job6);
  if (!done.ok() || !*done) {
    // The upload was removed or expired meanwhile: drop the bytes we just stored (with the
    // backend details commit() returned: a segmented Swift object needs them).
    file.backendDetails = backendDetails;
    if (!up.stream) (void)co_await ctx.svc.data.remove(file);
    if (!done.ok()) co_return std::move(done).error();
    co_return Error::internal("unable to update file metadata", "file status changed during upload");
  }
  file.status = to;
  file.md5 = upd.md5;
  file.size = upd.size;
  file.type = upd.type;
  file.backendDetails = upd.backendDetails;
  co_return Status{};
}

asio::awaitable<Status> receiveFile(Context& ctx, const std::optional<File>& declared,
                                    HandlerFn respond) {
  auto& meta = ctx.svc.meta;
  if (!ctx.isUploadAdmin) co_return Error::forbidden("you are not allowed to add file to this upload");

  auto ct = ctx.req.header("Content-Type");
  auto boundary = ct ? multipartBoundary(*ct) : std::nullopt;
  if (!boundary)
    co_return Error::badRequest(
        "invalid multipart form : request Content-Type isn't multipart/form-data");

  MultipartParser parser(*boundary);
  // Taken before the file is claimed: a DELETE of the stream that lands between the claim and
  // the registration is remembered by the registry and fails the registration.
  const uint64_t begunAt = ctx.upload->stream ? ctx.svc.streams.mark() : 0;
  // 1. The part named "file" and its file record (now `uploading`).
  Status prepared = co_await prepareFile(ctx, declared, parser);
  if (!prepared.ok()) co_return std::move(prepared).error();
  File& file = *ctx.file;

  // 2. Open the sink (stream relay or data backend), pump the part into it, commit. Every
  //    failure goes through the single exit below: the file back to `missing` (retryable),
  //    its data dropped. (One exit keeps the coroutine frame small: g++ gives every
  //    co_await site its own temporaries, and a waiting stream uploader holds this frame.)
  PumpResult pumped;
  Result<std::string> committed = std::string();
  Status failure = co_await openAndPump(ctx, file, parser, pumped, committed, begunAt);
  if (!failure.ok()) {
    std::string id = file.id;
    auto job5 = [&meta, id] {
      return meta.casFileStatus(id, FileStatus::Uploading, FileStatus::Missing);
    };
    (void)co_await blocking(ctx, job5);
    co_return std::move(failure).error();
  }
  // 3. Metadata: the file is complete.
  Status finished = co_await finishFile(ctx, file, pumped, *committed);
  if (!finished.ok()) co_return finished;
  co_return co_await respond(ctx);
}

}  // namespace plik
