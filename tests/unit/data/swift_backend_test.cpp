// Tests of the Swift data backend against a real Swift 2.30 all-in-one (tempauth; see
// tests/support/swift_aio.sh), plus the Keystone v3 request body and catalog parsing on canned
// JSON (no Keystone is available here). The Swift tests FAIL, not skip, when Swift cannot start.
#include "data/swift/swift_backend.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/data_backend_factory.hpp"
#include "data/swift/keystone.hpp"
#include "http/outbound.hpp"
#include "run_sync.hpp"
#include "support/objstore_server.hpp"

namespace plik {
namespace {

using testing::ObjstoreServer;
using testing::runSync;

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

File makeFile(std::string id, std::string uploadId = "UpLoAdIdUpLoAdId") {
  File f;
  f.id = std::move(id);
  f.uploadId = std::move(uploadId);
  return f;
}

std::string errorText(const Error& e) { return e.message + " : " + e.detail; }

class SwiftBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& server = ObjstoreServer::instance();
    ASSERT_TRUE(server.ok()) << "Swift all-in-one did not start: " << server.error();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    container_ = std::string("plik-") + info->name() + "-" + std::to_string(::getpid());
    backend_ = std::make_unique<SwiftBackend>(config());
  }

  SwiftConfig config(const std::string& key = ObjstoreServer::kKey) const {
    SwiftConfig c;
    c.container = container_;
    c.authUrl = ObjstoreServer::instance().authUrl();
    c.userName = ObjstoreServer::kUser;
    c.apiKey = key;
    return c;
  }

  // The backend details commit() returned.
  Result<std::string> writeAll(SwiftBackend& b, const File& f, const std::string& bytes,
                               size_t chunk = 65536) {
    auto w = runSync(io_, b.create(f));
    if (!w) return w.error();
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      std::span<const char> part(bytes.data() + i, std::min(chunk, bytes.size() - i));
      if (auto st = runSync(io_, (*w)->write(part)); !st) return st.error();
    }
    return runSync(io_, (*w)->commit());
  }
  Status writeAndCommit(SwiftBackend& b, const File& f, const std::string& bytes,
                        size_t chunk = 65536) {
    auto details = writeAll(b, f, bytes, chunk);
    if (!details) return details.error();
    EXPECT_EQ(*details, "");
    return {};
  }
  Status writeAndCommit(const File& f, const std::string& bytes, size_t chunk = 65536) {
    return writeAndCommit(*backend_, f, bytes, chunk);
  }

  Result<std::string> readAll(const File& f, int64_t offset = 0, int64_t length = -1,
                              size_t bufSize = 65536) {
    auto r = runSync(io_, backend_->open(f, offset, length));
    if (!r) return r.error();
    std::string out;
    std::vector<char> buf(bufSize);
    for (;;) {
      auto n = runSync(io_, (*r)->read(buf));
      if (!n) return n.error();
      if (*n == 0) break;
      out.append(buf.data(), *n);
    }
    return out;
  }

  // A raw request to the Swift API, outside the backend (fresh tempauth token).
  int rawStatus(const std::string& method, const std::string& object, std::string* body = nullptr,
                std::string container = {}) {
    auto& server = ObjstoreServer::instance();
    auto target = http::OutboundTarget::parse(server.swiftUrl());
    EXPECT_TRUE(target.ok());
    http::HeaderList auth{{"X-Auth-User", ObjstoreServer::kUser},
                          {"X-Auth-Key", ObjstoreServer::kKey}};
    auto a = runSync(io_, http::fetch(io_.get_executor(), *target, "GET", "/auth/v1.0", auth, ""));
    if (!a || a->head.status != 200) return -1;
    http::HeaderList h{{"X-Auth-Token", a->head.header("X-Auth-Token")}};
    if (container.empty()) container = container_;
    std::string path = "/v1/AUTH_test/" + container + (object.empty() ? "" : "/" + object);
    auto r = runSync(io_, http::fetch(io_.get_executor(), *target, method, path, h, ""));
    if (!r) return -2;
    if (body) *body = r->body;
    return r->head.status;
  }

  asio::io_context io_;
  std::string container_;
  std::unique_ptr<SwiftBackend> backend_;
};

TEST_F(SwiftBackendTest, HarnessAnswers) {
  auto& server = ObjstoreServer::instance();
  EXPECT_EQ(server.authUrl(), server.swiftUrl() + "/auth/v1.0");
  EXPECT_EQ("http://" + server.s3Endpoint(), server.swiftUrl());
  EXPECT_GT(server.port(), 0);
}

TEST_F(SwiftBackendTest, ObjectNameIsUploadIdDotFileId) {
  EXPECT_EQ(SwiftBackend::objectName(makeFile("fileid", "uploadid")), "uploadid.fileid");
}

TEST_F(SwiftBackendTest, RoundTripSmallCreatesContainer) {
  File f = makeFile("abcdefghijklmnop");
  ASSERT_OK_STATUS(writeAndCommit(f, "hello swift"));
  auto got = readAll(f);
  ASSERT_TRUE(got.ok()) << errorText(got.error());
  EXPECT_EQ(*got, "hello swift");
  EXPECT_EQ(rawStatus("HEAD", ""), 204);  // container created on first use
  EXPECT_EQ(rawStatus("HEAD", "UpLoAdIdUpLoAdId.abcdefghijklmnop"), 200);
}

TEST_F(SwiftBackendTest, RoundTripEmptyFile) {
  File f = makeFile("emptyemptyempty0");
  ASSERT_OK_STATUS(writeAndCommit(f, ""));
  auto got = readAll(f);
  ASSERT_TRUE(got.ok()) << errorText(got.error());
  EXPECT_EQ(*got, "");
}

TEST_F(SwiftBackendTest, RoundTrip20MiB) {
  File f = makeFile("bigbigbigbigbig0");
  const std::string data = pattern(20 * 1024 * 1024 + 123);
  ASSERT_OK_STATUS(writeAndCommit(f, data, 256 * 1024));
  auto got = readAll(f, 0, -1, 256 * 1024);
  ASSERT_TRUE(got.ok()) << errorText(got.error());
  ASSERT_EQ(got->size(), data.size());
  EXPECT_TRUE(*got == data);
}

TEST_F(SwiftBackendTest, RangedReads) {
  File f = makeFile("rangerangerange0");
  const std::string data = pattern(100000);
  ASSERT_OK_STATUS(writeAndCommit(f, data, 7777));
  auto mid = readAll(f, 3, 5);
  ASSERT_TRUE(mid.ok()) << errorText(mid.error());
  EXPECT_EQ(*mid, data.substr(3, 5));
  auto tail = readAll(f, 99990, -1, 3);
  ASSERT_TRUE(tail.ok()) << errorText(tail.error());
  EXPECT_EQ(*tail, data.substr(99990));
  auto big = readAll(f, 1000, 50000, 4096);
  ASSERT_TRUE(big.ok()) << errorText(big.error());
  EXPECT_EQ(*big, data.substr(1000, 50000));
  auto atEnd = readAll(f, 100000, -1);
  ASSERT_TRUE(atEnd.ok()) << errorText(atEnd.error());
  EXPECT_EQ(*atEnd, "");
  auto none = readAll(f, 10, 0);
  ASSERT_TRUE(none.ok()) << errorText(none.error());
  EXPECT_EQ(*none, "");
  auto past = readAll(f, 100001, -1);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().status, 416);
  auto tooLong = readAll(f, 99000, 5000);
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.error().status, 416);
  auto reader = runSync(io_, backend_->open(f, 42, 10));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->offset(), 42);
  EXPECT_EQ((*reader)->nativeFd(), -1);
}

TEST_F(SwiftBackendTest, MissingObjectIsA500WithDetail) {
  ASSERT_OK_STATUS(runSync(io_, backend_->connect()));
  auto got = readAll(makeFile("nonexistentfile0"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().status, 500);
  EXPECT_EQ(got.error().message, "unable to get file from data backend");
  EXPECT_NE(got.error().detail.find("404"), std::string::npos) << got.error().detail;
}

TEST_F(SwiftBackendTest, RemoveAndRemoveMissing) {
  File f = makeFile("removeremoverem0");
  ASSERT_OK_STATUS(writeAndCommit(f, "bye"));
  ASSERT_OK_STATUS(runSync(io_, backend_->remove(f)));
  EXPECT_FALSE(readAll(f).ok());
  EXPECT_EQ(rawStatus("HEAD", SwiftBackend::objectName(f)), 404);
  ASSERT_OK_STATUS(runSync(io_, backend_->remove(f)));  // 404 = success
}

TEST_F(SwiftBackendTest, RemoveBlocking) {
  File f = makeFile("blockingremove00");
  ASSERT_OK_STATUS(writeAndCommit(f, "bye"));
  SwiftBackend other(config());  // fresh backend: authenticates inside removeBlocking
  ASSERT_OK_STATUS(other.removeBlocking(f));
  EXPECT_EQ(rawStatus("HEAD", SwiftBackend::objectName(f)), 404);
  ASSERT_OK_STATUS(other.removeBlocking(f));
}

TEST_F(SwiftBackendTest, WrongKeyIsAClearError) {
  SwiftBackend wrong(config("not-the-key"));
  auto w = runSync(io_, wrong.create(makeFile("wrongkeywrongke0")));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().status, 500);
  EXPECT_EQ(w.error().message, "unable to save file");
  EXPECT_NE(w.error().detail.find("401"), std::string::npos) << w.error().detail;
  EXPECT_NE(w.error().detail.find("test:tester"), std::string::npos) << w.error().detail;
  auto r = runSync(io_, wrong.open(makeFile("wrongkeywrongke0"), 0, -1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 500);
  auto st = runSync(io_, wrong.connect());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "swift authentication failed");
}

TEST_F(SwiftBackendTest, UnreachableSwiftIsAClearError) {
  SwiftConfig c = config();
  c.authUrl = "http://127.0.0.1:1/auth/v1.0";
  SwiftBackend down(c);
  auto w = runSync(io_, down.create(makeFile("downdowndowndow0")));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().status, 500);
  EXPECT_NE(w.error().detail.find("127.0.0.1:1"), std::string::npos) << w.error().detail;
  EXPECT_FALSE(down.removeBlocking(makeFile("downdowndowndow0")).ok());
}

TEST_F(SwiftBackendTest, AbortLeavesNothing) {
  File f = makeFile("abortabortabort0");
  auto w = runSync(io_, backend_->create(f));
  ASSERT_TRUE(w.ok()) << errorText(w.error());
  const std::string data = pattern(300000);
  ASSERT_OK_STATUS(runSync(io_, (*w)->write(data)));
  runSync(io_, (*w)->abort());
  runSync(io_, (*w)->abort());  // idempotent
  EXPECT_FALSE(runSync(io_, (*w)->write(data)).ok());
  EXPECT_FALSE(runSync(io_, (*w)->commit()).ok());
  w = Error{};
  EXPECT_EQ(rawStatus("HEAD", SwiftBackend::objectName(f)), 404);
}

TEST_F(SwiftBackendTest, DestroyedWriterLeavesNothing) {
  File f = makeFile("droppeddropped00");
  {
    auto w = runSync(io_, backend_->create(f));
    ASSERT_TRUE(w.ok()) << errorText(w.error());
    ASSERT_OK_STATUS(runSync(io_, (*w)->write(pattern(100000))));
  }
  io_.run();
  io_.restart();
  EXPECT_EQ(rawStatus("HEAD", SwiftBackend::objectName(f)), 404);
}

TEST_F(SwiftBackendTest, ReauthenticatesOnceOn401) {
  ASSERT_OK_STATUS(runSync(io_, backend_->connect()));
  const std::string good = backend_->tokenForTesting();
  ASSERT_FALSE(good.empty());
  File f = makeFile("reauthreauthrea0");
  // Upload: the token is checked before the (unreplayable) chunked PUT.
  backend_->setTokenForTesting("AUTH_tkbogus00000000000000000000000");
  ASSERT_OK_STATUS(writeAndCommit(f, "after reauth"));
  EXPECT_NE(backend_->tokenForTesting(), "AUTH_tkbogus00000000000000000000000");
  // Download and removal retry once after re-authenticating.
  backend_->setTokenForTesting("AUTH_tkbogus00000000000000000000001");
  auto got = readAll(f);
  ASSERT_TRUE(got.ok()) << errorText(got.error());
  EXPECT_EQ(*got, "after reauth");
  backend_->setTokenForTesting("AUTH_tkbogus00000000000000000000002");
  ASSERT_OK_STATUS(runSync(io_, backend_->remove(f)));
  EXPECT_EQ(rawStatus("HEAD", SwiftBackend::objectName(f)), 404);
}

TEST_F(SwiftBackendTest, ConcurrentUploadsInterleaved) {
  File a = makeFile("concurrentaaaaa0");
  File b = makeFile("concurrentbbbbb0");
  auto wa = runSync(io_, backend_->create(a));
  auto wb = runSync(io_, backend_->create(b));
  ASSERT_TRUE(wa.ok() && wb.ok());
  const std::string da = pattern(500000), db = pattern(300000).append("tail");
  for (size_t i = 0; i < 5; ++i) {
    ASSERT_OK_STATUS(runSync(io_, (*wa)->write(std::span(da).subspan(i * 100000, 100000))));
    if (i < 3) {
      ASSERT_OK_STATUS(runSync(io_, (*wb)->write(std::span(db).subspan(i * 100000, 100000))));
    }
  }
  ASSERT_OK_STATUS(runSync(io_, (*wb)->write(std::span(db).subspan(300000))));
  ASSERT_TRUE(runSync(io_, (*wb)->commit()).ok());
  ASSERT_TRUE(runSync(io_, (*wa)->commit()).ok());
  EXPECT_EQ(readAll(a).value(), da);
  EXPECT_EQ(readAll(b).value(), db);
}

TEST_F(SwiftBackendTest, FactoryBuildsSwiftBackend) {
  std::map<std::string, std::string> cfg{{"container", container_},
                                         {"AuthUrl", ObjstoreServer::instance().authUrl()},
                                         {"UserName", ObjstoreServer::kUser},
                                         {"ApiKey", ObjstoreServer::kKey}};
  auto b = openDataBackend("swift", cfg);
  ASSERT_TRUE(b.ok()) << errorText(b.error());
  auto* swift = dynamic_cast<SwiftBackend*>(b->get());
  ASSERT_NE(swift, nullptr);
  EXPECT_EQ(swift->config().container, container_);
  File f = makeFile("factoryfactoryf0");
  ASSERT_OK_STATUS(writeAndCommit(*swift, f, "via factory"));
  auto bad = openDataBackend("swift", {{"UserName", "x"}, {"ApiKey", "y"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().detail.find("AuthUrl"), std::string::npos) << errorText(bad.error());
  auto unknownAuth = openDataBackend(
      "swift", {{"AuthUrl", "http://h/whatever"}, {"UserName", "x"}, {"ApiKey", "y"}});
  ASSERT_FALSE(unknownAuth.ok());
}

// Number of objects listed in the segment container ("" when it does not exist).
size_t lineCount(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST_F(SwiftBackendTest, LargeFilesBecomeStaticLargeObjects) {
  SwiftConfig c = config();
  c.segmentSize = 1 << 20;
  SwiftBackend b(c);
  EXPECT_EQ(b.segmentContainer(), container_ + "_segments");
  File f = makeFile("segmentedsegmen0");
  const std::string data = pattern(3 * (1 << 20) + 500000);
  auto details = writeAll(b, f, data, 300000);
  ASSERT_TRUE(details.ok()) << errorText(details.error());
  EXPECT_EQ(*details, SwiftBackend::kSloDetails);
  std::string listing;
  EXPECT_EQ(rawStatus("GET", "", &listing, container_ + "_segments"), 200);
  EXPECT_EQ(lineCount(listing), 4u) << listing;
  auto all = readAll(f, 0, -1, 100000);
  ASSERT_TRUE(all.ok()) << errorText(all.error());
  EXPECT_TRUE(*all == data);
  auto across = readAll(f, (1 << 20) - 10, 20);
  ASSERT_TRUE(across.ok()) << errorText(across.error());
  EXPECT_EQ(*across, data.substr((1 << 20) - 10, 20));
  f.backendDetails = *details;
  ASSERT_OK_STATUS(runSync(io_, backend_->remove(f)));
  EXPECT_EQ(rawStatus("HEAD", SwiftBackend::objectName(f)), 404);
  EXPECT_EQ(rawStatus("GET", "", &listing, container_ + "_segments"), 204);
  EXPECT_EQ(listing, "");
  ASSERT_OK_STATUS(runSync(io_, backend_->remove(f)));  // gone already: still a success
}

TEST_F(SwiftBackendTest, ExactlyOneSegmentStaysAPlainObject) {
  SwiftConfig c = config();
  c.segmentSize = 1 << 20;
  SwiftBackend b(c);
  File f = makeFile("onesegmentonese0");
  auto details = writeAll(b, f, pattern(1 << 20), 1 << 18);
  ASSERT_TRUE(details.ok()) << errorText(details.error());
  EXPECT_EQ(*details, "");
  EXPECT_EQ(rawStatus("HEAD", "", nullptr, container_ + "_segments"), 404);
}

TEST_F(SwiftBackendTest, AbortOfASegmentedUploadLeavesNothing) {
  SwiftConfig c = config();
  c.segmentSize = 1 << 20;
  SwiftBackend b(c);
  File f = makeFile("segabortsegabor0");
  auto w = runSync(io_, b.create(f));
  ASSERT_TRUE(w.ok()) << errorText(w.error());
  const std::string data = pattern(2 * (1 << 20) + 1000);
  ASSERT_OK_STATUS(runSync(io_, (*w)->write(data)));
  runSync(io_, (*w)->abort());
  std::string listing;
  EXPECT_EQ(rawStatus("HEAD", SwiftBackend::objectName(f)), 404);
  EXPECT_EQ(rawStatus("GET", "", &listing, container_ + "_segments"), 204);
  EXPECT_EQ(listing, "");
  // Dropped without abort: the segments are deleted in the background.
  {
    auto w2 = runSync(io_, b.create(f));
    ASSERT_TRUE(w2.ok());
    ASSERT_OK_STATUS(runSync(io_, (*w2)->write(data)));
  }
  io_.run();
  io_.restart();
  EXPECT_EQ(rawStatus("GET", "", &listing, container_ + "_segments"), 204);
  EXPECT_EQ(listing, "");
}

// ----- config and Keystone v3, no server -----

TEST(SwiftConfigTest, FromMapDefaultsAndAliases) {
  auto c = SwiftConfig::fromMap({{"AuthUrl", "https://ks.example.com:5000/v3"},
                                 {"username", "u"},
                                 {"ApiKey", "k"},
                                 {"Domain", "D"},
                                 {"ProjectName", "P"}});
  EXPECT_EQ(c.container, "plik");
  EXPECT_EQ(c.userName, "u");
  EXPECT_EQ(c.tenant, "P");
  EXPECT_EQ(c.domain, "D");
  EXPECT_EQ(c.endpointType, "public");
  EXPECT_EQ(c.segmentSize, uint64_t{1} << 30);
  EXPECT_EQ(SwiftConfig::fromMap(
                {{"AuthUrl", "u"}, {"UserName", "u"}, {"ApiKey", "k"}, {"SegmentSize", "1048576"}})
                .segmentSize,
            1048576u);
  EXPECT_THROW(SwiftConfig::fromMap(
                   {{"AuthUrl", "u"}, {"UserName", "u"}, {"ApiKey", "k"}, {"SegmentSize", "1MB"}}),
               std::invalid_argument);
  EXPECT_NO_THROW(SwiftBackend{c});
  auto t = SwiftConfig::fromMap(
      {{"AuthUrl", "u"}, {"UserName", "u"}, {"ApiKey", "k"}, {"TenantId", "abc"}});
  EXPECT_EQ(t.tenantId, "abc");
  EXPECT_THROW(SwiftConfig::fromMap({{"AuthUrl", "u"}, {"UserName", "u"}}), std::invalid_argument);
  EXPECT_THROW(SwiftConfig::fromMap(
                   {{"AuthUrl", "u"}, {"UserName", "u"}, {"ApiKey", "k"}, {"Container", "a/b"}}),
               std::invalid_argument);
}

TEST(SwiftConfigTest, AuthVersionFromUrl) {
  SwiftConfig c;
  c.userName = "u";
  c.apiKey = "k";
  for (const char* url : {"http://h:8080/auth/v1.0", "http://h/auth/v1.0/", "https://h/v1.0",
                          "http://h/identity/v3", "http://h:5000/v3/"}) {
    c.authUrl = url;
    EXPECT_NO_THROW(SwiftBackend{c}) << url;
  }
  c.authUrl = "http://h:5000/v2.0";
  EXPECT_THROW(SwiftBackend{c}, std::invalid_argument);
  c.authVersion = 3;
  EXPECT_NO_THROW(SwiftBackend{c});
}

TEST(KeystoneTest, PasswordBodyWithProjectName) {
  swift::KeystoneCredentials c;
  c.userName = "alice";
  c.password = "s3cret\"x";
  c.userDomain = "Users";
  c.projectName = "plik";
  auto j = nlohmann::json::parse(swift::keystoneV3AuthBody(c));
  auto expected = nlohmann::json::parse(R"({"auth":{
      "identity":{"methods":["password"],
                  "password":{"user":{"name":"alice","domain":{"name":"Users"},
                                      "password":"s3cret\"x"}}},
      "scope":{"project":{"name":"plik","domain":{"name":"Users"}}}}})");
  EXPECT_EQ(j, expected) << j.dump();
}

TEST(KeystoneTest, PasswordBodyDefaultsAndProjectId) {
  swift::KeystoneCredentials c;
  c.userName = "bob";
  c.password = "pw";
  c.projectId = "0123abcd";
  auto j = nlohmann::json::parse(swift::keystoneV3AuthBody(c));
  EXPECT_EQ(j["auth"]["identity"]["password"]["user"]["domain"],
            nlohmann::json({{"id", "default"}}));
  EXPECT_EQ(j["auth"]["scope"], nlohmann::json::parse(R"({"project":{"id":"0123abcd"}})"));
  c.projectId.clear();
  c.projectName = "p";
  c.projectDomainId = "dom42";
  j = nlohmann::json::parse(swift::keystoneV3AuthBody(c));
  EXPECT_EQ(j["auth"]["scope"]["project"]["domain"], nlohmann::json({{"id", "dom42"}}));
  c.projectName.clear();
  c.projectDomainId.clear();
  j = nlohmann::json::parse(swift::keystoneV3AuthBody(c));
  EXPECT_FALSE(j["auth"].contains("scope"));
}

constexpr const char* kCatalog = R"({"token":{
  "methods":["password"],"expires_at":"2030-01-01T00:00:00.000000Z",
  "catalog":[
    {"type":"identity","name":"keystone","endpoints":[
      {"interface":"public","region":"RegionOne","url":"https://ks.example.com:5000/v3"}]},
    {"type":"object-store","name":"swift","endpoints":[
      {"interface":"internal","region":"RegionOne","region_id":"RegionOne",
       "url":"http://10.0.0.5:8080/v1/AUTH_abc"},
      {"interface":"public","region":"RegionOne","region_id":"RegionOne",
       "url":"https://swift.one.example.com/v1/AUTH_abc"},
      {"interface":"public","region_id":"RegionTwo",
       "url":"https://swift.two.example.com/v1/AUTH_abc"}]}]}})";

TEST(KeystoneTest, CatalogPicksObjectStoreEndpoint) {
  auto pub = swift::keystoneV3ObjectStoreUrl(kCatalog, "public", "");
  ASSERT_TRUE(pub.ok()) << errorText(pub.error());
  EXPECT_EQ(*pub, "https://swift.one.example.com/v1/AUTH_abc");
  auto internal = swift::keystoneV3ObjectStoreUrl(kCatalog, "internal", "");
  ASSERT_TRUE(internal.ok());
  EXPECT_EQ(*internal, "http://10.0.0.5:8080/v1/AUTH_abc");
  auto two = swift::keystoneV3ObjectStoreUrl(kCatalog, "public", "RegionTwo");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, "https://swift.two.example.com/v1/AUTH_abc");
}

TEST(KeystoneTest, CatalogErrors) {
  auto admin = swift::keystoneV3ObjectStoreUrl(kCatalog, "admin", "");
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.error().status, 500);
  EXPECT_NE(admin.error().detail.find("no admin object-store endpoint"), std::string::npos)
      << admin.error().detail;
  auto region = swift::keystoneV3ObjectStoreUrl(kCatalog, "public", "RegionNine");
  ASSERT_FALSE(region.ok());
  EXPECT_NE(region.error().detail.find("RegionNine"), std::string::npos);
  auto noSwift = swift::keystoneV3ObjectStoreUrl(
      R"({"token":{"catalog":[{"type":"identity","endpoints":[]}]}})", "public", "");
  ASSERT_FALSE(noSwift.ok());
  EXPECT_NE(noSwift.error().detail.find("no object-store service"), std::string::npos);
  EXPECT_FALSE(swift::keystoneV3ObjectStoreUrl(R"({"token":{}})", "public", "").ok());
  EXPECT_FALSE(swift::keystoneV3ObjectStoreUrl("not json", "public", "").ok());
  EXPECT_FALSE(swift::keystoneV3ObjectStoreUrl("[1,2]", "public", "").ok());
}

}  // namespace
}  // namespace plik
