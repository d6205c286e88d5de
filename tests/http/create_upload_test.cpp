// POST /upload and GET /upload/{id} (spec §2.3, §2.4, §4, §7.1, §7.2, §8.2).
#include "http/test_server.hpp"

namespace plik::test {
namespace {

using CreateUpload = PlikTest;
using CreateUploadConfig = PlikConfigTest;

TEST_F(CreateUpload, EmptyBodyGivesDefaults) {
  Response raw;
  Json up = createUpload("", &raw);
  ASSERT_EQ(raw.status, 200) << raw.body;
  EXPECT_EQ(up["id"].get<std::string>().size(), 16u);
  EXPECT_EQ(up["uploadToken"].get<std::string>().size(), 32u);
  EXPECT_EQ(up["ttl"], 2592000);
  EXPECT_EQ(up["admin"], true);
  EXPECT_EQ(up["oneShot"], false);
  EXPECT_FALSE(up["expireAt"].is_null());
  EXPECT_FALSE(up.contains("uploadIp"));
  // id is the first key (naive clients depend on it)
  EXPECT_EQ(raw.body.rfind("{\"id\":", 0), 0u) << raw.body;
}

TEST_F(CreateUpload, DeclaredFilesAreMissingWithReferences) {
  Json up = createUpload(
      R"({"files":[{"fileName":"a.txt","reference":"r1","fileSize":3},{"fileName":"b","reference":"r2"}]})");
  ASSERT_TRUE(up.is_object());
  ASSERT_EQ(up["files"].size(), 2u);
  EXPECT_EQ(up["files"][0]["status"], "missing");
  EXPECT_EQ(up["files"][0]["reference"], "r1");
  EXPECT_EQ(up["files"][0]["fileName"], "a.txt");
  EXPECT_EQ(up["files"][1]["reference"], "r2");
  EXPECT_EQ(up["files"][0]["id"].get<std::string>().size(), 16u);
}

TEST_F(CreateUpload, CaseInsensitiveKeys) {
  Json up = createUpload(R"({"OneShot":true,"Ttl":60,"REMOVABLE":true,"Comments":"hey"})");
  ASSERT_TRUE(up.is_object());
  EXPECT_EQ(up["oneShot"], true);
  EXPECT_EQ(up["ttl"], 60);
  EXPECT_EQ(up["removable"], true);
  EXPECT_EQ(up["comments"], "hey");
}

TEST_F(CreateUpload, ForbiddenOptionsIgnored) {
  Json up = createUpload(
      R"({"id":"xxxxxxxxxxxxxxxx","admin":false,"downloadDomain":"http://evil","uploadIp":"1.2.3.4",
      "uploadToken":"tok","createdAt":"2001-01-01T00:00:00Z","expireAt":null,"protectedByPassword":true})");
  ASSERT_TRUE(up.is_object());
  EXPECT_NE(up["id"], "xxxxxxxxxxxxxxxx");
  EXPECT_EQ(up["admin"], true);
  EXPECT_EQ(up["downloadDomain"], "");
  EXPECT_FALSE(up.contains("uploadIp"));
  EXPECT_NE(up["uploadToken"], "tok");
  EXPECT_NE(up["createdAt"], "2001-01-01T00:00:00Z");
  EXPECT_EQ(up["protectedByPassword"], false);
}

TEST_F(CreateUpload, GoClientZeroValuesAccepted) {
  Json up = createUpload(
      R"({"id":"","ttl":0,"extend_ttl":false,"downloadDomain":"","comments":"","files":null,
      "uploadToken":"","admin":false,"stream":false,"oneShot":false,"removable":false,"protectedByPassword":false,
      "createdAt":"0001-01-01T00:00:00Z","expireAt":null})");
  EXPECT_TRUE(up.is_object());
}

TEST_F(CreateUpload, MalformedJson) {
  auto r = post("/upload", "{\"ttl\":");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind("unable to deserialize request body : ", 0), 0u) << r.body;
  EXPECT_EQ(r.body.back(), '\n');
  EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  auto r2 = post("/upload", R"({"ttl":"60"})");
  EXPECT_EQ(r2.status, 400);
  EXPECT_EQ(r2.body.rfind("unable to deserialize request body", 0), 0u) << r2.body;
}

TEST_F(CreateUpload, BodyLimitOneMiB) {
  std::string big = "{\"comments\":\"" + std::string((1 << 20) + 10, 'a') + "\"}";
  auto r = post("/upload", big);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "unable to read request body : http: request body too large\n");
  // just under the limit is fine
  std::string ok = "{\"comments\":\"" + std::string((1 << 20) - 100, 'a') + "\"}";
  EXPECT_EQ(post("/upload", ok).status, 200);
}

TEST_F(CreateUpload, ChunkedJsonBody) {
  std::string json = R"({"oneShot":true,"files":[{"fileName":"x"}]})";
  auto r = post("/upload", chunkedEncode(json, 5), {{"Transfer-Encoding", "chunked"}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json up = Json::parse(r.body);
  EXPECT_EQ(up["oneShot"], true);
  EXPECT_EQ(up["files"].size(), 1u);
}

TEST_F(CreateUpload, V1ShareXBodyAndAnswer) {
  Response raw;
  Json up = createUpload(
      R"({"ttl":3600,"files":{"0":{"fileName":"shot.png","fileType":"image/png","fileSize":12}}})",
      &raw);
  ASSERT_EQ(raw.status, 200) << raw.body;
  EXPECT_TRUE(up["files"].is_object());
  ASSERT_EQ(up["files"].size(), 1u);
  auto it = up["files"].begin();
  EXPECT_EQ(it.key(), (*it)["id"].get<std::string>());
  EXPECT_EQ((*it)["fileName"], "shot.png");
  EXPECT_TRUE(up["uploadDate"].is_number_integer());
  EXPECT_EQ(up["ttl"], 3600);
  EXPECT_TRUE(up.contains("downloadDomain"));
  EXPECT_EQ(up["protectedByYubikey"], false);
  EXPECT_FALSE(up.contains("createdAt"));
  // the file can be uploaded with that id
  auto mp = multipartFile("shot.png", "pngdata");
  auto r = post("/file/" + up["id"].get<std::string>() + "/" + it.key() + "/shot.png", mp.body,
                {{"Content-Type", mp.contentType()},
                 {"X-UploadToken", up["uploadToken"].get<std::string>()}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(CreateUpload, FileNameRules) {
  auto r = post("/upload", R"({"files":[{"fileName":""}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "unable to create upload : missing file name\n");
  std::string longName(1025, 'n');
  r = post("/upload", "{\"files\":[{\"fileName\":\"" + longName + "\"}]}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "unable to create upload : file name nnnnnnnnnnnnnnnnnnnn... is too long, maximum "
            "length is 1024 characters\n");
  std::string maxName(1024, 'n');
  EXPECT_EQ(post("/upload", "{\"files\":[{\"fileName\":\"" + maxName + "\"}]}").status, 200);
}

TEST_F(CreateUpload, GetUploadAdminAndAnonymousViews) {
  Json up = createUpload(R"({"files":[{"fileName":"a"}]})");
  std::string id = up["id"];
  auto anon = get("/upload/" + id);
  ASSERT_EQ(anon.status, 200);
  Json a = Json::parse(anon.body);
  EXPECT_EQ(a["admin"], false);
  EXPECT_FALSE(a.contains("uploadToken"));
  EXPECT_EQ(a["files"].size(), 1u);
  auto adm = get("/upload/" + id, {{"X-UploadToken", up["uploadToken"].get<std::string>()}});
  Json b = Json::parse(adm.body);
  EXPECT_EQ(b["admin"], true);
  EXPECT_EQ(b["uploadToken"], up["uploadToken"]);
  auto wrong = get("/upload/" + id, {{"X-UploadToken", "nope"}});
  EXPECT_EQ(Json::parse(wrong.body)["admin"], false);
}

TEST_F(CreateUpload, UnknownUpload) {
  auto r = get("/upload/doesnotexist1234");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "upload doesnotexist1234 not found\n");
}

TEST_F(CreateUpload, TtlRules) {
  auto r = post("/upload", R"({"ttl":-1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "unable to create upload : cannot set infinite TTL (maximum allowed is : 30d)\n");
  r = post("/upload", R"({"ttl":2592001})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "unable to create upload : invalid TTL. (maximum allowed is : 30d)\n");
  Json up = createUpload(R"({"ttl":0})");
  EXPECT_EQ(up["ttl"], 2592000);  // DefaultTTL
}

TEST_F(CreateUpload, TtlExpires) {
  // 2 s: the upload of the file must land before the expiry, also on a loaded machine.
  Json up = uploadOne("f.txt", "hello", "\"ttl\":2");
  ASSERT_TRUE(up.is_object());
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  std::string id = up["id"];
  auto r = get("/upload/" + id);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "upload " + id + " has expired\n");
  auto d = get(fileUrl(up));
  EXPECT_EQ(d.status, 404);
  EXPECT_EQ(d.body, "upload " + id + " has expired\n");
}

TEST_F(CreateUploadConfig, TtlNoLimit) {
  cfg.maxTtl = -1;
  startServer();
  Json up = createUpload(R"({"ttl":-1})");
  ASSERT_TRUE(up.is_object());
  EXPECT_EQ(up["ttl"], -1);
  EXPECT_TRUE(up["expireAt"].is_null());
}

TEST_F(CreateUploadConfig, TtlLimited) {
  cfg.maxTtl = 26;
  cfg.defaultTtl = 20;
  startServer();
  auto r = post("/upload", R"({"ttl":-1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("cannot set infinite TTL"), std::string::npos) << r.body;
  r = post("/upload", R"({"ttl":27})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid TTL"), std::string::npos) << r.body;
  EXPECT_EQ(createUpload(R"({"ttl":0})")["ttl"], 20);
}

TEST_F(CreateUploadConfig, SetTtlDisabled) {
  cfg.featureSetTtl = "disabled";
  cfg.defaultTtl = 100;
  startServer();
  EXPECT_EQ(createUpload(R"({"ttl":-1})")["ttl"], 100);
}

TEST_F(CreateUploadConfig, ExtendTtl) {
  cfg.featureExtendTtl = "enabled";
  startServer();
  Json up = uploadOne("f.txt", "hello", "\"ttl\":2,\"extend_ttl\":true");
  ASSERT_TRUE(up.is_object());
  EXPECT_EQ(up["extend_ttl"], true);
  // Keep accessing for ~3 s: each access pushes expireAt to now + 2 s.
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    auto r = get("/upload/" + up["id"].get<std::string>());
    ASSERT_EQ(r.status, 200) << "access " << i << ": " << r.body;
  }
  auto d = get(fileUrl(up));
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "hello");
}

TEST_F(CreateUploadConfig, ExtendTtlDisabled) {
  startServer();  // default: disabled
  auto r = post("/upload", R"({"extend_ttl":true})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "unable to create upload : extend TTL is disabled\n");
}

struct FlagCase {
  const char* flag;  // "oneShot", "removable", "stream", "password"
  const char* requestOn;
  const char* disabledMessage;
  const char* jsonKey;
};

class FeatureFlags : public PlikConfigTest, public ::testing::WithParamInterface<FlagCase> {
 protected:
  void set(const std::string& v) {
    std::string f = GetParam().flag;
    if (f == "oneShot") cfg.featureOneShot = v;
    if (f == "removable") cfg.featureRemovable = v;
    if (f == "stream") cfg.featureStream = v;
    if (f == "password") cfg.featurePassword = v;
  }
};

TEST_P(FeatureFlags, Disabled) {
  set("disabled");
  startServer();
  auto r = post("/upload", std::string("{") + GetParam().requestOn + "}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, std::string("unable to create upload : ") + GetParam().disabledMessage + "\n");
  EXPECT_EQ(post("/upload", "{}").status, 200);
}

TEST_P(FeatureFlags, Forced) {
  set("forced");
  startServer();
  if (std::string(GetParam().flag) == "password") {
    auto r = post("/upload", "{}");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body,
              "unable to create upload : server only accept uploads protected by password\n");
    Json up = createUpload(R"({"password":"secret"})");
    EXPECT_EQ(up["protectedByPassword"], true);
  } else {
    Json up = createUpload("{}");
    EXPECT_EQ(up[GetParam().jsonKey], true);
  }
}

TEST_P(FeatureFlags, EnabledOptIn) {
  set("enabled");
  startServer();
  Json off = createUpload("{}");
  EXPECT_EQ(off[GetParam().jsonKey], false);
  Json on = createUpload(std::string("{") + GetParam().requestOn + "}");
  EXPECT_EQ(on[GetParam().jsonKey], true);
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, FeatureFlags,
    ::testing::Values(
        FlagCase{"oneShot", "\"oneShot\":true", "one shot uploads are disabled", "oneShot"},
        FlagCase{"removable", "\"removable\":true", "removable uploads are disabled", "removable"},
        FlagCase{"stream", "\"stream\":true", "streaming uploads are disabled", "stream"},
        FlagCase{"password", "\"password\":\"pw\"", "upload password protection is disabled",
                 "protectedByPassword"}),
    [](const auto& info) { return std::string(info.param.flag); });

TEST_F(CreateUploadConfig, CommentsDisabledDropped) {
  cfg.featureComments = "disabled";
  startServer();
  EXPECT_EQ(createUpload(R"({"comments":"hi"})")["comments"], "");
}

TEST_F(CreateUploadConfig, AnonymousUploadsDisabled) {
  cfg.featureAuthentication = "forced";
  startServer();
  auto r = post("/upload", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "unable to create upload : anonymous uploads are disabled\n");
}

TEST_F(CreateUploadConfig, MaxFilePerUploadCreate) {
  cfg.maxFilePerUpload = 2;
  startServer();
  auto r = post("/upload", R"({"files":[{"fileName":"a"},{"fileName":"b"},{"fileName":"c"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "unable to create upload : too many files. maximum is 2\n");
  EXPECT_EQ(post("/upload", R"({"files":[{"fileName":"a"},{"fileName":"b"}]})").status, 200);
}

TEST_F(CreateUploadConfig, DeclaredFileTooBig) {
  cfg.maxFileSize = 10;
  startServer();
  auto r = post("/upload", R"({"files":[{"fileName":"a","fileSize":14}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "unable to create upload : file is too big (14 B), maximum file size is 10 B\n");
}

TEST_F(CreateUploadConfig, UploadWhitelist) {
  cfg.uploadWhitelist = {"10.0.0.0/8"};
  startServer();
  auto r = post("/upload", "{}");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "untrusted source IP address\n");
  auto mp = multipartFile("a.txt", "x");
  auto q = post("/", mp.body, {{"Content-Type", mp.contentType()}});
  EXPECT_EQ(q.status, 403);
  EXPECT_EQ(q.body, "untrusted source IP address\n");
}

TEST_F(CreateUploadConfig, UploadWhitelistOk) {
  cfg.uploadWhitelist = {"127.0.0.1"};
  startServer();
  EXPECT_EQ(post("/upload", "{}").status, 200);
}

TEST_F(CreateUploadConfig, SourceIpHeader) {
  cfg.sourceIpHeader = "X-Remote-Ip";
  cfg.uploadWhitelist = {"10.0.0.0/8"};
  startServer();
  EXPECT_EQ(post("/upload", "{}").status, 403);
  EXPECT_EQ(post("/upload", "{}", {{"X-Remote-Ip", "10.1.2.3"}}).status, 200);
  EXPECT_EQ(post("/upload", "{}", {{"X-Remote-Ip", "192.168.1.1"}}).status, 403);
  auto bad = post("/upload", "{}", {{"X-Remote-Ip", "not-an-ip"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "invalid IP address\n");
}

TEST_F(CreateUploadConfig, SourceIpHeaderMultiValueUsesRightMost) {
  cfg.sourceIpHeader = "X-Forwarded-For";
  cfg.uploadWhitelist = {"10.0.0.0/8"};
  startServer();
  EXPECT_EQ(post("/upload", "{}", {{"X-Forwarded-For", "192.168.1.1, 10.0.0.5"}}).status, 200);
  EXPECT_EQ(post("/upload", "{}", {{"X-Forwarded-For", "10.0.0.5, 192.168.1.1"}}).status, 403);
}

TEST_F(CreateUpload, PasswordProtection) {
  Response raw;
  Json up =
      createUpload(R"({"login":"foo","password":"bar","files":[{"fileName":"s.txt"}]})", &raw);
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.header("Authorization"), "Basic " + base64("foo:bar"));
  EXPECT_EQ(up["protectedByPassword"], true);
  EXPECT_FALSE(up.contains("login"));
  EXPECT_FALSE(up.contains("password"));
  std::string id = up["id"];
  auto up2 = uploadFile(up, "s.txt", "secret data", up["files"][0]["id"]);
  ASSERT_EQ(up2.status, 200) << up2.body;

  auto r = get("/upload/" + id);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Basic realm=\"plik\"");
  EXPECT_EQ(
      r.body,
      "please provide valid credentials to access this upload : missing Authorization header\n");
  r = get("/upload/" + id, {{"Authorization", "Basic"}});
  EXPECT_EQ(
      r.body,
      "please provide valid credentials to access this upload : invalid Authorization header\n");
  r = get("/upload/" + id, {{"Authorization", "Bearer abc"}});
  EXPECT_EQ(r.body,
            "please provide valid credentials to access this upload : invalid http authorization "
            "scheme\n");
  r = get("/upload/" + id, {{"Authorization", "Basic " + base64("foo:nope")}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body,
            "please provide valid credentials to access this upload : invalid credentials\n");
  r = get("/upload/" + id, {{"Authorization", "Basic " + base64("foo:bar")}});
  EXPECT_EQ(r.status, 200);
  // download: browser UA still gets 401 (never redirected)
  auto d = get(fileUrl(up), {{"User-Agent", "Mozilla/5.0"}});
  EXPECT_EQ(d.status, 401);
  d = get(fileUrl(up), {{"Authorization", "Basic " + base64("foo:bar")}});
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "secret data");
}

TEST_F(CreateUpload, PasswordDefaultLogin) {
  Response raw;
  Json up = createUpload(R"({"password":"bar"})", &raw);
  ASSERT_EQ(raw.status, 200);
  auto r = get("/upload/" + up["id"].get<std::string>(),
               {{"Authorization", "Basic " + base64("plik:bar")}});
  EXPECT_EQ(r.status, 200);
}

}  // namespace
}  // namespace plik::test
