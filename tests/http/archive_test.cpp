// GET|HEAD /archive/{id}/{name}.zip (spec §7.5).
#include <cstdlib>
#include <fstream>

#include "http/test_server.hpp"

namespace plik::test {
namespace {

using Archive = PlikTest;

TEST_F(Archive, ZipContent) {
  Json up = createUpload(
      R"({"files":[{"fileName":"a.txt"},{"fileName":"b.bin"},{"fileName":"never.txt"}]})");
  std::string big = randomBytes(700000, 9);
  ASSERT_EQ(uploadFile(up, "a.txt", "hello archive", up["files"][0]["id"]).status, 200);
  ASSERT_EQ(uploadFile(up, "b.bin", big, up["files"][1]["id"]).status, 200);
  std::string url = "/archive/" + up["id"].get<std::string>() + "/archive.zip";
  auto r = get(url);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/zip");
  EXPECT_FALSE(r.has("Content-Length"));
  EXPECT_TRUE(r.chunked);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(r.header("X-XSS-Protection"), "1; mode=block");
  EXPECT_EQ(
      r.header("Content-Security-Policy"),
      "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; connect-src "
      "'none'; "
      "font-src 'none'; object-src 'none'; media-src 'none'; child-src 'none'; form-action 'none'; "
      "frame-ancestors 'none'; plugin-types ''; sandbox ''");
  EXPECT_EQ(r.header("Content-Disposition"), "filename=\"archive.zip\"");
  EXPECT_EQ(r.body.substr(0, 4), std::string("PK\x03\x04", 4));

  auto zip = dir_ / "out.zip";
  auto expectA = dir_ / "a.txt";
  auto expectB = dir_ / "b.bin";
  std::ofstream(zip, std::ios::binary) << r.body;
  std::ofstream(expectA, std::ios::binary) << "hello archive";
  std::ofstream(expectB, std::ios::binary) << big;
  std::string cmd =
      "python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); "
      "assert z.testzip() is None; n=sorted(z.namelist()); assert n==['a.txt','b.bin'], n; "
      "assert z.read('a.txt')==open(sys.argv[2],'rb').read(); "
      "assert z.read('b.bin')==open(sys.argv[3],'rb').read()\" " +
      zip.string() + " " + expectA.string() + " " + expectB.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);

  auto dl = get(url + "?dl=1");
  EXPECT_EQ(dl.header("Content-Disposition"), "attachement; filename=\"archive.zip\"");
  auto h = head(url);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.header("Content-Type"), "application/zip");
}

TEST_F(Archive, Errors) {
  Json up = createUpload(R"({"files":[{"fileName":"a.txt"}]})");
  std::string id = up["id"];
  auto r = get("/archive/" + id + "/archive.zip");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "nothing to archive\n");
  r = get("/archive/" + id + "/archive.tar");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid archive name, missing .zip extension\n");
  r = get("/archive/" + id + "/" + std::string(1030, 'a') + ".zip");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid archive name too long, maximum 1024 characters\n");
  r = get("/archive/nosuchupload/archive.zip");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "upload nosuchupload not found\n");
  Json st = createUpload(R"({"stream":true,"files":[{"fileName":"a.txt"}]})");
  r = get("/archive/" + st["id"].get<std::string>() + "/archive.zip");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "archive feature is not available in stream mode\n");
  r = get("/archive/" + id + "/archive.tar", {{"User-Agent", "Mozilla/5.0"}});
  EXPECT_EQ(r.status, 301);
}

}  // namespace
}  // namespace plik::test
