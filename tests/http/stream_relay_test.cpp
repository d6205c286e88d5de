// Streams through any instance (issue #6 item 5): two PlikServers share one database and data
// directory in this process; the uploader talks to A, the downloader to B, and B relays from A
// through the files.instance record. Same failure semantics as a local stream.
#include <sys/socket.h>

#include "http/stream_fixture.hpp"

namespace plik::test {
namespace {

class StreamRelay : public Stream {
 protected:
  void startBoth() {
    cfg.leaseInterval = 1;
    startServer();
    other_ = std::make_unique<PlikServer>(cfg);  // same database, same data directory
    auto p = other_->start();
    ASSERT_TRUE(p.ok()) << p.error().message;
    portB_ = *p;
    ASSERT_NE(server_->services().instanceId, other_->services().instanceId);
  }
  void TearDown() override {
    if (other_) other_->stop();
    other_.reset();
    Stream::TearDown();
  }
  Response getB(const std::string& target, const Headers& h = {}) {
    return request(portB_, "GET", target, h);
  }

  std::unique_ptr<PlikServer> other_;
  uint16_t portB_ = 0;
};

TEST_F(StreamRelay, UploaderOnOneDownloaderOnAnother) {
  startBoth();
  std::string content = randomBytes(5 * 1024 * 1024 + 3, 41);
  Json up = createStream("r.bin", static_cast<int64_t>(content.size()));
  auto uploader = uploadAsync(up, "r.bin", content);  // to A
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto r = getB(fileUrl(up, "stream"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.body == content);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(content.size()));
  EXPECT_EQ(r.header("Content-Type"), "application/x-test");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache, no-store, must-revalidate");
  ASSERT_EQ(uploader.wait_for(10s), std::future_status::ready);
  auto u = uploader.get();
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(Json::parse(u.body)["status"], "deleted");
  EXPECT_EQ(getB(fileUrl(up, "stream")).status, 404);  // consumed, on every instance
  EXPECT_EQ(dataFileCount(), 0u);
  // Zero-copy on both instances: A splices its uploader's socket into B's connection, B
  // splices that into its client's.
  EXPECT_GT(streamedBytes("splice"), 4 * 1024 * 1024);
  EXPECT_GT(streamedBytes("splice", other_.get()), 4 * 1024 * 1024);
}

TEST_F(StreamRelay, DownloaderFirstOnAnotherInstance) {
  startBoth();
  std::string content = randomBytes(700 * 1024, 42);
  Json up = createStream("d.bin", 0);  // undeclared size: chunked through the relay
  auto downloader = std::async(std::launch::async, [&] { return getB(fileUrl(up, "stream")); });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(downloader.wait_for(0s), std::future_status::timeout);  // it waits
  auto u = uploadFile(up, "d.bin", content, up["files"][0]["id"], "stream");  // to A
  ASSERT_EQ(u.status, 200) << u.body;
  ASSERT_EQ(downloader.wait_for(10s), std::future_status::ready);
  auto r = downloader.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.body == content);
}

TEST_F(StreamRelay, UploaderDisconnectCutsRelayedDownload) {
  startBoth();
  std::string content = randomBytes(8 * 1024 * 1024, 43);
  Json up = createStream("c.bin", static_cast<int64_t>(content.size()));
  auto mp = multipartFile("c.bin", content);
  auto uploader = startUploader(up, mp, 2 * 1024 * 1024);  // to A
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  Connection d(portB_);
  ASSERT_TRUE(d.send(buildRequest("GET", fileUrl(up, "stream"), {}, "", portB_)));
  auto h = d.readHead();
  ASSERT_EQ(h.status, 200);
  auto part = d.readRaw(1024 * 1024);
  EXPECT_EQ(part.size(), 1024u * 1024u);
  uploader->close();
  auto rest = d.readRaw(content.size());
  EXPECT_LT(part.size() + rest.size(), content.size());  // cut, never a clean end
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
}

TEST_F(StreamRelay, DownloaderDisconnectOnRelayEndsUploader) {
  startBoth();
  std::string content = randomBytes(32 * 1024 * 1024, 44);
  Json up = createStream("x.bin", static_cast<int64_t>(content.size()));
  auto mp = multipartFile("x.bin", content);
  auto uploader = startUploader(up, mp, 0);
  std::thread sender([&] { uploader->send(mp.body); });
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  ASSERT_NO_FATAL_FAILURE(downloadThenReset(portB_, up, 512 * 1024));
  uploader->setTimeout(15s);
  auto r = uploader->readResponse();
  EXPECT_NE(r.status, 200);
  uploader->close();
  ::shutdown(uploader->fd(), SHUT_RDWR);
  sender.join();
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
}

TEST_F(StreamRelay, DeleteThroughAnotherInstanceCancelsTheStream) {
  startBoth();
  Json up = createStream("del.txt", 0);
  auto uploader = uploadAsync(up, "del.txt", "never read");  // waits on A
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  auto d = request(portB_, "DELETE", fileUrl(up, "stream"),
                   {{"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "ok");
  // A's next lease round (1 s here) sees the file is no longer its own.
  ASSERT_EQ(uploader.wait_for(10s), std::future_status::ready);
  auto u = uploader.get();
  EXPECT_EQ(u.status, 404);
  EXPECT_EQ(u.body, "stream cancelled\n");
  EXPECT_EQ(waitStatus(up, "missing"), "missing");
}

TEST_F(StreamRelay, SecondDownloaderThroughAnotherInstanceGets409) {
  startBoth();
  std::string content = randomBytes(16 * 1024 * 1024, 45);
  Json up = createStream("two.bin", static_cast<int64_t>(content.size()));
  auto mp = multipartFile("two.bin", content);
  auto uploader = startUploader(up, mp, 1024 * 1024);
  ASSERT_EQ(waitStatus(up, "uploading"), "uploading");
  Connection first(port_);
  ASSERT_TRUE(first.send(buildRequest("GET", fileUrl(up, "stream"), {}, "", port_)));
  ASSERT_EQ(first.readHead().status, 200);
  auto second = getB(fileUrl(up, "stream"));
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(second.body, "stream is already being downloaded\n");
  uploader->close();
}

}  // namespace
}  // namespace plik::test
