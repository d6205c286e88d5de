// Stream mode (spec §9 with the 1.4 semantics adopted in §9.3): relay without storage,
// single consumer, timeouts, cancellation, aborts propagated as errors.
#include <sys/socket.h>

#include <future>
#include <thread>

#include "http/stream_fixture.hpp"

namespace plik::test {
namespace {

using namespace std::chrono_literals;

TEST_F(Stream, UploaderFirst) {
  startServer();
  std::string content = randomBytes(3 * 1024 * 1024 + 5, 31);
  Json up = createStream("s.bin", static_cast<int64_t>(content.size()));
  auto uploader = uploadAsync(up, "s.bin", content);
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  EXPECT_EQ(dataFileCount(), 0u);
  auto r = get(fileUrl(up, "stream"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.body == content);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(content.size()));
  EXPECT_EQ(r.header("Content-Type"), "application/x-test");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache, no-store, must-revalidate");
  EXPECT_EQ(r.header("Pragma"), "no-cache");
  EXPECT_EQ(r.header("Expires"), "0");
  ASSERT_EQ(uploader.wait_for(10s), std::future_status::ready);
  auto u = uploader.get();
  ASSERT_EQ(u.status, 200) << u.body;
  Json f = Json::parse(u.body);
  EXPECT_EQ(f["status"], "deleted");
  EXPECT_EQ(f["fileSize"], content.size());
  EXPECT_EQ(f["fileMd5"], "");  // streams are not hashed (docs/compat.md)
  auto later = get(fileUrl(up, "stream"));
  EXPECT_EQ(later.status, 404);
  std::string fid = up["files"][0]["id"];
  EXPECT_EQ(later.body, "file s.bin (" + fid + ") is not available : deleted\n");
  EXPECT_EQ(dataFileCount(), 0u);
}

TEST_F(Stream, DownloaderFirst) {
  startServer();
  std::string content = "streamed content";
  Json up = createStream("s.txt", static_cast<int64_t>(content.size()));
  auto downloader = std::async(std::launch::async, [&] { return get(fileUrl(up, "stream")); });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(downloader.wait_for(0s), std::future_status::timeout);  // it waits for the uploader
  auto u = uploadFile(up, "s.txt", content, up["files"][0]["id"], "stream");
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(Json::parse(u.body)["status"], "deleted");
  ASSERT_EQ(downloader.wait_for(10s), std::future_status::ready);
  auto r = downloader.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, content);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(content.size()));
}

TEST_F(Stream, FileUrlAlsoStreams) {
  startServer();
  Json up = createStream("s.txt", 0);
  auto uploader = std::async(std::launch::async, [&] {
    return uploadFile(up, "s.txt", "via file url", up["files"][0]["id"], "file");
  });
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto r = get(fileUrl(up, "file"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "via file url");
  EXPECT_TRUE(r.chunked);  // no declared size: no Content-Length
  EXPECT_EQ(uploader.get().status, 200);
}

TEST_F(Stream, HeadDoesNotConsume) {
  startServer();
  Json up = createStream("s.txt", 4);
  auto uploader = uploadAsync(up, "s.txt", "abcd");
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto h = head(fileUrl(up, "stream"));
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.header("Content-Length"), "4");
  auto r = get(fileUrl(up, "stream"));
  EXPECT_EQ(r.body, "abcd");
  EXPECT_EQ(uploader.get().status, 200);
}

TEST_F(Stream, SecondDownloaderGets409) {
  startServer();
  Json up = createStream("s.txt", 5);
  auto first = std::async(std::launch::async, [&] { return get(fileUrl(up, "stream")); });
  std::this_thread::sleep_for(300ms);
  auto second = get(fileUrl(up, "stream"));
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(second.body, "stream is already being downloaded\n");
  auto u = uploadFile(up, "s.txt", "hello", up["files"][0]["id"], "stream");
  EXPECT_EQ(u.status, 200);
  EXPECT_EQ(first.get().body, "hello");
}

TEST_F(Stream, UploaderDisconnectCutsDownload) {
  startServer();
  std::string content = randomBytes(8 * 1024 * 1024, 4);
  Json up = createStream("s.bin", static_cast<int64_t>(content.size()));
  auto mp = multipartFile("s.bin", content);
  auto uploader = startUploader(up, mp, 2 * 1024 * 1024);
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  Connection d(port_);
  ASSERT_TRUE(d.send(buildRequest("GET", fileUrl(up, "stream"), {}, "", port_)));
  auto h = d.readHead();
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.header("Content-Length"), std::to_string(content.size()));
  auto part = d.readRaw(1024 * 1024);
  EXPECT_EQ(part.size(), 1024u * 1024u);
  uploader->close();
  auto rest = d.readRaw(content.size());
  EXPECT_LT(part.size() + rest.size(), content.size());  // the response is cut, not ended cleanly
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
  EXPECT_EQ(dataFileCount(), 0u);
  // retry works
  auto again = uploadAsync(up, "s.bin", "retry");
  auto r = get(fileUrl(up, "stream"));
  // Content-Length was declared for 8 MiB, so the retry's 5 bytes make a short response too;
  // what matters is that the retry is accepted and relayed.
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.substr(0, 5), "retry");
  (void)again.wait_for(10s);
}

// An uploader that hangs up while it still waits for its downloader (partial body sent) is
// noticed long before the stream timeout: the file goes back to `missing`, the slot is free
// for a retry, and a downloader that comes later is not handed a dead stream.
TEST_F(Stream, UploaderHangupWhileWaitingFreesTheFile) {
  cfg.streamTimeout = 300;
  startServer();
  std::string content = randomBytes(64 * 1024, 7);
  Json up = createStream("w.bin", static_cast<int64_t>(content.size()));
  auto mp = multipartFile("w.bin", content);
  auto uploader = startUploader(up, mp, 1000);
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  uploader->close();
  EXPECT_EQ(waitStatus(up, "missing"), "missing");  // within seconds, not the 300 s timeout
  // A retry is accepted (no 409 "an uploader is already streaming") and relayed.
  auto again = uploadAsync(up, "w.bin", content);
  auto r = get(fileUrl(up, "stream"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, content);
  ASSERT_EQ(again.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(again.get().status, 200);
}

TEST_F(Stream, UploaderDisconnectCutsChunkedDownload) {
  startServer();
  std::string content = randomBytes(4 * 1024 * 1024, 8);
  Json up = createStream("s.bin", 0);
  auto mp = multipartFile("s.bin", content);
  auto uploader = startUploader(up, mp, 1024 * 1024);
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto downloader = std::async(std::launch::async, [&] { return get(fileUrl(up, "stream")); });
  std::this_thread::sleep_for(500ms);
  uploader->close();
  ASSERT_EQ(downloader.wait_for(10s), std::future_status::ready);
  auto r = downloader.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked);
  EXPECT_FALSE(r.complete);  // no terminating chunk
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
}

TEST_F(Stream, DownloaderDisconnectEndsUploader) {
  startServer();
  std::string content = randomBytes(32 * 1024 * 1024, 6);
  Json up = createStream("s.bin", static_cast<int64_t>(content.size()));
  auto mp = multipartFile("s.bin", content);
  auto uploader = startUploader(up, mp, 0);
  std::atomic<bool> sendDone{false};
  std::thread sender([&] {
    uploader->send(mp.body);  // blocks on backpressure; fails once the server gives up
    sendDone = true;
  });
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  ASSERT_NO_FATAL_FAILURE(downloadThenReset(port_, up, 512 * 1024));
  uploader->setTimeout(10s);
  auto start = std::chrono::steady_clock::now();
  auto r = uploader->readResponse();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_NE(r.status, 200);
  if (r.status != 0) EXPECT_GE(r.status, 400);
  uploader->close();  // unblocks the sender if still blocked
  ::shutdown(uploader->fd(), SHUT_RDWR);
  sender.join();
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
  EXPECT_EQ(dataFileCount(), 0u);
}

TEST_F(Stream, TimeoutReleasesUploader) {
  cfg.streamTimeout = 1;
  startServer();
  Json up = createStream("s.txt", 0);
  auto start = std::chrono::steady_clock::now();
  auto u = uploadFile(up, "s.txt", "nobody listens", up["files"][0]["id"], "stream");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_GE(u.status, 400);
  EXPECT_EQ(u.body, "stream timeout: no downloader came within 1s\n");
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
}

TEST_F(Stream, TimeoutReleasesDownloader) {
  cfg.streamTimeout = 1;
  startServer();
  Json up = createStream("s.txt", 0);
  auto start = std::chrono::steady_clock::now();
  auto r = get(fileUrl(up, "stream"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_GE(r.status, 400);
  EXPECT_EQ(r.body, "stream timeout: no uploader came within 1s\n");
}

TEST_F(Stream, DeleteStreamCancelsWaitingUploader) {
  startServer();
  Json up = createStream("s.txt", 0);
  auto uploader = uploadAsync(up, "s.txt", "never read");
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto d = del(fileUrl(up, "stream"), {{"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "ok");
  ASSERT_EQ(uploader.wait_for(10s), std::future_status::ready);
  auto u = uploader.get();
  EXPECT_EQ(u.status, 404);
  EXPECT_EQ(u.body, "stream cancelled\n");
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
  // without a token (not removable) it is refused
  auto refused = del(fileUrl(up, "stream"));
  EXPECT_EQ(refused.status, 403);
}

TEST_F(Stream, DeleteUploadCancelsWaitingUploader) {
  startServer();
  Json up = createStream("s.txt", 0);
  auto uploader = uploadAsync(up, "s.txt", "never read");
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto d = del("/upload/" + up["id"].get<std::string>(),
               {{"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(d.status, 200);
  ASSERT_EQ(uploader.wait_for(10s), std::future_status::ready);
  EXPECT_GE(uploader.get().status, 400);
  EXPECT_EQ(get("/upload/" + up["id"].get<std::string>()).status, 404);
}

TEST_F(Stream, OneShotStreamUploaderGets200) {
  startServer();
  Json up = createStream("s.txt", 0, ",\"oneShot\":true");
  auto uploader = uploadAsync(up, "s.txt", "one shot stream");
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto r = get(fileUrl(up, "stream"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "one shot stream");
  auto u = uploader.get();
  EXPECT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(Json::parse(u.body)["status"], "deleted");
}

TEST_F(Stream, PreviewBotGets406) {
  startServer();
  Json up = createStream("s.txt", 0);
  auto uploader = uploadAsync(up, "s.txt", "for humans");
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto bot = get(fileUrl(up, "stream"),
                 {{"User-Agent", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}});
  EXPECT_EQ(bot.status, 406);
  auto r = get(fileUrl(up, "stream"));
  EXPECT_EQ(r.body, "for humans");
  EXPECT_EQ(uploader.get().status, 200);
}

TEST_F(Stream, MaxFileSizeWhileStreaming) {
  cfg.maxFileSize = 10;
  startServer();
  Json up = createStream("s.txt", 0);
  auto uploader = uploadAsync(up, "s.txt", "this is more than ten bytes");
  auto r = get(fileUrl(up, "stream"));
  auto u = uploader.get();
  EXPECT_EQ(u.status, 400);
  EXPECT_EQ(u.body, "file too big (limit is set to 10 B)\n");
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
}

}  // namespace
}  // namespace plik::test
