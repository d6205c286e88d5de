// Unit tests of the client's pure parts: plikrc parsing, TTL and password parsing, URLs, the
// printed download commands, archive/crypto command lines, JSON answers, progress lines.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "client/api_client.hpp"
#include "client/format.hpp"
#include "client/pipeline.hpp"
#include "client/plikrc.hpp"
#include "client/progress.hpp"

namespace plik {
namespace {

TEST(Plikrc, DefaultsWhenEmpty) {
  auto c = parsePlikrc("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "http://127.0.0.1:8080");
  EXPECT_EQ(c->secureMethod, "openssl");
  EXPECT_EQ(c->archiveMethod, "tar");
  EXPECT_EQ(c->cipher, "aes-256-cbc");
  EXPECT_EQ(c->secureOptions, "-md sha512 -pbkdf2 -iter 120000");
  EXPECT_EQ(c->compress, "gzip");
  EXPECT_EQ(c->downloadBinary, "curl");
  EXPECT_FALSE(c->oneShot);
  EXPECT_EQ(c->ttl, 0);
}

TEST(Plikrc, OriginalKeysAndSections) {
  auto c = parsePlikrc(R"(
Debug = false
URL = "https://plik.example.com/"
OneShot = true
Removable = true
Stream = false
Secure = true
SecureMethod = "pgp"
Archive = true
ArchiveMethod = "zip"
DownloadBinary = "wget"
Comments = "hello"
Login = "bob"
Password = "secret"
TTL = 3600
ExtendTTL = true
Token = "tok"
DisableStdin = true
Insecure = true
[SecureOptions]
  Openssl = "/opt/openssl"
  Cipher = "aes-128-cbc"
  Options = "-md sha256"
  Recipient = "alice"
[ArchiveOptions]
  Tar = "/usr/bin/tar"
  Compress = "xz"
  Options = "--exclude=*.o"
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->url, "https://plik.example.com");  // trailing slash stripped
  EXPECT_TRUE(c->oneShot);
  EXPECT_TRUE(c->removable);
  EXPECT_TRUE(c->secure);
  EXPECT_EQ(c->secureMethod, "pgp");
  EXPECT_EQ(c->archiveMethod, "zip");
  EXPECT_EQ(c->downloadBinary, "wget");
  EXPECT_EQ(c->comments, "hello");
  EXPECT_EQ(c->login, "bob");
  EXPECT_EQ(c->password, "secret");
  EXPECT_EQ(c->ttl, 3600);
  EXPECT_TRUE(c->extendTtl);
  EXPECT_EQ(c->token, "tok");
  EXPECT_TRUE(c->disableStdin);
  EXPECT_TRUE(c->insecure);
  EXPECT_EQ(c->openssl, "/opt/openssl");
  EXPECT_EQ(c->cipher, "aes-128-cbc");
  EXPECT_EQ(c->secureOptions, "-md sha256");
  EXPECT_EQ(c->recipient, "alice");
  EXPECT_EQ(c->tar, "/usr/bin/tar");
  EXPECT_EQ(c->compress, "xz");
  EXPECT_EQ(c->archiveOptions, "--exclude=*.o");
}

TEST(Plikrc, KeysAreCaseInsensitive) {
  auto c = parsePlikrc("url = \"http://x:1\"\noneshot = true\nttl = 60\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "http://x:1");
  EXPECT_TRUE(c->oneShot);
  EXPECT_EQ(c->ttl, 60);
}

TEST(Plikrc, SyntaxErrorIsAnError) {
  auto c = parsePlikrc("URL = \"unterminated\nOneShot = maybe\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("line"), std::string::npos);
}

TEST(Plikrc, RenderRoundTrips) {
  ClientConfig in;
  in.url = "http://h:9";
  in.oneShot = true;
  in.token = "a\"b";
  in.ttl = 42;
  auto out = parsePlikrc(renderPlikrc(in));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->url, "http://h:9");
  EXPECT_TRUE(out->oneShot);
  EXPECT_EQ(out->token, "a\"b");
  EXPECT_EQ(out->ttl, 42);
}

TEST(Plikrc, LookupOrder) {
  std::string dir = ::testing::TempDir() + "plikrc_lookup";
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  auto none = findPlikrc(nullptr, dir.c_str());
  ASSERT_TRUE(none.ok());
  if (!std::ifstream("/etc/plik/plikrc")) {
    EXPECT_FALSE(none.value().has_value());
  }
  std::ofstream(dir + "/.plikrc") << "URL = \"http://home\"\n";
  auto home = findPlikrc(nullptr, dir.c_str());
  ASSERT_TRUE(home.ok() && home.value());
  EXPECT_EQ(*home.value(), dir + "/.plikrc");
  std::ofstream(dir + "/env.rc") << "URL = \"http://env\"\n";
  auto env = findPlikrc((dir + "/env.rc").c_str(), dir.c_str());
  ASSERT_TRUE(env.ok() && env.value());
  EXPECT_EQ(*env.value(), dir + "/env.rc");
  auto missing = findPlikrc((dir + "/nope.rc").c_str(), dir.c_str());
  EXPECT_FALSE(missing.ok());
}

TEST(Ttl, Units) {
  EXPECT_EQ(parseTtl("90").value(), 90);
  EXPECT_EQ(parseTtl("30m").value(), 1800);
  EXPECT_EQ(parseTtl("2h").value(), 7200);
  EXPECT_EQ(parseTtl("7d").value(), 604800);
  EXPECT_EQ(parseTtl("0").value(), 0);
  EXPECT_EQ(parseTtl("-1").value(), -1);
  for (const char* bad : {"", "m", "abc", "1x", "1.5h", "-5m", "99999999999999999999d"}) {
    auto r = parseTtl(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message, std::string("Invalid TTL ") + bad);
  }
}

TEST(LoginPassword, Split) {
  EXPECT_EQ(parseLoginPassword("bob:secret"),
            (std::pair<std::string, std::string>{"bob", "secret"}));
  EXPECT_EQ(parseLoginPassword("secret"), (std::pair<std::string, std::string>{"plik", "secret"}));
  EXPECT_EQ(parseLoginPassword("a:b:c"), (std::pair<std::string, std::string>{"a", "b:c"}));
}

TEST(Urls, FileAndPage) {
  EXPECT_EQ(fileUrl("http://h:8080/", false, "U", "F", "a b.txt"),
            "http://h:8080/file/U/F/a%20b.txt");
  EXPECT_EQ(fileUrl("http://h", true, "U", "F", "x"), "http://h/stream/U/F/x");
  EXPECT_EQ(escapePathSegment("a?b#c$d\"e/f'g"), "a%3Fb%23c%24d%22e%2Ff'g");
  EXPECT_EQ(escapePathSegment("é"), "%C3%A9");
  EXPECT_EQ(uploadPageUrl("http://h/", "U"), "http://h/#/?id=U");
}

TEST(Commands, LikeTheOriginal) {
  CommandPipes p;
  EXPECT_EQ(downloadCommand("http://h/file/U/F/a", "a", p),
            "curl -s \"http://h/file/U/F/a\" > 'a'");
  p.downloadBinary = "wget";
  EXPECT_EQ(downloadCommand("u", "it's", p), "wget -q -O- \"u\" > 'it'\\''s'");
  p.downloadBinary = "curl";
  p.decrypt = opensslDecryptCommand("aes-256-cbc", "PASS", "-md sha512 -pbkdf2 -iter 120000");
  p.unarchive = tarUnarchiveCommand("gzip");
  EXPECT_EQ(
      downloadCommand("u", "d.tar.gz", p),
      "curl -s \"u\" | openssl aes-256-cbc -d -pass pass:PASS -md sha512 -pbkdf2 -iter 120000 | "
      "tar xvf - --gzip");
  EXPECT_EQ(tarUnarchiveCommand("no"), "tar xvf -");
}

TEST(Archive, NamesAndCommands) {
  EXPECT_EQ(archiveFileName({"/tmp/dir/"}, "tar", "gzip"), "dir.tar.gz");
  EXPECT_EQ(archiveFileName({"a", "b"}, "tar", "bzip2"), "archive.tar.bz2");
  EXPECT_EQ(archiveFileName({"a"}, "tar", "no"), "a.tar");
  EXPECT_EQ(archiveFileName({"x/y"}, "zip", "gzip"), "y.zip");
  EXPECT_FALSE(tarCompressFlag("rar").ok());

  ArchiveSpec a;
  auto tar = archiveCommand(a, {"/tmp/p/a", "/tmp/p/b"});
  ASSERT_TRUE(tar.ok());
  EXPECT_EQ(tar->cwd, "/tmp/p");
  EXPECT_EQ(tar->argv, (std::vector<std::string>{"/bin/tar", "--create", "--gzip", "--file=-", "--",
                                                 "a", "b"}));
  auto mixed = archiveCommand(a, {"/x/a", "/y/b"});
  EXPECT_EQ(mixed->cwd, "");
  EXPECT_EQ(mixed->argv.back(), "/y/b");
  a.method = "zip";
  a.options = "-9  -x *.o";
  auto zip = archiveCommand(a, {"dir"});
  EXPECT_EQ(zip->argv,
            (std::vector<std::string>{"/usr/bin/zip", "-q", "-r", "-9", "-x", "*.o", "-", "dir"}));
  a.method = "rar";
  EXPECT_FALSE(archiveCommand(a, {"x"}).ok());
}

TEST(Crypto, Commands) {
  CryptoSpec c;
  auto o = encryptCommand(c);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->argv,
            (std::vector<std::string>{"/usr/bin/openssl", "aes-256-cbc", "-pass", "fd:3"}));
  c.method = "pgp";
  EXPECT_FALSE(encryptCommand(c).ok());  // no recipient
  c.recipient = "bob";
  c.options = "";
  auto g = encryptCommand(c);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->argv.back(), "bob");
  c.method = "age";
  auto a = encryptCommand(c);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->argv,
            (std::vector<std::string>{"age", "--encrypt", "--armor", "--recipient", "bob"}));
  c.recipient = "";
  EXPECT_FALSE(encryptCommand(c).ok());
  c.method = "rot13";
  EXPECT_FALSE(encryptCommand(c).ok());
}

TEST(Json, UploadRequestAndAnswers) {
  UploadParams p;
  p.oneShot = true;
  p.ttl = 60;
  p.fileNames = {"a", "b"};
  std::string j = uploadRequestJson(p);
  EXPECT_NE(j.find("\"oneShot\":true"), std::string::npos);
  EXPECT_NE(j.find("\"ttl\":60"), std::string::npos);
  EXPECT_NE(j.find("{\"fileName\":\"b\",\"reference\":\"1\"}"), std::string::npos);
  EXPECT_EQ(j.find("fileSize"), std::string::npos);  // never declared, like the original

  auto u = parseCreatedUpload(
      R"({"id":"U","uploadToken":"T","files":[{"id":"F1","fileName":"b","reference":"1"},)"
      R"({"id":"F0","fileName":"a","reference":"0"}]})",
      2);
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->files[0].id, "F0");
  EXPECT_EQ(u->files[1].id, "F1");
  EXPECT_EQ(u->uploadToken, "T");
  auto bad = parseCreatedUpload(R"({"id":"U","files":[{"id":"F","reference":"7"}]})", 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "no file match for file reference 7");
  EXPECT_FALSE(parseCreatedUpload("not json", 0).ok());

  auto f = parseUploadedFile(
      R"({"id":"F","fileName":"a","status":"uploaded","fileMd5":"m","fileSize":12})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->size, 12);
  EXPECT_EQ(f->md5, "m");
}

TEST(Progress, Line) {
  std::string l = progressLine("file.bin", 500000, 1000000, 100000, false, false, 100);
  EXPECT_NE(l.find(" 50% "), std::string::npos) << l;
  EXPECT_NE(l.find("500 kB / 1.0 MB"), std::string::npos) << l;
  EXPECT_NE(l.find("ETA 0:05"), std::string::npos) << l;
  EXPECT_LE(l.size(), 100u);
  std::string u = progressLine("stdin", 42, -1, 0, true, false, 80);
  EXPECT_NE(u.find("42 B"), std::string::npos) << u;
  EXPECT_NE(progressLine("x", 1, 2, 0, true, true, 80).find("FAILED"), std::string::npos);
  EXPECT_EQ(formatEta(3725), "1:02:05");
}

}  // namespace
}  // namespace plik
