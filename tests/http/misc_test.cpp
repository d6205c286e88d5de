// /config, /version, /health, /qrcode, Path prefix and the static fallback (spec §3.7, §3.8,
// §6.1, §7, §7.7).
#include <filesystem>
#include <fstream>

#include "http/test_server.hpp"

namespace plik::test {
namespace {

using Misc = PlikTest;
using MiscConfig = PlikConfigTest;

TEST_F(Misc, Health) {
  auto r = get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_EQ(head("/health").status, 200);
}

TEST_F(Misc, ConfigKeysInOrder) {
  auto r = get("/config");
  ASSERT_EQ(r.status, 200);
  Json c = Json::parse(r.body);
  const char* keys[] = {"maxFileSize",
                        "maxUserSize",
                        "maxFilePerUpload",
                        "defaultTTL",
                        "maxTTL",
                        "downloadDomain",
                        "downloadDomainAlias",
                        "abuseContact",
                        "feature_authentication",
                        "feature_one_shot",
                        "feature_removable",
                        "feature_stream",
                        "feature_password",
                        "feature_comments",
                        "feature_set_ttl",
                        "feature_extend_ttl",
                        "feature_clients",
                        "feature_github",
                        "feature_text",
                        "authentication",
                        "noAnonymousUploads",
                        "oneShot",
                        "removable",
                        "stream",
                        "protectedByPassword",
                        "googleAuthentication",
                        "ovhAuthentication",
                        "ovhApiEndpoint"};
  size_t last = 0;
  for (const char* k : keys) {
    auto pos = r.body.find(std::string("\"") + k + "\":");
    ASSERT_NE(pos, std::string::npos) << k;
    EXPECT_GT(pos, last) << k;
    last = pos;
  }
  EXPECT_EQ(c["feature_one_shot"], "enabled");
  EXPECT_EQ(c["feature_extend_ttl"], "disabled");
  EXPECT_EQ(c["maxFilePerUpload"], 1000);
  EXPECT_EQ(c["authentication"], false);
}

TEST_F(MiscConfig, ConfigReflectsFlags) {
  cfg.featureStream = "disabled";
  cfg.featureOneShot = "forced";
  startServer();
  Json c = Json::parse(get("/config").body);
  EXPECT_EQ(c["feature_stream"], "disabled");
  EXPECT_EQ(c["stream"], false);
  EXPECT_EQ(c["feature_one_shot"], "forced");
  EXPECT_EQ(c["oneShot"], true);
}

TEST_F(Misc, Version) {
  auto r = get("/version");
  ASSERT_EQ(r.status, 200);
  Json v = Json::parse(r.body);
  EXPECT_TRUE(v["version"].is_string());
  EXPECT_TRUE(v.contains("isRelease"));
}

TEST_F(Misc, QrCode) {
  auto r = get("/qrcode?url=http%3A%2F%2Fexample.com&size=100");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "image/png");
  EXPECT_EQ(r.body.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(get("/qrcode?url=x&size=abc").status, 200);  // default size
  r = get("/qrcode?url=x&size=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "QRCode size must be positive\n");
  r = get("/qrcode?url=x&size=1001");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "QRCode size must be lower than 1000\n");
}

TEST_F(Misc, StaticNotFound) {
  auto r = get("/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  r = get("/../../etc/passwd");
  EXPECT_EQ(r.status, 404);
  // wrong method on a known path falls to the static handler (web UI enabled)
  r = request(port_, "PUT", "/upload", {}, "x");
  EXPECT_EQ(r.status, 404);
}

TEST_F(MiscConfig, StaticServesWebapp) {
  std::filesystem::create_directories(dir_ / "webapp");
  std::ofstream(dir_ / "webapp" / "index.html") << "<html>plik</html>";
  startServer();
  auto r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<html>plik</html>");
  EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(MiscConfig, NoWebInterface405) {
  cfg.noWebInterface = true;
  startServer();
  auto r = request(port_, "PUT", "/upload", {}, "x");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(get("/").status, 405);  // "/" is a known path (POST /), like gorilla/mux
  EXPECT_EQ(get("/nothing").status, 404);
}

TEST_F(MiscConfig, PathPrefix) {
  cfg.path = "/root";
  startServer();
  auto r = get("/root");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), "/root/");
  r = get("/version");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  r = get("/rootversion");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(get("/root/version").status, 200);
  EXPECT_EQ(get("/root/health").body, "ok\n");
  auto c = post("/root/upload", R"({"files":[{"fileName":"p.txt"}]})");
  ASSERT_EQ(c.status, 200);
  Json up = Json::parse(c.body);
  auto mp = multipartFile("p.txt", "prefixed");
  auto u = post("/root/file/" + up["id"].get<std::string>() + "/" +
                    up["files"][0]["id"].get<std::string>() + "/p.txt",
                mp.body,
                {{"Content-Type", mp.contentType()},
                 {"X-UploadToken", up["uploadToken"].get<std::string>()}});
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(get("/root" + fileUrl(up)).body, "prefixed");
  // quick upload URL includes the prefix
  auto q = post("/root/", mp.body, {{"Content-Type", mp.contentType()}});
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_NE(q.body.find(":" + std::to_string(port_) + "/root/file/"), std::string::npos) << q.body;
}

}  // namespace
}  // namespace plik::test
