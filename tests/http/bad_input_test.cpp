// Hostile and malformed requests: nothing crashes, nothing escapes the data dir, exact errors
// (spec §6.9, §7.3, design "Style" 5).
#include <sys/socket.h>

#include <filesystem>
#include <thread>

#include "http/test_server.hpp"

namespace plik::test {
namespace {

using BadInput = PlikTest;
using BadInputConfig = PlikConfigTest;

std::string pathOf(const Json& up, size_t i = 0) {
  return "/file/" + up["id"].get<std::string>() + "/" + up["files"][i]["id"].get<std::string>();
}

TEST_F(BadInput, NotMultipart) {
  Json up = createUpload("{}");
  auto r = post(
      "/file/" + up["id"].get<std::string>(), "plain body",
      {{"Content-Type", "text/plain"}, {"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid multipart form : request Content-Type isn't multipart/form-data\n");
  r = post("/file/" + up["id"].get<std::string>(), "plain body",
           {{"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid multipart form : request Content-Type isn't multipart/form-data\n");
}

TEST_F(BadInput, MalformedMultipart) {
  Json up = createUpload("{}");
  Headers h{{"Content-Type", "multipart/form-data; boundary=XYZ"},
            {"X-UploadToken", up["uploadToken"].get<std::string>()}};
  auto r = post("/file/" + up["id"].get<std::string>(), "this is not multipart at all", h);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind("invalid multipart form : ", 0), 0u) << r.body;
  // truncated: a part that never ends
  r = post("/file/" + up["id"].get<std::string>(),
           "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc", h);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body.rfind("invalid multipart form : ", 0), 0u) << r.body;
  // the server still works
  EXPECT_EQ(uploadFile(up, "ok.txt", "fine").status, 200);
}

TEST_F(BadInput, MissingFilePart) {
  Json up = createUpload("{}");
  auto mp = multipartFile("a.txt", "x", {}, "notfile");
  auto r = post("/file/" + up["id"].get<std::string>(), mp.body,
                {{"Content-Type", mp.contentType()},
                 {"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "missing file from multipart form\n");
}

TEST_F(BadInput, EmptyFileName) {
  Json up = createUpload("{}");
  auto r = uploadFile(up, "", "x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "missing file name from multipart form\n");
}

TEST_F(BadInput, TraversalFileNameStoredAsBasename) {
  Json up = createUpload("{}");
  auto r = uploadFile(up, "../../etc/passwd", "not a passwd");
  ASSERT_EQ(r.status, 200) << r.body;
  Json f = Json::parse(r.body);
  EXPECT_EQ(f["fileName"], "passwd");
  auto d =
      get("/file/" + up["id"].get<std::string>() + "/" + f["id"].get<std::string>() + "/passwd");
  EXPECT_EQ(d.body, "not a passwd");
  // nothing written outside the data dir
  for (auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    auto rel = std::filesystem::relative(e.path(), dir_).string();
    EXPECT_TRUE(rel == "files" || rel.rfind("files/", 0) == 0 || rel.rfind("plik.db", 0) == 0)
        << rel;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "etc"));
  EXPECT_FALSE(std::filesystem::exists(dataDir_.parent_path().parent_path() / "etc" / "passwd"));
}

TEST_F(BadInput, VeryLongNames) {
  Json up = createUpload("{}");
  auto r = uploadFile(up, std::string(10000, 'L'), "x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "unable to create file : file name LLLLLLLLLLLLLLLLLLLL... is too long, maximum length "
            "is 1024 characters\n");
  r = post("/upload", "{\"files\":[{\"fileName\":\"" + std::string(10000, 'L') + "\"}]}");
  EXPECT_EQ(r.status, 400);
}

TEST_F(BadInput, ControlCharactersInNamesNeverReachHeaders) {
  // A name with CR/LF declared through JSON: downloads and browser redirects must not let it
  // inject headers.
  Json up = createUpload(R"({"files":[{"fileName":"a\r\nSet-Cookie: evil=1\u0000x"}]})");
  if (!up.is_object()) return;  // refusing such names is fine too
  std::string fid = up["files"][0]["id"];
  std::string target =
      "/file/" + up["id"].get<std::string>() + "/" + fid + "/a%0D%0ASet-Cookie:%20evil=1%00x";
  auto r = get(target, {{"User-Agent", "Mozilla/5.0"}});
  EXPECT_FALSE(r.has("Set-Cookie")) << r.header("Location");
  EXPECT_NE(r.status, 0);
  auto mp = multipartFile("a\r\nSet-Cookie: evil=1\u0000x", "data");
  auto u = post(pathOf(up) + "/a%0D%0ASet-Cookie:%20evil=1%00x", mp.body,
                {{"Content-Type", mp.contentType()},
                 {"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_NE(u.status, 0);
  EXPECT_NE(u.status, 500);
  if (u.status == 200) {
    auto d = get(target);
    EXPECT_FALSE(d.has("Set-Cookie"));
  }
  EXPECT_EQ(get("/health").body, "ok\n");
}

TEST_F(BadInput, NulAndControlInMultipartFileName) {
  Json up = createUpload("{}");
  for (std::string name :
       {std::string("a\0b.txt", 7), std::string("tab\there"), std::string("bell\x07")}) {
    auto mp = multipartFile(name, "x");
    auto r = post("/file/" + up["id"].get<std::string>(), mp.body,
                  {{"Content-Type", mp.contentType()},
                   {"X-UploadToken", up["uploadToken"].get<std::string>()}});
    EXPECT_TRUE(r.status == 200 || r.status == 400) << r.status << " " << r.body;
    if (r.status == 200) {
      Json f = Json::parse(r.body);
      auto d = get("/upload/" + up["id"].get<std::string>());
      EXPECT_EQ(d.status, 200);
    }
  }
  EXPECT_EQ(get("/health").body, "ok\n");
}

TEST_F(BadInput, WrongUploadToken403) {
  Json up = createUpload("{}");
  up["uploadToken"] = "0123456789abcdef0123456789abcdef";
  auto r = uploadFile(up, "a.txt", "x");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "you are not allowed to add file to this upload\n");
}

TEST_F(BadInput, OversizeHeaders431) {
  auto r = get("/config", {{"X-Big", std::string(20000, 'a')}});
  EXPECT_EQ(r.status, 431);
  Headers many;
  for (int i = 0; i < 2000; ++i) many.emplace("X-H" + std::to_string(i), "0123456789");
  r = get("/config", many);
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(get("/health").status, 200);
}

TEST_F(BadInput, GarbageRequestLine) {
  Connection c(port_);
  c.send("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.readResponse();
  EXPECT_TRUE(r.status == 400 || r.status == 0) << r.status;
  Connection c2(port_);
  c2.send(std::string("\0\0\0\xff\xfe garbage", 12));
  c2.shutdownWrite();
  (void)c2.readResponse();
  EXPECT_EQ(get("/health").body, "ok\n");
}

TEST_F(BadInput, HalfBodyThenClose) {
  Json up = createUpload(R"({"files":[{"fileName":"h.bin"}]})");
  std::string fid = up["files"][0]["id"];
  std::string content = randomBytes(4 * 1024 * 1024, 21);
  auto mp = multipartFile("h.bin", content);
  {
    Connection c(port_);
    std::string req = buildRequest("POST", pathOf(up) + "/h.bin",
                                   {{"Content-Type", mp.contentType()},
                                    {"X-UploadToken", up["uploadToken"].get<std::string>()}},
                                   mp.body, port_);
    ASSERT_TRUE(c.send(std::string_view(req).substr(0, req.size() / 2)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    c.close();
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fileStatus(up, fid) != "missing" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(fileStatus(up, fid), "missing");
  EXPECT_EQ(get(fileUrl(up)).status, 404);
  EXPECT_EQ(dataFileCount(), 0u);
  // retry works
  auto r = uploadFile(up, "h.bin", content, fid);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(get(fileUrl(up)).body == content);
}

TEST_F(BadInput, ChunkedBodyCutThenClose) {
  Json up = createUpload(R"({"files":[{"fileName":"h.bin"}]})");
  std::string fid = up["files"][0]["id"];
  auto mp = multipartFile("h.bin", randomBytes(100000, 2));
  std::string body = chunkedEncode(mp.body, 1000);
  {
    Connection c(port_);
    std::string req = buildRequest("POST", pathOf(up) + "/h.bin",
                                   {{"Content-Type", mp.contentType()},
                                    {"Transfer-Encoding", "chunked"},
                                    {"X-UploadToken", up["uploadToken"].get<std::string>()}},
                                   std::string_view(body).substr(0, body.size() / 2), port_);
    ASSERT_TRUE(c.send(req));
    c.shutdownWrite();
    auto r = c.readResponse();  // the server answers an error or just closes
    EXPECT_NE(r.status, 200);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fileStatus(up, fid) != "missing" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(fileStatus(up, fid), "missing");
  EXPECT_EQ(dataFileCount(), 0u);
}

TEST_F(BadInput, InvalidChunkedEncoding) {
  Connection c(port_);
  c.send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n");
  auto r = c.readResponse();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(get("/health").body, "ok\n");
}

TEST_F(BadInputConfig, Slowloris) {
  cfg.readTimeout = 1;
  startServer();
  Connection c(port_);
  std::string req = "GET /config HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n\r\n";
  auto start = std::chrono::steady_clock::now();
  bool cut = false;
  for (char ch : req) {
    if (!c.send(std::string(1, ch))) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(10)) break;
  }
  if (!cut) {
    // Either the connection is already closed or the server answered 408 and closes.
    c.setTimeout(std::chrono::seconds(10));
    auto r = c.readResponse();
    EXPECT_TRUE(r.status == 0 || r.status == 408) << r.status << " " << r.body;
    EXPECT_NE(r.status, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(get("/health").body, "ok\n");
}

TEST_F(BadInput, PipelinedKeepAlive) {
  Json up = uploadOne("p.txt", "pipelined");
  Connection c(port_);
  std::string reqs = buildRequest("GET", "/health", {}, "", port_) +
                     buildRequest("GET", fileUrl(up), {}, "", port_) +
                     buildRequest("GET", "/upload/nosuchupload", {}, "", port_) +
                     buildRequest("POST", "/upload", {}, "{\"ttl\":60}", port_) +
                     buildRequest("HEAD", fileUrl(up), {}, "", port_) +
                     buildRequest("GET", "/health", {}, "", port_);
  ASSERT_TRUE(c.send(reqs));
  auto r1 = c.readResponse();
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.body, "ok\n");
  auto r2 = c.readResponse();
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.body, "pipelined");
  auto r3 = c.readResponse();
  EXPECT_EQ(r3.status, 404);
  EXPECT_EQ(r3.body, "upload nosuchupload not found\n");
  auto r4 = c.readResponse();
  EXPECT_EQ(r4.status, 200);
  EXPECT_EQ(Json::parse(r4.body)["ttl"], 60);
  auto r5 = c.readResponse(true);
  EXPECT_EQ(r5.status, 200);
  EXPECT_EQ(r5.header("Content-Length"), "9");
  auto r6 = c.readResponse();
  EXPECT_EQ(r6.status, 200);
  EXPECT_EQ(r6.body, "ok\n");
}

TEST_F(BadInput, UnreadBodyOnErrorKeepsConnectionSane) {
  // An error answered before the body was read: the next request on the connection must not be
  // parsed out of the leftover body.
  Connection c(port_);
  std::string body = std::string(100000, 'x');
  c.send(buildRequest("POST", "/file/nosuchupload",
                      {{"Content-Type", "multipart/form-data; boundary=b"}}, body, port_) +
         buildRequest("GET", "/health", {}, "", port_));
  auto r1 = c.readResponse();
  EXPECT_EQ(r1.status, 404);
  auto r2 = c.readResponse();
  EXPECT_TRUE(r2.status == 0 || (r2.status == 200 && r2.body == "ok\n")) << r2.status << r2.body;
}

TEST_F(BadInput, CrLfNameInRedirectLocation) {
  Json up = createUpload(R"({"files":[{"fileName":"a\r\nSet-Cookie: evil=1"}]})");
  if (!up.is_object()) return;  // refusing such names is fine too
  std::string target = pathOf(up) + "/a%0D%0ASet-Cookie:%20evil=1";
  auto r = get(target, {{"User-Agent", "Mozilla/5.0"}});
  EXPECT_EQ(r.status, 301);
  EXPECT_FALSE(r.has("Set-Cookie"));
  EXPECT_EQ(r.header("Location").find('\r'), std::string::npos);
  auto c = get(target);
  EXPECT_EQ(c.status, 404);
  EXPECT_FALSE(c.has("Set-Cookie"));
}

}  // namespace
}  // namespace plik::test
