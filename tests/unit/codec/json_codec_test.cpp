// Tests for codec/json_codec: byte-exact Go encoding/json output (field order, omitempty,
// HTML/U+2028 escaping, invalid UTF-8), RFC 3339 times, and the POST /upload decoder
// (case-insensitive keys, type errors, V1 fallback) with real client bodies.
#include "codec/json_codec.hpp"

#include <gtest/gtest.h>

namespace plik {
namespace {

TimePoint tp(std::string_view s) {
  auto t = parseTime(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(TimePoint{});
}

// ---------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------

TEST(JsonTime, Format) {
  EXPECT_EQ(formatTime(TimePoint{}), "0001-01-01T00:00:00Z");
  EXPECT_EQ(formatTime(TimePoint{std::chrono::nanoseconds{1}}), "1970-01-01T00:00:00.000000001Z");
  EXPECT_EQ(formatTime(TimePoint{std::chrono::seconds{1749827061}}), "2025-06-13T15:04:21Z");
  EXPECT_EQ(
      formatTime(TimePoint{std::chrono::seconds{1749827061} + std::chrono::milliseconds{120}}),
      "2025-06-13T15:04:21.12Z");
  EXPECT_EQ(formatTime(TimePoint{std::chrono::nanoseconds{-500000000}}), "1969-12-31T23:59:59.5Z");
}

TEST(JsonTime, RoundTrip) {
  for (std::string_view s :
       {"2025-06-13T15:04:21.123456789Z", "2025-06-13T15:04:21Z", "2024-02-29T23:59:59.1Z",
        "1969-12-31T23:59:59.5Z", "2262-01-01T00:00:00Z", "1678-01-01T00:00:00Z"}) {
    EXPECT_EQ(formatTime(tp(s)), s);
  }
}

TEST(JsonTime, ParseOffsetsAndFractions) {
  EXPECT_EQ(formatTime(tp("2025-06-13T17:04:21.123456789+02:00")),
            "2025-06-13T15:04:21.123456789Z");
  EXPECT_EQ(formatTime(tp("2025-06-13T10:34:21-04:30")), "2025-06-13T15:04:21Z");
  EXPECT_EQ(formatTime(tp("2025-06-13T15:04:21.1234000Z")), "2025-06-13T15:04:21.1234Z");
  EXPECT_EQ(formatTime(tp("2025-06-13T15:04:21.12345678999Z")), "2025-06-13T15:04:21.123456789Z");
  EXPECT_EQ(formatTime(tp("2025-06-13T15:04:21.000Z")), "2025-06-13T15:04:21Z");
  EXPECT_EQ(parseTime("0001-01-01T00:00:00Z"), TimePoint{});
  EXPECT_EQ(parseTime("0001-01-01T01:00:00+01:00"), TimePoint{});
}

TEST(JsonTime, ParseRejects) {
  for (std::string_view s : {"",
                             "2025-06-13",
                             "2025-06-13T15:04:21",
                             "2025-06-13 15:04:21Z",
                             "2025-13-01T00:00:00Z",
                             "2025-00-01T00:00:00Z",
                             "2025-02-29T00:00:00Z",
                             "2025-04-31T00:00:00Z",
                             "2025-06-13T24:00:00Z",
                             "2025-06-13T15:60:00Z",
                             "2025-06-13T15:04:60Z",
                             "2025-06-13t15:04:21Z",
                             "2025-06-13T15:04:21z",
                             "2025-06-13T15:04:21.Z",
                             "2025-06-13T15:04:21,5Z",
                             "2025-06-13T15:04:21+2:00",
                             "2025-06-13T15:04:21+0200",
                             "2025-06-13T15:04:21+24:00",
                             "2025-06-13T15:04:21Z ",
                             " 2025-06-13T15:04:21Z",
                             "0001-01-01T00:00:01Z",
                             "9999-12-31T23:59:59Z"}) {
    EXPECT_FALSE(parseTime(s).has_value()) << s;
  }
  EXPECT_TRUE(parseTime("2024-02-29T00:00:00Z").has_value());
}

// ---------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------

File sampleFile(std::string id) {
  File f;
  f.id = std::move(id);
  f.uploadId = "IsrIPIsDskFpN12E";
  f.name = "a.txt";
  f.status = FileStatus::Uploaded;
  f.md5 = "0cc175b9c0f1b6a831c399e269772661";
  f.type = "text/plain";
  f.size = 12;
  f.reference = "0";
  f.backendDetails = "{\"secret\":1}";
  f.createdAt = tp("2025-06-13T15:04:21.1234Z");
  return f;
}

std::string fileJson(std::string_view id) {
  return "{\"id\":\"" + std::string(id) +
         "\",\"fileName\":\"a.txt\",\"status\":\"uploaded\",\"fileMd5\":"
         "\"0cc175b9c0f1b6a831c399e269772661\",\"fileType\":\"text/plain\",\"fileSize\":12,"
         "\"reference\":\"0\",\"createdAt\":\"2025-06-13T15:04:21.1234Z\"}";
}

const std::string kToken = "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT";

Upload sampleUpload() {
  Upload u;
  u.id = "IsrIPIsDskFpN12E";
  u.ttl = 3600;
  u.remoteIp = "1.2.3.4";
  u.comments = "<b>hi</b> & bye";
  u.uploadToken = kToken;
  u.user = "local:bob";
  u.token = "uuid-tok";
  u.oneShot = true;
  u.protectedByPassword = true;
  u.login = "plik";
  u.password = "$2b$10$hash";
  u.createdAt = tp("2025-06-13T15:04:21Z");
  u.expireAt = tp("2025-06-13T16:04:21.5Z");
  u.files.push_back(sampleFile("aaaaaaaaaaaaaaaa"));
  return u;
}

const std::string kComments = R"("\u003cb\u003ehi\u003c/b\u003e \u0026 bye")";

TEST(JsonWrite, File) {
  EXPECT_EQ(fileToJson(sampleFile("aaaaaaaaaaaaaaaa")), fileJson("aaaaaaaaaaaaaaaa"));
  File zero;
  EXPECT_EQ(fileToJson(zero),
            R"({"id":"","fileName":"","status":"missing","fileMd5":"","fileType":"",)"
            R"("fileSize":0,"reference":"","createdAt":"0001-01-01T00:00:00Z"})");
}

TEST(JsonWrite, UploadSanitizedAdmin) {
  UploadJsonOptions opt;
  opt.downloadDomain = "https://dl.example.com";
  EXPECT_EQ(uploadToJson(sampleUpload(), true, opt),
            R"({"id":"IsrIPIsDskFpN12E","ttl":3600,"extend_ttl":false,)"
            R"("downloadDomain":"https://dl.example.com","comments":)" +
                kComments + R"(,"files":[)" + fileJson("aaaaaaaaaaaaaaaa") +
                R"(],"uploadToken":")" + kToken +
                R"(","admin":true,"stream":false,"oneShot":true,"removable":false,)"
                R"("protectedByPassword":true,"createdAt":"2025-06-13T15:04:21Z",)"
                R"("expireAt":"2025-06-13T16:04:21.5Z"})");
}

TEST(JsonWrite, UploadSanitizedNotAdmin) {
  Upload u = sampleUpload();
  u.expireAt.reset();
  u.extendTtl = true;
  EXPECT_EQ(uploadToJson(u, false),
            R"({"id":"IsrIPIsDskFpN12E","ttl":3600,"extend_ttl":true,"downloadDomain":"",)"
            R"("comments":)" +
                kComments + R"(,"files":[)" + fileJson("aaaaaaaaaaaaaaaa") +
                R"(],"admin":false,"stream":false,"oneShot":true,"removable":false,)"
                R"("protectedByPassword":true,"createdAt":"2025-06-13T15:04:21Z",)"
                R"("expireAt":null})");
}

TEST(JsonWrite, UploadEmptyFiles) {
  Upload u;
  u.id = "x";
  std::string withNull = uploadToJson(u, false, {}, true);
  std::string withArray = uploadToJson(u, false, {}, false);
  EXPECT_EQ(withNull,
            R"({"id":"x","ttl":0,"extend_ttl":false,"downloadDomain":"","comments":"",)"
            R"("files":null,"admin":false,"stream":false,"oneShot":false,"removable":false,)"
            R"("protectedByPassword":false,"createdAt":"0001-01-01T00:00:00Z","expireAt":null})");
  EXPECT_NE(withArray.find(R"("files":[],)"), std::string::npos) << withArray;
}

TEST(JsonWrite, UploadUnsanitizedListing) {
  UploadJsonOptions opt;
  opt.sanitized = false;
  EXPECT_EQ(uploadToJson(sampleUpload(), false, opt),
            R"({"id":"IsrIPIsDskFpN12E","ttl":3600,"extend_ttl":false,"downloadDomain":"",)"
            R"("uploadIp":"1.2.3.4","comments":)" +
                kComments + R"(,"files":[)" + fileJson("aaaaaaaaaaaaaaaa") +
                R"(],"uploadToken":")" + kToken +
                R"(","user":"local:bob","token":"uuid-tok","admin":false,"stream":false,)"
                R"("oneShot":true,"removable":false,"protectedByPassword":true,"login":"plik",)"
                R"("password":"$2b$10$hash","createdAt":"2025-06-13T15:04:21Z",)"
                R"("expireAt":"2025-06-13T16:04:21.5Z"})");
}

TEST(JsonWrite, UploadV1) {
  Upload u = sampleUpload();
  u.files.clear();
  u.files.push_back(sampleFile("zzzzzzzzzzzzzzzz"));
  u.files.push_back(sampleFile("aaaaaaaaaaaaaaaa"));
  UploadJsonOptions opt;
  opt.v1 = true;
  opt.downloadDomain = "https://dl.example.com";
  // Go sorts map keys; admin is never copied into UploadV1 (compat.go).
  EXPECT_EQ(uploadToJson(u, true, opt),
            R"({"id":"IsrIPIsDskFpN12E","uploadDate":1749827061,"ttl":3600,)"
            R"("downloadDomain":"https://dl.example.com","comments":)" +
                kComments + R"(,"files":{"aaaaaaaaaaaaaaaa":)" + fileJson("aaaaaaaaaaaaaaaa") +
                R"(,"zzzzzzzzzzzzzzzz":)" + fileJson("zzzzzzzzzzzzzzzz") + R"(},"uploadToken":")" +
                kToken +
                R"(","admin":false,"stream":false,"oneShot":true,"removable":false,)"
                R"("protectedByPassword":true,"protectedByYubikey":false})");
  u.files.clear();
  std::string empty = uploadToJson(u, false, opt);
  EXPECT_NE(empty.find(R"("files":{},"admin")"), std::string::npos) << empty;
}

TEST(JsonWrite, GoStringEscaping) {
  File f;
  f.name = std::string("<>&\xe2\x80\xa8\xe2\x80\xa9\x01\b\f\n\r\t\"\\/\x7f", 19) +
           "\xff|\xe2\x82|\xed\xa0\x80|\xc0\xaf|\xf4\x90\x80\x80|" +
           "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd";
  std::string json = fileToJson(f);
  std::string expected =
      R"("fileName":"\u003c\u003e\u0026\u2028\u2029\u0001\u0008\u000c\n\r\t\"\\/)"
      "\x7f"
      R"(\ufffd|\ufffd\ufffd|\ufffd\ufffd\ufffd|\ufffd\ufffd|\ufffd\ufffd\ufffd\ufffd|)"
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\"";
  EXPECT_NE(json.find(expected), std::string::npos) << json;
  File withNul;
  withNul.id = std::string("a\0b", 3);
  std::string nul = fileToJson(withNul);
  EXPECT_EQ(nul.rfind(R"({"id":"a\u0000b",)", 0), 0u) << nul;
}

TEST(JsonWrite, Config) {
  Config cfg;
  EXPECT_EQ(configToJson(cfg),
            R"({"maxFileSize":10000000000,"maxUserSize":-1,"maxFilePerUpload":1000,)"
            R"("defaultTTL":2592000,"maxTTL":2592000,"downloadDomain":"",)"
            R"("downloadDomainAlias":null,"abuseContact":"","feature_authentication":"disabled",)"
            R"("feature_one_shot":"enabled","feature_removable":"enabled",)"
            R"("feature_stream":"enabled","feature_password":"enabled",)"
            R"("feature_comments":"enabled","feature_set_ttl":"enabled",)"
            R"("feature_extend_ttl":"disabled","feature_clients":"enabled",)"
            R"("feature_github":"enabled","feature_text":"enabled","authentication":false,)"
            R"("noAnonymousUploads":false,"oneShot":true,"removable":true,"stream":true,)"
            R"("protectedByPassword":true,"googleAuthentication":false,)"
            R"("ovhAuthentication":false,"ovhApiEndpoint":"https://eu.api.ovh.com/1.0"})");

  cfg.maxFileSize = -1;
  cfg.maxTtl = 0;
  cfg.downloadDomain = "https://dl.example.com";
  cfg.downloadDomainAlias = {"https://a.example.com", "http://b"};
  cfg.abuseContact = "abuse@example.com";
  cfg.fAuthentication = FeatureFlag::Forced;
  cfg.fOneShot = FeatureFlag::Disabled;
  cfg.fStream = FeatureFlag::Default;
  cfg.fText = FeatureFlag::Forced;
  cfg.googleAuthentication = true;
  EXPECT_EQ(configToJson(cfg),
            R"({"maxFileSize":-1,"maxUserSize":-1,"maxFilePerUpload":1000,)"
            R"("defaultTTL":2592000,"maxTTL":0,"downloadDomain":"https://dl.example.com",)"
            R"("downloadDomainAlias":["https://a.example.com","http://b"],)"
            R"("abuseContact":"abuse@example.com","feature_authentication":"forced",)"
            R"("feature_one_shot":"disabled","feature_removable":"enabled",)"
            R"("feature_stream":"default","feature_password":"enabled",)"
            R"("feature_comments":"enabled","feature_set_ttl":"enabled",)"
            R"("feature_extend_ttl":"disabled","feature_clients":"enabled",)"
            R"("feature_github":"enabled","feature_text":"forced","authentication":true,)"
            R"("noAnonymousUploads":true,"oneShot":false,"removable":true,"stream":true,)"
            R"("protectedByPassword":true,"googleAuthentication":true,)"
            R"("ovhAuthentication":false,"ovhApiEndpoint":"https://eu.api.ovh.com/1.0"})");
}

TEST(JsonWrite, Version) {
  EXPECT_EQ(versionToJson("1.3.8", 1700000000, false),
            R"({"version":"1.3.8","date":1700000000,"isRelease":false,"isMint":false,)"
            R"("clients":null,"releases":null})");
  EXPECT_EQ(versionToJson("1.3.8", 1700000000, true),
            R"({"version":"1.3.8","date":0,"isRelease":false,"isMint":false,)"
            R"("clients":null,"releases":null})");
}

TEST(JsonWrite, ServerStats) {
  ServerStats s{1, 2, 3, 4, 5, 6};
  EXPECT_EQ(serverStatsToJson(s),
            R"({"users":1,"uploads":2,"anonymousUploads":3,"files":4,"totalSize":5,)"
            R"("anonymousTotalSize":6})");
}

// ---------------------------------------------------------------------------------------
// POST /upload body
// ---------------------------------------------------------------------------------------

UploadRequest parseOk(std::string_view body) {
  auto r = parseUploadRequest(body);
  EXPECT_TRUE(r.ok()) << body << " -> " << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : UploadRequest{};
}

std::string parseErr(std::string_view body) {
  auto r = parseUploadRequest(body);
  EXPECT_FALSE(r.ok()) << body;
  if (r.ok()) return {};
  EXPECT_EQ(r.error().status, 400);
  const std::string prefix = "unable to deserialize request body : ";
  EXPECT_EQ(r.error().message.rfind(prefix, 0), 0u) << r.error().message;
  return r.error().message.substr(prefix.size());
}

void expectDefaults(const UploadRequest& r) {
  EXPECT_EQ(r.ttl, 0);
  EXPECT_FALSE(r.extendTtl || r.oneShot || r.removable || r.stream || r.v1);
  EXPECT_TRUE(r.comments.empty() && r.login.empty() && r.password.empty());
  EXPECT_TRUE(r.files.empty());
}

TEST(ParseUpload, EmptyBodyIsDefaults) {
  expectDefaults(parseOk(""));
  expectDefaults(parseOk(" \r\n\t"));
  expectDefaults(parseOk("{}"));
  expectDefaults(parseOk("null"));
  expectDefaults(parseOk(R"({"ttl":null,"files":null,"comments":null,"oneShot":null})"));
}

TEST(ParseUpload, BashClient) {
  auto r = parseOk(R"({ "OneShot" : true, "Removable" : false, "Ttl" : 60 })");
  EXPECT_TRUE(r.oneShot);
  EXPECT_FALSE(r.removable);
  EXPECT_EQ(r.ttl, 60);
  EXPECT_FALSE(r.v1);
}

TEST(ParseUpload, ShareXIsV1) {
  auto r = parseOk(
      R"({"ttl":0,"removable":false,"oneShot":false,"comments":"","login":"","password":"",)"
      R"("files":{"0":{"fileName":"a.png","fileType":"image/png","fileSize":12}}})");
  EXPECT_TRUE(r.v1);
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].fileName, "a.png");
  EXPECT_EQ(r.files[0].fileType, "image/png");
  EXPECT_EQ(r.files[0].fileSize, 12);
  EXPECT_EQ(r.ttl, 0);
}

TEST(ParseUpload, GoClientZeroFields) {
  auto r = parseOk(
      R"({"id":"","ttl":86400,"extend_ttl":false,"downloadDomain":"","comments":"hello",)"
      R"("files":[{"id":"","fileName":"f.txt","status":"","fileMd5":"","fileType":"",)"
      R"("fileSize":42,"reference":"0","createdAt":"0001-01-01T00:00:00Z"}],"admin":false,)"
      R"("stream":true,"oneShot":true,"removable":true,"protectedByPassword":false,)"
      R"("login":"bob","password":"pw","createdAt":"0001-01-01T00:00:00Z","expireAt":null})");
  EXPECT_FALSE(r.v1);
  EXPECT_EQ(r.ttl, 86400);
  EXPECT_TRUE(r.stream && r.oneShot && r.removable);
  EXPECT_EQ(r.comments, "hello");
  EXPECT_EQ(r.login, "bob");
  EXPECT_EQ(r.password, "pw");
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].fileName, "f.txt");
  EXPECT_EQ(r.files[0].fileSize, 42);
  EXPECT_EQ(r.files[0].reference, "0");
}

TEST(ParseUpload, CaseInsensitiveKeys) {
  auto r =
      parseOk(R"({"oneshot":true,"EXTEND_TTL":true,"sTrEaM":true,"REMOVABLE":true,"Comments":"c",)"
              R"("FILES":[{"FILENAME":"x","filesize":3,"FileType":"t","REFERENCE":"r"}]})");
  EXPECT_TRUE(r.oneShot && r.extendTtl && r.stream && r.removable);
  EXPECT_EQ(r.comments, "c");
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].fileName, "x");
  EXPECT_EQ(r.files[0].fileSize, 3);
  EXPECT_EQ(r.files[0].fileType, "t");
  EXPECT_EQ(r.files[0].reference, "r");
  // Go's EqualFold also folds U+017F LONG S to 's'.
  EXPECT_TRUE(parseOk("{\"\xc5\xbftream\":true}").stream);
  EXPECT_FALSE(parseOk(R"({"one_shot":true,"oneShot ":true})").oneShot);
}

TEST(ParseUpload, UnknownKeysIgnoredAndLastDuplicateWins) {
  auto r = parseOk(R"({"foo":{"a":[1,2,{"b":null}],"ttl":9},"ttl":5,"bar":[[]],"x":1e400})");
  EXPECT_EQ(r.ttl, 5);
  EXPECT_EQ(parseOk(R"({"ttl":1,"TTL":2,"ttl":3})").ttl, 3);
  EXPECT_EQ(parseOk(R"({"ttl":3,"Ttl":2})").ttl, 2);
  EXPECT_EQ(parseOk(R"({"files":[{"fileName":"a"}],"files":null})").files.size(), 0u);
}

TEST(ParseUpload, Numbers) {
  EXPECT_EQ(parseOk(R"({"ttl":-1})").ttl, -1);
  EXPECT_EQ(parseOk(R"({"ttl":9223372036854775807})").ttl, INT64_MAX);
  EXPECT_EQ(parseOk(R"({"ttl":-9223372036854775808})").ttl, INT64_MIN);
  EXPECT_EQ(parseOk(R"({"files":[{"fileName":"a","fileSize":10000000000}]})").files[0].fileSize,
            10000000000);
}

TEST(ParseUpload, TypeErrors) {
  EXPECT_EQ(parseErr(R"({"ttl":"60"})"),
            "json: cannot unmarshal string into Go struct field UploadV1.ttl of type int");
  EXPECT_EQ(parseErr(R"({"ttl":1.5})"),
            "json: cannot unmarshal number 1.5 into Go struct field UploadV1.ttl of type int");
  EXPECT_EQ(parseErr(R"({"ttl":1e3})"),
            "json: cannot unmarshal number 1e3 into Go struct field UploadV1.ttl of type int");
  EXPECT_EQ(parseErr(R"({"ttl":9223372036854775808})"),
            "json: cannot unmarshal number 9223372036854775808 into Go struct field "
            "UploadV1.ttl of type int");
  EXPECT_EQ(parseErr(R"({"oneShot":"true"})"),
            "json: cannot unmarshal string into Go struct field UploadV1.oneShot of type bool");
  EXPECT_EQ(parseErr(R"({"comments":5})"),
            "json: cannot unmarshal number into Go struct field UploadV1.comments of type string");
  EXPECT_EQ(parseErr(R"({"login":true,"ttl":"x"})"),
            "json: cannot unmarshal bool into Go struct field UploadV1.login of type string");
  EXPECT_EQ(parseErr(R"({"admin":{}})"),
            "json: cannot unmarshal object into Go struct field UploadV1.admin of type bool");
  // V0-shaped body with a bad file: V1 reports the files array first.
  EXPECT_EQ(parseErr(R"({"files":[{"fileSize":"12"}]})"),
            "json: cannot unmarshal array into Go struct field UploadV1.files of type "
            "map[string]*common.File");
  EXPECT_EQ(parseErr(R"({"files":{"0":{"fileSize":"12"}}})"),
            "json: cannot unmarshal string into Go struct field File.files.fileSize of type int64");
  EXPECT_EQ(
      parseErr(R"({"files":{"0":5}})"),
      "json: cannot unmarshal number into Go struct field UploadV1.files of type common.File");
  EXPECT_EQ(parseErr(R"({"files":"x"})"),
            "json: cannot unmarshal string into Go struct field UploadV1.files of type "
            "map[string]*common.File");
  EXPECT_EQ(parseErr("[1]"), "json: cannot unmarshal array into Go value of type common.UploadV1");
  EXPECT_EQ(parseErr("60"), "json: cannot unmarshal number into Go value of type common.UploadV1");
  // A time.Time error aborts decoding and wins over an earlier type error.
  EXPECT_EQ(parseErr(R"({"files":{"a":{"fileSize":"x","createdAt":5}}})"),
            "Time.UnmarshalJSON: input is not a JSON string");
  EXPECT_EQ(parseErr(R"({"files":{"a":{"createdAt":"yesterday"}}})"),
            R"(parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse )"
            R"("yesterday" as "2006")");
}

TEST(ParseUpload, TimesInV0) {
  EXPECT_FALSE(parseOk(R"({"expireAt":"2025-06-13T15:04:21+02:00","createdAt":null})").v1);
  // Upload.createdAt is bad for V0 but unknown to UploadV1, so Plik accepts it as V1.
  EXPECT_TRUE(parseOk(R"({"createdAt":"garbage","ttl":5})").v1);
  EXPECT_TRUE(parseOk(R"({"expireAt":12})").v1);
  EXPECT_EQ(parseErr(R"({"createdAt":"garbage","files":[]})"),
            "json: cannot unmarshal array into Go struct field UploadV1.files of type "
            "map[string]*common.File");
  EXPECT_EQ(
      parseOk(R"({"files":[{"fileName":"a","createdAt":"2025-06-13T15:04:21.5Z"}]})").files.size(),
      1u);
}

TEST(ParseUpload, V1Details) {
  // extend_ttl is not part of UploadV1; duplicate map keys replace the whole value.
  auto r = parseOk(
      R"({"extend_ttl":true,"stream":true,"files":{"0":{"fileName":"a"},"1":{"fileName":"b"},)"
      R"("0":{"fileType":"x"}}})");
  EXPECT_TRUE(r.v1);
  EXPECT_FALSE(r.extendTtl);
  EXPECT_TRUE(r.stream);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].fileName, "");
  EXPECT_EQ(r.files[0].fileType, "x");
  EXPECT_EQ(r.files[1].fileName, "b");
  EXPECT_TRUE(parseOk(R"({"files":{}})").v1);
  EXPECT_EQ(parseOk(R"({"files":{"0":null}})").files.size(), 1u);
}

TEST(ParseUpload, NullFileElements) {
  auto r = parseOk(R"({"files":[null,{"fileName":"a"}]})");
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].fileName, "");
  EXPECT_EQ(r.files[1].fileName, "a");
}

TEST(ParseUpload, SyntaxErrors) {
  EXPECT_EQ(parseErr("{"), "unexpected end of JSON input");
  EXPECT_EQ(parseErr(R"({"ttl":)"), "unexpected end of JSON input");
  EXPECT_EQ(parseErr(R"({"comments":"abc)"), "unexpected end of JSON input");
  EXPECT_EQ(parseErr("abc"), "invalid character 'a' looking for beginning of value");
  EXPECT_EQ(parseErr(R"({"ttl":60,})"),
            "invalid character '}' looking for beginning of object key string");
  EXPECT_EQ(parseErr(R"({"ttl" 60})"), "invalid character '6' after object key");
  EXPECT_EQ(parseErr(R"({"ttl":60 "a":1})"), "invalid character '\"' after object key:value pair");
  EXPECT_EQ(parseErr(R"({"ttl":60}x)"), "invalid character 'x' after top-level value");
  EXPECT_EQ(parseErr(R"({"files":[1 2]})"), "invalid character '2' after array element");
  EXPECT_EQ(parseErr("{\"comments\":\"a\nb\"}"), "invalid character '\\n' in string literal");
  EXPECT_EQ(parseErr("\xef\xbb\xbf{}"),
            "invalid character '\xc3\xaf' looking for beginning of value");
  EXPECT_EQ(parseErr(std::string(20000, '[')), "exceeded max depth");
  EXPECT_EQ(parseErr("tru x"), "invalid character ' ' in literal true (expecting 'e')");
  EXPECT_EQ(parseErr(R"({"stream":nulx})"),
            "invalid character 'x' in literal null (expecting 'l')");
  EXPECT_EQ(parseErr("nul"), "unexpected end of JSON input");
  EXPECT_EQ(parseErr("-"), "unexpected end of JSON input");
  EXPECT_EQ(parseErr("-x"), "invalid character 'x' in numeric literal");
  EXPECT_EQ(parseErr(R"({"ttl":1.x})"),
            "invalid character 'x' after decimal point in numeric literal");
  EXPECT_EQ(parseErr(R"({"ttl":01})"), "invalid character '1' after object key:value pair");
  EXPECT_EQ(parseErr(R"({"a":"\x"})"), "invalid character 'x' in string escape code");
  EXPECT_EQ(parseErr(R"({"a" true})"), "invalid character 't' after object key");
  EXPECT_EQ(parseErr("\xff"), "invalid character '\xc3\xbf' looking for beginning of value");
  EXPECT_EQ(parseErr(std::string("{\"a\":1}\0", 8)),
            "invalid character '\\x00' after top-level value");
  EXPECT_EQ(parseErr(std::string("{\"a\":\"x\0\"}", 10)),
            "invalid character '\\x00' in string literal");
}

TEST(ParseUpload, HugeNumbersLikeGo) {
  // nlohmann cannot hold 1e400 but Go accepts it syntactically.
  EXPECT_EQ(parseOk(R"({"x":1e400,"y":[-1E+999,0e0],"ttl":4})").ttl, 4);
  EXPECT_EQ(parseErr(R"({"x":0e0,"ttl":-1e400})"),
            "json: cannot unmarshal number -1e400 into Go struct field UploadV1.ttl of type int");
  EXPECT_EQ(parseErr(R"({"ttl":0e0})"),
            "json: cannot unmarshal number 0e0 into Go struct field UploadV1.ttl of type int");
  std::string big(500, '9');
  EXPECT_EQ(
      parseErr(R"({"ttl":)" + big + "}"),
      "json: cannot unmarshal number " + big + " into Go struct field UploadV1.ttl of type int");
}

TEST(ParseUpload, DeepButLegalNesting) {
  std::string body = R"({"x":)" + std::string(5000, '[') + std::string(5000, ']') + R"(,"ttl":7})";
  EXPECT_EQ(parseOk(body).ttl, 7);
}

TEST(ParseUpload, StringsLikeGo) {
  // Invalid UTF-8 and unpaired surrogates become U+FFFD, pairs combine.
  EXPECT_EQ(parseOk("{\"comments\":\"a\xff"
                    "b\"}")
                .comments,
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(parseOk(R"({"comments":"\ud800x"})").comments, "\xef\xbf\xbdx");
  EXPECT_EQ(parseOk(R"({"comments":"\udc00\ud800"})").comments, "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(parseOk(R"({"comments":"\ud83d\ude00 \u00e9 \"q\" \\"})").comments,
            "\xf0\x9f\x98\x80 \xc3\xa9 \"q\" \\");
  EXPECT_EQ(parseOk(R"({"comments":"\u003cb\u003e"})").comments, "<b>");
}

TEST(ParseUpload, NeverThrowsOnGarbage) {
  const std::string samples[] = {std::string("\0\0\0", 3),
                                 "{\"",
                                 "{\"files\":[{\"fileName\":",
                                 "]",
                                 "}",
                                 "\"\\u12",
                                 "{\"a\":\"\\x\"}",
                                 "tru",
                                 "nul",
                                 "-",
                                 "01",
                                 "{\"files\":{\"0\":[[[[",
                                 "\xff\xfe",
                                 "{\"files\":[{},{},null,[],1,\"a\",true]}",
                                 "{\"ttl\":-}",
                                 "{\"ttl\":1.}"};
  for (const auto& s : samples) {
    auto r = parseUploadRequest(s);
    if (!r.ok()) {
      EXPECT_EQ(r.error().status, 400);
    }
  }
}

}  // namespace
}  // namespace plik
