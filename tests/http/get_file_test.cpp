// GET|HEAD /file/... downloads: headers, Range, redirects, download domain (spec §6.6, §6.7, §7.4).
#include "http/test_server.hpp"

namespace plik::test {
namespace {

using GetFile = PlikTest;
using GetFileConfig = PlikConfigTest;

TEST_F(GetFile, HeadersAndBody) {
  Json up = uploadOne("hello.txt", "hello world");
  auto r = get(fileUrl(up));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.header("Content-Length"), "11");
  EXPECT_EQ(r.header("Content-Disposition"), "filename=\"hello.txt\"");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(r.has("Cache-Control"));
  EXPECT_FALSE(r.has("X-Frame-Options"));
  auto dl = get(fileUrl(up) + "?dl=1");
  EXPECT_EQ(dl.header("Content-Disposition"), "attachement; filename=\"hello.txt\"");
  auto dl0 = get(fileUrl(up) + "?dl=");
  EXPECT_EQ(dl0.header("Content-Disposition"), "filename=\"hello.txt\"");
}

TEST_F(GetFile, Head) {
  Json up = uploadOne("hello.txt", "hello world");
  auto r = head(fileUrl(up));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Length"), "11");
  EXPECT_EQ(r.body, "");
  // connection reuse after HEAD: pipelined GET on the same connection
  Connection c(port_);
  c.send(buildRequest("HEAD", fileUrl(up), {}, "", port_));
  auto h = c.readResponse(true);
  EXPECT_EQ(h.status, 200);
  c.send(buildRequest("GET", fileUrl(up), {}, "", port_));
  auto g = c.readResponse();
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, "hello world");
}

TEST_F(GetFile, ActiveContentNeutralised) {
  const std::pair<const char*, const char*> cases[] = {
      {"page.html", "<!DOCTYPE html><html><script>alert(1)</script></html>"},
      {"img.svg", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"},
      {"doc.pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"},
  };
  for (auto [name, content] : cases) {
    Json up = uploadOne(name, content);
    auto r = get(fileUrl(up));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type"), "application/octet-stream") << name;
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.body, content);
  }
}

TEST_F(GetFileConfig, EnhancedWebSecurityHeaders) {
  cfg.enhancedWebSecurity = true;
  startServer();
  Json up = uploadOne("a.txt", "abc");
  auto r = get(fileUrl(up));
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.header("X-XSS-Protection"), "1; mode=block");
  EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(
      r.header("Content-Security-Policy"),
      "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; connect-src "
      "'none'; "
      "font-src 'none'; object-src 'none'; media-src 'self'; child-src 'none'; form-action 'none'; "
      "frame-ancestors 'none'; plugin-types; sandbox");
}

TEST_F(GetFile, Range) {
  std::string content = "0123456789abcdefghij";
  Json up = uploadOne("r.txt", content);
  auto r = get(fileUrl(up), {{"Range", "bytes=2-5"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "2345");
  EXPECT_EQ(r.header("Content-Range"), "bytes 2-5/20");
  EXPECT_EQ(r.header("Content-Length"), "4");
  r = get(fileUrl(up), {{"Range", "bytes=15-"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "fghij");
  r = get(fileUrl(up), {{"Range", "bytes=-3"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "hij");
  r = get(fileUrl(up), {{"Range", "bytes=50-60"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.header("Content-Range"), "bytes */20");
  r = get(fileUrl(up));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
}

TEST_F(GetFile, NoRangeOnOneShot) {
  Json up = uploadOne("r.txt", "0123456789", "\"oneShot\":true");
  auto r = get(fileUrl(up), {{"Range", "bytes=2-5"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "0123456789");
  EXPECT_FALSE(r.has("Accept-Ranges"));
  EXPECT_FALSE(r.has("Content-Range"));
}

TEST_F(GetFile, NotFoundMessages) {
  Json up = createUpload(R"({"files":[{"fileName":"a.txt"}]})");
  std::string id = up["id"], fid = up["files"][0]["id"];
  auto r = get("/file/" + id + "/" + fid + "/a.txt");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "file a.txt (" + fid + ") is not available : missing\n");
  r = get("/file/" + id + "/nosuchfileid/a.txt");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "file nosuchfileid not found\n");
  r = get("/file/nosuchupload/" + fid + "/a.txt");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "upload nosuchupload not found\n");
  r = get("/file/" + id + "/" + fid + "/b.txt");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid file name\n");
}

TEST_F(GetFile, BrowserRedirect) {
  Json up = createUpload(R"({"files":[{"fileName":"a.txt"}]})");
  std::string id = up["id"], fid = up["files"][0]["id"];
  std::string target = "/file/" + id + "/" + fid + "/a.txt";
  auto r = get(target, {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}});
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), "/#/?err=file a.txt (" + fid +
                                      ") is not available : missing&errcode=404&uri=" + target);
  for (const char* ua :
       {"curl/8.0", "Wget/1.21", "Go-http-client/1.1", "python-urllib/3.11", "plik_client/1.3"}) {
    auto c = get(target, {{"User-Agent", ua}});
    EXPECT_EQ(c.status, 404) << ua;
  }
  // Non-download routes never redirect
  auto u = get("/upload/nosuchupload", {{"User-Agent", "Mozilla/5.0"}});
  EXPECT_EQ(u.status, 404);
}

TEST_F(GetFileConfig, BrowserRedirectWithPath) {
  cfg.path = "/root";
  startServer();
  auto r = get("/root/file/nosuchupload/f/a.txt", {{"User-Agent", "Mozilla/5.0"}});
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(
      r.header("Location"),
      "/root/#/?err=upload nosuchupload not found&errcode=404&uri=/root/file/nosuchupload/f/a.txt");
}

TEST_F(GetFileConfig, DownloadDomain) {
  cfg.downloadDomain = "http://dl.example.com:8080";
  cfg.downloadDomainAlias = {"http://alias.example.com"};
  startServer();
  Json up = uploadOne("a.txt", "abc");
  EXPECT_EQ(up["downloadDomain"], "http://dl.example.com:8080");
  auto r = get(fileUrl(up));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "Invalid download domain 127.0.0.1:" + std::to_string(port_) + "\n");
  r = get(fileUrl(up), {{"Host", "dl.example.com:8080"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abc");
  r = get(fileUrl(up), {{"Host", "alias.example.com"}});
  EXPECT_EQ(r.status, 200);
  r = get("/archive/" + up["id"].get<std::string>() + "/archive.zip");
  EXPECT_EQ(r.status, 400);
  // upload metadata is not domain-checked
  EXPECT_EQ(get("/upload/" + up["id"].get<std::string>()).status, 200);
}

}  // namespace
}  // namespace plik::test
