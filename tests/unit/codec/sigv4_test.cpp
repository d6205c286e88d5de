// SigV4 against AWS's published S3 examples ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk"), plus the URI-encoding rules.
#include "codec/sigv4.hpp"

#include <gtest/gtest.h>

namespace plik::sigv4 {
namespace {

Credentials exampleCreds() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
}

constexpr std::string_view kHost = "examplebucket.s3.amazonaws.com";
constexpr std::string_view kDate = "20130524T000000Z";

TEST(SigV4, GetObjectWithRange) {
  Request req{"GET", "/test.txt", {}, {}, kEmptyPayloadHash};
  req.headers = {{"Host", std::string(kHost)},
                 {"Range", "bytes=0-9"},
                 {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
                 {"x-amz-date", std::string(kDate)}};
  Signature s = sign(exampleCreds(), req, kDate);
  EXPECT_EQ(s.canonicalRequest,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.stringToSign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PutObject) {
  std::string payload = "Welcome to Amazon S3.";
  std::string hash = sha256Hex(payload);
  EXPECT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  Request req{"PUT", "/test$file.text", {}, {}, hash};
  req.headers = {{"Host", std::string(kHost)},
                 {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                 {"x-amz-date", std::string(kDate)},
                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                 {"x-amz-content-sha256", hash}};
  Signature s = sign(exampleCreds(), req, kDate);
  EXPECT_NE(s.canonicalRequest.find("PUT\n/test%24file.text\n\n"), std::string::npos);
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, GetBucketLifecycle) {
  Request req{"GET", "/", {{"lifecycle", ""}}, {}, kEmptyPayloadHash};
  req.headers = {{"Host", std::string(kHost)},
                 {"x-amz-date", std::string(kDate)},
                 {"x-amz-content-sha256", std::string(kEmptyPayloadHash)}};
  Signature s = sign(exampleCreds(), req, kDate);
  EXPECT_NE(s.canonicalRequest.find("GET\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, ListObjectsSortsQuery) {
  Request req{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {}, kEmptyPayloadHash};
  req.headers = {{"Host", std::string(kHost)},
                 {"x-amz-date", std::string(kDate)},
                 {"x-amz-content-sha256", std::string(kEmptyPayloadHash)}};
  Signature s = sign(exampleCreds(), req, kDate);
  EXPECT_NE(s.canonicalRequest.find("GET\n/\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, SignedHeadersHelperMatchesSign) {
  auto t = std::chrono::sys_days{std::chrono::year{2013} / 5 / 24};
  Params extra{{"Range", "bytes=0-9"}};
  Params out =
      signedHeaders(exampleCreds(), "GET", "/test.txt", {}, kHost, extra, kEmptyPayloadHash, t);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (std::pair<std::string, std::string>{"x-amz-date", "20130524T000000Z"}));
  EXPECT_EQ(out[1].first, "x-amz-content-sha256");
  EXPECT_EQ(out[2].first, "Authorization");
  EXPECT_NE(out[2].second.find(
                "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
            std::string::npos);
}

TEST(SigV4, UriEncoding) {
  EXPECT_EQ(uriEncode("a b/c~d_e.f-g", true), "a%20b%2Fc~d_e.f-g");
  EXPECT_EQ(uriEncode("a b/c", false), "a%20b/c");
  EXPECT_EQ(encodePath("/bucket/pre fix/é+x"), "/bucket/pre%20fix/%C3%A9%2Bx");
  EXPECT_EQ(encodePath(""), "/");
  EXPECT_EQ(canonicalQuery({{"uploadId", "a/b=c"}, {"partNumber", "3"}}),
            "partNumber=3&uploadId=a%2Fb%3Dc");
  EXPECT_EQ(canonicalQuery({{"uploads", ""}}), "uploads=");
}

TEST(SigV4, CanonicalHeaderValuesTrimmedAndCollapsed) {
  Request req{
      "GET", "/", {}, {{"X-Amz-Meta-A", "  a   b  "}, {"x-amz-meta-a", "c"}}, "UNSIGNED-PAYLOAD"};
  Signature s = sign(exampleCreds(), req, kDate);
  EXPECT_NE(s.canonicalRequest.find("x-amz-meta-a:a b,c\n"), std::string::npos);
}

TEST(SigV4, AmzDate) {
  auto t = std::chrono::sys_days{std::chrono::year{2013} / 5 / 24} + std::chrono::hours{13} +
           std::chrono::minutes{5} + std::chrono::seconds{9};
  EXPECT_EQ(amzDate(t), "20130524T130509Z");
}

}  // namespace
}  // namespace plik::sigv4

// ---------------------------------------------------------------- curl --aws-sigv4 as an oracle

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

namespace plik::sigv4 {
namespace {

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Captures one HTTP request sent by curl to 127.0.0.1 (blocking sockets, one thread).
struct Capture {
  int listenFd = -1;
  uint16_t port = 0;
  std::string request;
  std::thread thread;

  Capture() {
    listenFd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listenFd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listenFd, 1);
    socklen_t len = sizeof a;
    ::getsockname(listenFd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    thread = std::thread([this] {
      int fd = ::accept(listenFd, nullptr, nullptr);
      if (fd < 0) return;
      char buf[8192];
      for (;;) {
        auto end = request.find("\r\n\r\n");
        if (end != std::string::npos) {
          size_t len = 0;
          if (auto p = request.find("Content-Length: "); p != std::string::npos && p < end) {
            len = std::stoul(request.substr(p + 16));
          }
          if (request.size() >= end + 4 + len) break;
        }
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      std::string resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ::send(fd, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(fd);
    });
  }
  ~Capture() {
    ::shutdown(listenFd, SHUT_RDWR);
    ::close(listenFd);
    if (thread.joinable()) thread.join();
  }
};

// Recomputes curl's signature of the captured request with our signer.
void checkAgainstCurl(const std::string& curlArgs, const std::string& pathAndQuery) {
  if (std::system("curl --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no curl";
  Capture cap;
  std::string cmd =
      "curl -s -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 --user "
      "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY " +
      curlArgs + " 'http://127.0.0.1:" + std::to_string(cap.port) + pathAndQuery + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  cap.thread.join();
  const std::string& req = cap.request;
  auto headEnd = req.find("\r\n\r\n");
  ASSERT_NE(headEnd, std::string::npos) << req;
  std::string body = req.substr(headEnd + 4);
  // Request line.
  auto sp1 = req.find(' ');
  auto sp2 = req.find(' ', sp1 + 1);
  std::string method = req.substr(0, sp1);
  std::string target = req.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string path = target.substr(0, target.find('?'));
  Request r{method, "", {}, {}, ""};
  std::string decodedPath = percentDecode(path);
  r.path = decodedPath;
  if (auto q = target.find('?'); q != std::string::npos) {
    std::string qs = target.substr(q + 1);
    size_t pos = 0;
    while (pos <= qs.size()) {
      size_t amp = qs.find('&', pos);
      std::string kv = qs.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      auto eq = kv.find('=');
      r.query.emplace_back(percentDecode(kv.substr(0, eq)),
                           eq == std::string::npos ? "" : percentDecode(kv.substr(eq + 1)));
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  // Headers curl signed.
  std::map<std::string, std::string> headers;
  size_t lineStart = req.find("\r\n") + 2;
  while (lineStart < headEnd) {
    size_t lineEnd = req.find("\r\n", lineStart);
    std::string line = req.substr(lineStart, lineEnd - lineStart);
    auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    headers[name] = value;
    lineStart = lineEnd + 2;
  }
  std::string auth = headers["authorization"];
  auto sh = auth.find("SignedHeaders=");
  ASSERT_NE(sh, std::string::npos) << auth;
  std::string signedNames = auth.substr(sh + 14, auth.find(',', sh) - sh - 14);
  size_t pos = 0;
  while (pos < signedNames.size()) {
    size_t semi = signedNames.find(';', pos);
    std::string name =
        signedNames.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos);
    r.headers.emplace_back(name, headers[name]);
    if (semi == std::string::npos) break;
    pos = semi + 1;
  }
  std::string payload =
      headers.count("x-amz-content-sha256") ? headers["x-amz-content-sha256"] : sha256Hex(body);
  r.payloadHash = payload;
  Signature s = sign(exampleCreds(), r, headers["x-amz-date"]);
  // curl separates the fields with ", ", AWS's examples (and we) with ",": compare the signature.
  EXPECT_NE(auth.find("Signature=" + s.signature), std::string::npos) << cmd << "\n"
                                                                      << req << "\n"
                                                                      << s.canonicalRequest;
}

TEST(SigV4Curl, GetWithEncodedPathAndQuery) {
  // Query already in canonical order: curl 7.88 signs the query string as written (sorting
  // came in curl 8.x), which AWS and Swift would reject for an unsorted query.
  checkAgainstCurl("", "/bucket/some%20dir/file%2Bname.txt?partNumber=2&uploadId=a%2Fb");
}

TEST(SigV4Curl, PutWithBody) {
  checkAgainstCurl("-X PUT --data-binary 'Welcome to Amazon S3.' -H 'Content-Type: text/plain'",
                   "/bucket/key");
}

}  // namespace
}  // namespace plik::sigv4
