// Stream mode's zero-copy path (server/upload_service.cpp spliceRest, the downloader's
// Connection::spliceFrom): a single-part form of declared size is spliced from the uploader's
// socket into the downloader's; anything else is copied. Same failure semantics either way.
#include <sys/socket.h>

#include <future>
#include <thread>

#include "http/stream_fixture.hpp"

namespace plik::test {
namespace {

using namespace std::chrono_literals;

TEST_F(Stream, DeclaredSizeIsSplicedByteExact) {
  startServer();
  std::string content = randomBytes(8 * 1024 * 1024 + 3, 51);
  Json up = createStream("s.bin", static_cast<int64_t>(content.size()));
  auto uploader = uploadAsync(up, "s.bin", content);
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto r = get(fileUrl(up, "stream"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.size(), content.size());
  EXPECT_TRUE(r.body == content);
  ASSERT_EQ(uploader.wait_for(10s), std::future_status::ready);
  auto u = uploader.get();
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(Json::parse(u.body)["fileSize"], content.size());
  EXPECT_EQ(Json::parse(u.body)["fileType"], "application/octet-stream");
  // Most of the bytes never went through plikd's memory.
  EXPECT_GT(streamedBytes("splice"), 6 * 1024 * 1024);
  EXPECT_EQ(streamedBytes("copy") + streamedBytes("splice"), static_cast<int64_t>(content.size()));
  EXPECT_EQ(dataFileCount(), 0u);
}

// A form whose length does not match "declared bytes + closing delimiter" (here: one more
// field after the file) is parsed span by span, so the field never leaks into the file.
TEST_F(Stream, OtherFormShapesAreCopied) {
  startServer();
  std::string content = randomBytes(2 * 1024 * 1024, 52);
  Json up = createStream("s.bin", static_cast<int64_t>(content.size()));
  auto mp = multipartFile("s.bin", content);
  const std::string closing = "--" + mp.boundary + "--\r\n";
  mp.body.resize(mp.body.size() - closing.size());
  mp.body += "--" + mp.boundary + "\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nx\r\n" +
             closing;
  auto uploader = startUploader(up, mp, 0);
  std::thread sender([&] { uploader->send(mp.body); });
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto r = get(fileUrl(up, "stream"));
  sender.join();
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == content);
  auto u = uploader->readResponse();
  EXPECT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(streamedBytes("splice"), 0);
}

// The body has the announced length but does not end with the closing delimiter: the
// uploader gets a 400, and the downloader never gets a complete response (the last byte is
// held back until the tail is checked).
TEST_F(Stream, BadTailNeverCompletesTheDownload) {
  startServer();
  std::string content = randomBytes(4 * 1024 * 1024, 53);
  Json up = createStream("s.bin", static_cast<int64_t>(content.size()));
  auto mp = multipartFile("s.bin", content);
  const std::string closing = "\r\n--" + mp.boundary + "--\r\n";
  ASSERT_EQ(mp.body.substr(mp.body.size() - closing.size()), closing);
  mp.body.replace(mp.body.size() - closing.size(), closing.size(), std::string(closing.size(), 'Z'));
  auto uploader = startUploader(up, mp, 0);
  // The body is sent from another thread: it blocks until the downloader takes the bytes.
  std::thread sender([&] { uploader->send(mp.body); });
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  Connection d(port_);
  ASSERT_TRUE(d.send(buildRequest("GET", fileUrl(up, "stream"), {}, "", port_)));
  auto h = d.readHead();
  ASSERT_EQ(h.status, 200);
  auto got = d.readRaw(content.size());
  sender.join();
  EXPECT_LT(got.size(), content.size());  // cut, not ended cleanly
  EXPECT_TRUE(content.compare(0, got.size(), got) == 0);
  auto u = uploader->readResponse();
  EXPECT_EQ(u.status, 400);
  EXPECT_EQ(u.body, "invalid multipart form : the body does not end with the closing boundary\n");
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
}

// DELETE while the downloader's connection splices from a stalled uploader: both released
// at once (the splice is interrupted), the file back to `missing`.
TEST_F(Stream, DeleteInterruptsASplice) {
  startServer();
  StalledSplice s;
  ASSERT_NO_FATAL_FAILURE(startStalledSplice(s, 54));
  auto del0 = del(fileUrl(s.up, "stream"), {{"X-UploadToken", s.up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(del0.status, 200);
  s.downloader->setTimeout(10s);
  auto rest = s.downloader->readRaw(s.size);
  EXPECT_LT(2 * 1024 * 1024 + rest.size(), s.size);
  s.uploader->setTimeout(10s);
  auto u = s.uploader->readResponse();
  EXPECT_EQ(u.status, 404);
  EXPECT_EQ(u.body, "stream cancelled\n");
  EXPECT_EQ(waitStatus(s.up, "missing"), "missing");
  EXPECT_GT(streamedBytes("splice"), 0);  // counted when the interrupted splice returned
}

// Server shutdown during a splice ends both sides with an error and stops.
TEST_F(Stream, ShutdownDuringASplice) {
  startServer();
  StalledSplice s;
  ASSERT_NO_FATAL_FAILURE(startStalledSplice(s, 55));
  auto start = std::chrono::steady_clock::now();
  server_->stop();
  s.downloader->setTimeout(10s);
  auto rest = s.downloader->readRaw(s.size);
  EXPECT_LT(2 * 1024 * 1024 + rest.size(), s.size);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

}  // namespace
}  // namespace plik::test
