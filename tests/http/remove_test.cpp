// DELETE /file/... and DELETE /upload/... (spec §7.6, §8.5).
#include "http/test_server.hpp"

namespace plik::test {
namespace {

using Remove = PlikTest;

TEST_F(Remove, FileWithoutUploadTokenRefused) {
  Json up = uploadOne("a.txt", "abc");
  auto r = del(fileUrl(up));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "you are not allowed to remove files from this upload\n");
  r = del("/upload/" + up["id"].get<std::string>());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "you are not allowed to remove this upload\n");
  r = del(fileUrl(up), {{"X-UploadToken", "wrong"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(get(fileUrl(up)).body, "abc");
}

TEST_F(Remove, FileWithUploadToken) {
  Json up = uploadOne("a.txt", "abc");
  std::string fid = up["files"][0]["id"];
  auto r = del(fileUrl(up), {{"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  auto d = get(fileUrl(up));
  EXPECT_EQ(d.status, 404);
  EXPECT_EQ(d.body, "file a.txt (" + fid + ") is not available : deleted\n");
  EXPECT_EQ(fileStatus(up, fid), "deleted");
  EXPECT_EQ(dataFileCount(), 0u);
  // deleting again is a no-op
  EXPECT_EQ(del(fileUrl(up), {{"X-UploadToken", up["uploadToken"].get<std::string>()}}).status,
            200);
}

TEST_F(Remove, MissingFileBecomesDeleted) {
  Json up = createUpload(R"({"files":[{"fileName":"a.txt"}]})");
  std::string fid = up["files"][0]["id"];
  EXPECT_EQ(del(fileUrl(up), {{"X-UploadToken", up["uploadToken"].get<std::string>()}}).status,
            200);
  EXPECT_EQ(fileStatus(up, fid), "deleted");
  auto r = uploadFile(up, "a.txt", "x", fid);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid file status deleted, expected missing\n");
}

TEST_F(Remove, Removable) {
  Json up = uploadOne("a.txt", "abc", "\"removable\":true");
  EXPECT_EQ(del(fileUrl(up)).status, 200);
  Json up2 = uploadOne("b.txt", "abc", "\"removable\":true");
  auto r = del("/upload/" + up2["id"].get<std::string>());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  auto g = get("/upload/" + up2["id"].get<std::string>());
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(g.body, "upload " + up2["id"].get<std::string>() + " not found\n");
  // removable does not allow adding files
  Json anon = up;
  anon.erase("uploadToken");
  EXPECT_EQ(uploadFile(anon, "c.txt", "x").status, 403);
}

TEST_F(Remove, UploadWithToken) {
  Json up = uploadOne("a.txt", "abc");
  auto r = del("/upload/" + up["id"].get<std::string>(),
               {{"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  auto d = get(fileUrl(up));
  EXPECT_EQ(d.status, 404);
  EXPECT_EQ(d.body, "upload " + up["id"].get<std::string>() + " not found\n");
}

TEST_F(Remove, UnknownIds) {
  auto r = del("/upload/nosuchupload");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "upload nosuchupload not found\n");
  Json up = createUpload("{}");
  r = del("/file/" + up["id"].get<std::string>() + "/nosuchfile/x");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "file nosuchfile not found\n");
}

}  // namespace
}  // namespace plik::test
