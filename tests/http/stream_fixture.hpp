// Fixture of the stream tests (tests/http/stream_test.cpp, stream_relay_test.cpp): a server
// with a 30 s stream timeout and helpers to create stream uploads and drive their uploaders.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "http/test_server.hpp"

namespace plik::test {

using namespace std::chrono_literals;

class Stream : public PlikConfigTest {
 protected:
  void SetUp() override {
    PlikConfigTest::SetUp();
    cfg.streamTimeout = 30;
  }
  // Creates a stream upload with one declared file of `size` bytes (0 = undeclared).
  Json createStream(const std::string& name, int64_t size, const std::string& extra = "") {
    std::string body = "{\"stream\":true" + extra + ",\"files\":[{\"fileName\":\"" + name +
                       "\",\"fileSize\":" + std::to_string(size) +
                       ",\"fileType\":\"application/x-test\"}]}";
    Response raw;
    Json up = createUpload(body, &raw);
    EXPECT_EQ(raw.status, 200) << raw.body;
    return up;
  }
  std::future<Response> uploadAsync(const Json& up, const std::string& name, std::string content) {
    return std::async(std::launch::async, [this, up, name, content] {
      return uploadFile(up, name, content, up["files"][0]["id"], "stream");
    });
  }
  // Opens an uploader connection and sends the head and `sendBytes` bytes of the multipart body.
  std::unique_ptr<Connection> startUploader(const Json& up, const Multipart& mp, size_t sendBytes) {
    auto c = std::make_unique<Connection>(port_);
    std::string req = buildRequest("POST", fileUrl(up, "stream"),
                                   {{"Content-Type", mp.contentType()},
                                    {"X-UploadToken", up["uploadToken"].get<std::string>()}},
                                   "", port_);
    // buildRequest wrote Content-Length: 0 for the empty body; patch in the real length.
    auto pos = req.find("Content-Length: 0\r\n");
    req.replace(pos, 19, "Content-Length: " + std::to_string(mp.body.size()) + "\r\n");
    EXPECT_TRUE(c->send(req));
    EXPECT_TRUE(c->send(std::string_view(mp.body).substr(0, sendBytes)));
    return c;
  }
  // A downloader on `port` that takes the head (200) and `bytes` of the stream, then resets
  // its connection (RST, not FIN).
  void downloadThenReset(uint16_t port, const Json& up, size_t bytes) {
    Connection d(port);
    ASSERT_TRUE(d.send(buildRequest("GET", fileUrl(up, "stream"), {}, "", port)));
    ASSERT_EQ(d.readHead().status, 200);
    EXPECT_EQ(d.readRaw(bytes).size(), bytes);
    linger lg{1, 0};
    ::setsockopt(d.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    d.close();
  }
  // A server's plik_stream_bytes_total{path="copy"|"splice"} counter (default: this one).
  int64_t streamedBytes(const std::string& path, PlikServer* server = nullptr) {
    const std::string text = (server ? server : server_.get())->services().metrics.render();
    const std::string key = "plik_stream_bytes_total{path=\"" + path + "\"} ";
    auto pos = text.find(key);
    if (pos == std::string::npos) return -1;
    return std::stoll(text.substr(pos + key.size()));
  }
  // An 8 MiB declared stream whose uploader sent 3 MiB and stalls, and a downloader that has
  // read 2 MiB of it: the downloader's connection is splicing, waiting for the uploader.
  struct StalledSplice {
    Json up;
    size_t size = 0;
    std::unique_ptr<Connection> uploader, downloader;
  };
  void startStalledSplice(StalledSplice& s, uint32_t seed) {
    std::string content = randomBytes(8 * 1024 * 1024, seed);
    s.size = content.size();
    s.up = createStream("s.bin", static_cast<int64_t>(content.size()));
    auto mp = multipartFile("s.bin", content);
    s.uploader = startUploader(s.up, mp, 0);
    // Sent from another thread: it blocks until the downloader comes.
    std::thread sender([&] { s.uploader->send(std::string_view(mp.body).substr(0, 3 * 1024 * 1024)); });
    struct Join {
      std::thread& t;
      ~Join() { t.join(); }
    } join{sender};
    ASSERT_EQ(waitStatus(s.up, "uploading"), "uploading");
    s.downloader = std::make_unique<Connection>(port_);
    ASSERT_TRUE(s.downloader->send(buildRequest("GET", fileUrl(s.up, "stream"), {}, "", port_)));
    ASSERT_EQ(s.downloader->readHead().status, 200);
    ASSERT_EQ(s.downloader->readRaw(2 * 1024 * 1024).size(), 2u * 1024 * 1024);
  }
  std::string waitStatus(const Json& up, const std::string& want) {
    std::string fid = up["files"][0]["id"];
    auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string s;
    while ((s = fileStatus(up, fid)) != want && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    return s;
  }
};

}  // namespace plik::test
