// POST /file/{id}[/{fileId}/{name}] (spec §7.3, §8.3, §8.8).
#include <thread>

#include "http/test_server.hpp"

namespace plik::test {
namespace {

using AddFile = PlikTest;
using AddFileConfig = PlikConfigTest;

TEST_F(AddFile, DeclaredFileResultJson) {
  Json up = createUpload(R"({"files":[{"fileName":"data.txt","reference":"ref"}]})");
  auto r = uploadFile(up, "data.txt", "data data data", up["files"][0]["id"]);
  ASSERT_EQ(r.status, 200) << r.body;
  Json f = Json::parse(r.body);
  EXPECT_EQ(f["id"], up["files"][0]["id"]);
  EXPECT_EQ(f["fileName"], "data.txt");
  EXPECT_EQ(f["status"], "uploaded");
  EXPECT_EQ(f["fileMd5"], "2b1ef3928c85db885c68ff4f47fe9b33");
  EXPECT_EQ(f["fileType"], "text/plain; charset=utf-8");
  EXPECT_EQ(f["fileSize"], 14);
  EXPECT_EQ(f["reference"], "ref");
  EXPECT_EQ(r.body.rfind("{\"id\":", 0), 0u);
  auto d = get(fileUrl(up));
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "data data data");
}

TEST_F(AddFile, NewFileWithoutId) {
  Json up = createUpload("{}");
  auto r = uploadFile(up, "new.bin", std::string("\x89PNG\r\n\x1a\n", 8) + "rest");
  ASSERT_EQ(r.status, 200) << r.body;
  Json f = Json::parse(r.body);
  EXPECT_EQ(f["fileType"], "image/png");
  EXPECT_EQ(f["fileName"], "new.bin");
  std::string url =
      "/file/" + up["id"].get<std::string>() + "/" + f["id"].get<std::string>() + "/new.bin";
  auto d = get(url);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.header("Content-Type"), "image/png");
}

TEST_F(AddFile, UploadTwice) {
  Json up = uploadOne("a.txt", "abc");
  auto r = uploadFile(up, "a.txt", "abc", up["files"][0]["id"]);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid file status uploaded, expected missing\n");
}

TEST_F(AddFile, WithoutUploadToken) {
  Json up = createUpload(R"({"removable":true,"files":[{"fileName":"a.txt"}]})");
  Json anon = up;
  anon.erase("uploadToken");
  auto r = uploadFile(anon, "a.txt", "x", up["files"][0]["id"]);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "you are not allowed to add file to this upload\n");
  r = uploadFile(anon, "b.txt", "x");
  EXPECT_EQ(r.status, 403);
  Json wrong = up;
  wrong["uploadToken"] = "wrongtoken";
  r = uploadFile(wrong, "b.txt", "x");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "you are not allowed to add file to this upload\n");
}

TEST_F(AddFile, NameMismatch) {
  Json up = createUpload(R"({"files":[{"fileName":"a.txt"}]})");
  auto mp = multipartFile("b.txt", "x");
  auto r = post("/file/" + up["id"].get<std::string>() + "/" +
                    up["files"][0]["id"].get<std::string>() + "/a.txt",
                mp.body,
                {{"Content-Type", mp.contentType()},
                 {"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid file name\n");
  // wrong name in the URL
  r = uploadFile(up, "zzz", "x", up["files"][0]["id"]);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid file name\n");
}

TEST_F(AddFile, UnknownFileAndUpload) {
  Json up = createUpload("{}");
  auto r = uploadFile(up, "a.txt", "x", "nosuchfile");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "file nosuchfile not found\n");
  Json other = up;
  other["id"] = "nosuchupload";
  r = uploadFile(other, "a.txt", "x");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "upload nosuchupload not found\n");
}

TEST_F(AddFile, FileOfAnotherUpload) {
  Json a = createUpload(R"({"files":[{"fileName":"a.txt"}]})");
  Json b = createUpload("{}");
  auto r = uploadFile(b, "a.txt", "x", a["files"][0]["id"]);
  EXPECT_EQ(r.status, 404);
}

TEST_F(AddFile, EarlierPartsSkipped) {
  Json up = createUpload("{}");
  auto mp = multipartFile("f.txt", "payload", {{"comment", "ignored"}, {"other", "x"}});
  auto r = post("/file/" + up["id"].get<std::string>(), mp.body,
                {{"Content-Type", mp.contentType()},
                 {"X-UploadToken", up["uploadToken"].get<std::string>()}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["fileSize"], 7);
}

TEST_F(AddFile, EmptyFile) {
  Json up = createUpload("{}");
  auto r = uploadFile(up, "empty", "");
  ASSERT_EQ(r.status, 200) << r.body;
  Json f = Json::parse(r.body);
  EXPECT_EQ(f["fileSize"], 0);
  auto d =
      get("/file/" + up["id"].get<std::string>() + "/" + f["id"].get<std::string>() + "/empty");
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "");
  EXPECT_EQ(d.header("Content-Type"), "application/octet-stream");
}

TEST_F(AddFile, ChunkedMultipartBody) {
  Json up = createUpload("{}");
  std::string content = randomBytes(300000, 7);
  auto mp = multipartFile("c.bin", content);
  auto r = post("/file/" + up["id"].get<std::string>(), chunkedEncode(mp.body, 4093),
                {{"Content-Type", mp.contentType()},
                 {"Transfer-Encoding", "chunked"},
                 {"X-UploadToken", up["uploadToken"].get<std::string>()}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json f = Json::parse(r.body);
  EXPECT_EQ(f["fileSize"], 300000);
  auto d =
      get("/file/" + up["id"].get<std::string>() + "/" + f["id"].get<std::string>() + "/c.bin");
  EXPECT_EQ(d.body, content);
}

TEST_F(AddFile, LargeBinaryRoundTrip) {
  std::string content = randomBytes(5 * 1024 * 1024 + 17, 3);
  Json up = uploadOne("big.bin", content);
  auto d = get(fileUrl(up));
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.header("Content-Length"), std::to_string(content.size()));
  EXPECT_TRUE(d.body == content);
}

TEST_F(AddFileConfig, MaxFileSizeActual) {
  cfg.maxFileSize = 10;
  startServer();
  Json up = createUpload(R"({"files":[{"fileName":"a.txt"}]})");
  std::string fid = up["files"][0]["id"];
  auto r = uploadFile(up, "a.txt", "12345678901", fid);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "file too big (limit is set to 10 B)\n");
  EXPECT_EQ(fileStatus(up, fid), "missing");
  EXPECT_EQ(dataFileCount(), 0u);
  r = uploadFile(up, "a.txt", "1234567890", fid);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(get(fileUrl(up)).body, "1234567890");
}

TEST_F(AddFileConfig, MaxFilePerUploadAdd) {
  cfg.maxFilePerUpload = 1;
  startServer();
  Json up = createUpload(R"({"files":[{"fileName":"a.txt"}]})");
  auto r = uploadFile(up, "b.txt", "x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "maximum number file per upload reached, limit is 1\n");
}

TEST_F(AddFile, NewFileNameTooLong) {
  Json up = createUpload("{}");
  auto r = uploadFile(up, std::string(1025, 'x'), "x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "unable to create file : file name xxxxxxxxxxxxxxxxxxxx... is too long, maximum length "
            "is 1024 characters\n");
}

TEST_F(AddFile, ConcurrentUploadsOfSameFileOnlyOneWins) {
  Json up = createUpload(R"({"files":[{"fileName":"c.bin"}]})");
  std::string fid = up["files"][0]["id"];
  std::string content = randomBytes(256 * 1024, 17);
  std::vector<Response> results(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] { results[i] = uploadFile(up, "c.bin", content, fid); });
  for (auto& t : threads) t.join();
  int ok = 0;
  for (auto& r : results) {
    if (r.status == 200) {
      ++ok;
    } else {
      EXPECT_EQ(r.status, 400);
      EXPECT_TRUE(r.body == "invalid file status uploading, expected missing\n" ||
                  r.body == "invalid file status uploaded, expected missing\n")
          << r.body;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_TRUE(get(fileUrl(up)).body == content);
}

}  // namespace
}  // namespace plik::test
