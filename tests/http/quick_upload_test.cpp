// POST / quick upload (spec §7.3).
#include "http/test_server.hpp"

namespace plik::test {
namespace {

using QuickUpload = PlikTest;
using QuickUploadConfig = PlikConfigTest;

TEST_F(QuickUpload, ReturnsUrlLine) {
  auto mp = multipartFile("quick.txt", "quick content");
  auto r = post("/", mp.body, {{"Content-Type", mp.contentType()}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string base = "http://127.0.0.1:" + std::to_string(port_) + "/file/";
  ASSERT_EQ(r.body.rfind(base, 0), 0u) << r.body;
  ASSERT_EQ(r.body.back(), '\n');
  std::string path = r.body.substr(base.size() - 6, r.body.size() - base.size() + 5);
  EXPECT_EQ(path.substr(path.size() - 10), "/quick.txt");
  auto d = get(path);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "quick content");
}

TEST_F(QuickUploadConfig, WithDownloadDomain) {
  cfg.downloadDomain = "http://127.0.0.1:1";  // replaced below once the port is known
  startServer();
  stopServer();
  cfg.downloadDomain = "http://127.0.0.1:" + std::to_string(port_);
  cfg.listenPort = port_;
  startServer();
  auto mp = multipartFile("q.txt", "xyz");
  auto r = post("/", mp.body, {{"Content-Type", mp.contentType()}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string base = cfg.downloadDomain + "/file/";
  ASSERT_EQ(r.body.rfind(base, 0), 0u) << r.body;
  auto d =
      get(r.body.substr(cfg.downloadDomain.size(), r.body.size() - cfg.downloadDomain.size() - 1));
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "xyz");
}

TEST_F(QuickUploadConfig, ForcedPasswordRefused) {
  cfg.featurePassword = "forced";
  startServer();
  auto mp = multipartFile("q.txt", "xyz");
  auto r = post("/", mp.body, {{"Content-Type", mp.contentType()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "unable to create upload : server only accept uploads protected by password\n");
}

TEST_F(QuickUpload, NotMultipart) {
  auto r = post("/", "hello", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid multipart form : request Content-Type isn't multipart/form-data\n");
}

}  // namespace
}  // namespace plik::test
