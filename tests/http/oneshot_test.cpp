// OneShot downloads (spec §8.4): consumed exactly once, not by HEAD, a premature GET or a
// broken transfer.
#include <sys/socket.h>

#include <thread>

#include "http/test_server.hpp"

namespace plik::test {
namespace {

using OneShot = PlikTest;

TEST_F(OneShot, ConsumedOnce) {
  Json up = uploadOne("o.txt", "one shot", "\"oneShot\":true");
  auto h = head(fileUrl(up));
  EXPECT_EQ(h.status, 200);
  auto r = get(fileUrl(up));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "one shot");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache, no-store, must-revalidate");
  EXPECT_EQ(r.header("Pragma"), "no-cache");
  EXPECT_EQ(r.header("Expires"), "0");
  // The purge (removed -> deleted) runs right after the last byte is sent, so a GET racing it
  // may still see `removed`; either way it is a 404 and the file ends up `deleted`.
  auto again = get(fileUrl(up));
  EXPECT_EQ(again.status, 404);
  std::string fid = up["files"][0]["id"];
  std::string prefix = "file o.txt (" + fid + ") is not available : ";
  EXPECT_TRUE(again.body == prefix + "deleted\n" || again.body == prefix + "removed\n")
      << again.body;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fileStatus(up, fid) != "deleted" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(fileStatus(up, fid), "deleted");
  EXPECT_EQ(get(fileUrl(up)).body, prefix + "deleted\n");
  EXPECT_EQ(dataFileCount(), 0u);
}

TEST_F(OneShot, PrematureGetDoesNotConsume) {
  Json up = createUpload(R"({"oneShot":true,"files":[{"fileName":"o.txt"}]})");
  std::string fid = up["files"][0]["id"];
  auto r = get(fileUrl(up));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "file o.txt (" + fid + ") is not available : missing\n");
  ASSERT_EQ(uploadFile(up, "o.txt", "content", fid).status, 200);
  EXPECT_EQ(head(fileUrl(up)).status, 200);
  EXPECT_EQ(head(fileUrl(up)).status, 200);
  r = get(fileUrl(up));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "content");
}

TEST_F(OneShot, ConcurrentGetsOnlyOneWins) {
  std::string content = randomBytes(2 * 1024 * 1024, 11);
  Json up = uploadOne("c.bin", content, "\"oneShot\":true");
  std::string url = fileUrl(up);
  std::vector<Response> results(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { results[i] = get(url); });
  for (auto& t : threads) t.join();
  int ok = 0, notFound = 0;
  for (auto& r : results) {
    if (r.status == 200) {
      ++ok;
      EXPECT_TRUE(r.body == content);
    } else if (r.status == 404) {
      ++notFound;
    } else {
      ADD_FAILURE() << r.status << " " << r.body;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(notFound, 7);
}

TEST_F(OneShot, ClientDisconnectMidBodyDoesNotConsume) {
  std::string content = randomBytes(20 * 1024 * 1024, 5);
  Json up = uploadOne("big.bin", content, "\"oneShot\":true");
  {
    Connection c(port_);
    ASSERT_TRUE(c.send(buildRequest("GET", fileUrl(up), {}, "", port_)));
    auto h = c.readHead();
    ASSERT_EQ(h.status, 200);
    auto part = c.readRaw(1024 * 1024);
    EXPECT_EQ(part.size(), 1024u * 1024u);
    // Close with RST so the server notices at once.
    linger lg{1, 0};
    ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    c.close();
  }
  // The file comes back to `uploaded` once the server notices; poll up to 10 s.
  std::string fid = up["files"][0]["id"];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fileStatus(up, fid) != "uploaded" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(fileStatus(up, fid), "uploaded");
  auto r = get(fileUrl(up));
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == content);
  EXPECT_EQ(get(fileUrl(up)).status, 404);
}

TEST_F(OneShot, PreviewBotGets406) {
  Json up = uploadOne("o.txt", "x", "\"oneShot\":true");
  auto r = get(fileUrl(up),
               {{"User-Agent", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}});
  EXPECT_EQ(r.status, 406);
  // not consumed
  EXPECT_EQ(get(fileUrl(up)).body, "x");
}

TEST_F(OneShot, ArchiveConsumes) {
  Json up = uploadOne("o.txt", "x", "\"oneShot\":true");
  auto a = get("/archive/" + up["id"].get<std::string>() + "/archive.zip");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("Cache-Control"), "no-cache, no-store, must-revalidate");
  auto r = get(fileUrl(up));
  EXPECT_EQ(r.status, 404);
  auto a2 = get("/archive/" + up["id"].get<std::string>() + "/archive.zip");
  EXPECT_EQ(a2.status, 400);
  EXPECT_EQ(a2.body, "nothing to archive\n");
}

TEST_F(OneShot, DownloadDuringUpload) {
  Json up = createUpload(R"({"oneShot":true,"files":[{"fileName":"d.bin"}]})");
  std::string fid = up["files"][0]["id"];
  std::string prefix = "file d.bin (" + fid + ") is not available : ";
  EXPECT_EQ(get(fileUrl(up)).body, prefix + "missing\n");
  std::string content = randomBytes(1024 * 1024, 13);
  auto mp = multipartFile("d.bin", content);
  Connection c(port_);
  std::string req = buildRequest(
      "POST", fileUrl(up),
      {{"Content-Type", mp.contentType()}, {"X-UploadToken", up["uploadToken"].get<std::string>()}},
      mp.body, port_);
  size_t half = req.size() / 2;
  ASSERT_TRUE(c.send(std::string_view(req).substr(0, half)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fileStatus(up, fid) != "uploading" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto during = get(fileUrl(up));
  EXPECT_EQ(during.status, 404);
  EXPECT_EQ(during.body, prefix + "uploading\n");
  ASSERT_TRUE(c.send(std::string_view(req).substr(half)));
  auto u = c.readResponse();
  ASSERT_EQ(u.status, 200) << u.body;
  auto r = get(fileUrl(up));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == content);
}

}  // namespace
}  // namespace plik::test
