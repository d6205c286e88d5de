// Unit tests of the outbound HTTP client against a scripted TCP peer on 127.0.0.1 (port 0):
// request framing (fixed length, chunked), response de-chunking, truncation, timeouts, 1xx.
#include "http/outbound.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "unit/data/run_sync.hpp"

namespace plik::http {
namespace {

using plik::testing::runSync;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Accepts one connection on a thread, reads the request (head + Content-Length or chunked
// body), records it, then runs `respond` with the socket (blocking calls).
class ScriptedPeer {
 public:
  using Respond = std::function<void(tcp::socket&)>;

  explicit ScriptedPeer(Respond respond)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, respond = std::move(respond)] {
      boost::system::error_code ec;
      tcp::socket s(io_);
      acceptor_.accept(s, ec);
      if (ec) return;
      readRequest(s);
      respond(s);
      s.shutdown(tcp::socket::shutdown_both, ec);
      s.close(ec);
    });
  }
  ~ScriptedPeer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
  }

  uint16_t port() const { return port_; }
  OutboundTarget target() const {
    OutboundTarget t;
    t.host = "127.0.0.1";
    t.port = port_;
    return t;
  }
  // The raw request bytes (valid after the client read the response).
  std::string request() const { return request_; }

  static Respond send(std::string bytes) {
    return [bytes](tcp::socket& s) {
      boost::system::error_code ec;
      asio::write(s, asio::buffer(bytes), ec);
    };
  }

 private:
  void readRequest(tcp::socket& s) {
    boost::system::error_code ec;
    char tmp[65536];
    size_t headEnd = std::string::npos;
    for (;;) {
      if (headEnd == std::string::npos) {
        headEnd = request_.find("\r\n\r\n");
        if (headEnd != std::string::npos) headEnd += 4;
      }
      if (headEnd != std::string::npos) {
        std::string head = request_.substr(0, headEnd);
        if (head.find("Transfer-Encoding: chunked") != std::string::npos) {
          if (request_.size() >= headEnd + 5 &&
              request_.compare(request_.size() - 5, 5, "0\r\n\r\n") == 0) {
            return;
          }
        } else {
          size_t len = 0;
          if (auto p = head.find("Content-Length: "); p != std::string::npos) {
            len = std::stoul(head.substr(p + 16));
          }
          if (request_.size() >= headEnd + len) return;
        }
      }
      size_t n = s.read_some(asio::buffer(tmp), ec);
      if (ec) return;
      request_.append(tmp, n);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

struct Reply {
  Result<OutboundResponseHead> head = Error::internal("not read");
  std::string body;
  std::optional<Error> bodyError;
};

// Connects, sends `chunks` (bodyLength as given), reads head and body with `readSize` reads.
asio::awaitable<Reply> exchange(OutboundTarget target, std::string method, int64_t bodyLength,
                                std::vector<std::string> chunks, size_t readSize = 7,
                                OutboundTimeouts timeouts = {}) {
  Reply reply;
  auto ex =
      co_await OutboundExchange::connect(co_await asio::this_coro::executor, target, timeouts);
  if (!ex) {
    reply.head = ex.error();
    co_return reply;
  }
  HeaderList headers{{"X-Test", "yes"}};  // not inline: GCC 12 miscompiles init-lists in co_await
  auto st = co_await (*ex)->start(method, "/b/k?x=1", headers, bodyLength);
  EXPECT_TRUE(st.ok());
  for (const auto& c : chunks) {
    auto w = co_await (*ex)->write(std::span<const char>(c.data(), c.size()));
    EXPECT_TRUE(w.ok()) << w.error().detail;
  }
  auto f = co_await (*ex)->finish();
  EXPECT_TRUE(f.ok()) << f.error().detail;
  reply.head = co_await (*ex)->readHead();
  if (!reply.head) co_return reply;
  std::string buf(readSize, '\0');
  for (;;) {
    auto r = co_await (*ex)->read(std::span<char>(buf.data(), buf.size()));
    if (!r) {
      reply.bodyError = r.error();
      break;
    }
    if (*r == 0) break;
    reply.body.append(buf.data(), *r);
  }
  co_return reply;
}

std::string randomBytes(size_t n) {
  std::mt19937 rng(42);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(OutboundTarget, Parse) {
  auto t = OutboundTarget::parse("https://s3.example.com:9000/prefix/x/");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->host, "s3.example.com");
  EXPECT_EQ(t->port, 9000);
  EXPECT_EQ(t->basePath, "/prefix/x");
  EXPECT_EQ(t->hostHeader(), "s3.example.com:9000");

  t = OutboundTarget::parse("127.0.0.1:8080");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->tls);
  EXPECT_EQ(t->port, 8080);
  EXPECT_EQ(t->basePath, "");

  t = OutboundTarget::parse("https://h");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->port, 443);
  EXPECT_EQ(t->hostHeader(), "h");

  t = OutboundTarget::parse("http://[::1]:81/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->hostHeader(), "[::1]:81");

  EXPECT_FALSE(OutboundTarget::parse("ftp://h").ok());
  EXPECT_FALSE(OutboundTarget::parse("http://").ok());
  EXPECT_FALSE(OutboundTarget::parse("http://h:99999").ok());
  EXPECT_FALSE(OutboundTarget::parse("http://h:x").ok());
}

TEST(OutboundResponseHead, HeaderIsCaseInsensitive) {
  OutboundResponseHead h;
  h.headers = {{"ETag", "\"a\""}, {"etag", "\"b\""}};
  EXPECT_EQ(h.header("etag"), "\"a\"");
  EXPECT_EQ(h.header("missing"), "");
}

TEST(OutboundExchange, FixedLengthRequestAndResponse) {
  ScriptedPeer peer(
      ScriptedPeer::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"e\"\r\n\r\nhello"));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "PUT", 10, {"hello", "world"}));
  ASSERT_TRUE(r.head.ok()) << r.head.error().detail;
  EXPECT_EQ(r.head->status, 200);
  EXPECT_EQ(r.head->header("etag"), "\"e\"");
  EXPECT_EQ(r.head->contentLength, 5u);
  EXPECT_EQ(r.body, "hello");
  EXPECT_FALSE(r.bodyError);
  std::string req = peer.request();
  EXPECT_EQ(req.rfind("PUT /b/k?x=1 HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("\r\nHost: 127.0.0.1:" + std::to_string(peer.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(req.find("\r\nX-Test: yes\r\n"), std::string::npos);
  EXPECT_NE(req.find("\r\nContent-Length: 10\r\n"), std::string::npos);
  EXPECT_EQ(req.substr(req.size() - 14), "\r\n\r\nhelloworld");
}

TEST(OutboundExchange, ChunkedRequestBody) {
  ScriptedPeer peer(ScriptedPeer::send("HTTP/1.1 204 No Content\r\n\r\n"));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "POST", -1, {"abc", "", std::string(300, 'z')}));
  ASSERT_TRUE(r.head.ok()) << r.head.error().detail;
  EXPECT_EQ(r.head->status, 204);
  EXPECT_EQ(r.body, "");
  std::string req = peer.request();
  EXPECT_NE(req.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(req.find("Content-Length"), std::string::npos);
  std::string body = req.substr(req.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "3\r\nabc\r\n12c\r\n" + std::string(300, 'z') + "\r\n0\r\n\r\n");
}

TEST(OutboundExchange, LargeFixedLengthBodiesBothWays) {
  std::string data = randomBytes(3 * 1024 * 1024 + 17);
  ScriptedPeer peer(ScriptedPeer::send(
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(data.size()) + "\r\n\r\n" + data));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "PUT", static_cast<int64_t>(data.size()),
                                 {data.substr(0, 1000000), data.substr(1000000)}, 256 * 1024));
  ASSERT_TRUE(r.head.ok()) << r.head.error().detail;
  EXPECT_TRUE(r.body == data);
  EXPECT_FALSE(r.bodyError);
  std::string req = peer.request();
  EXPECT_TRUE(req.substr(req.find("\r\n\r\n") + 4) == data);
}

TEST(OutboundExchange, ChunkedResponse) {
  ScriptedPeer peer(ScriptedPeer::send(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}, 3));
  ASSERT_TRUE(r.head.ok()) << r.head.error().detail;
  EXPECT_FALSE(r.head->contentLength);
  EXPECT_EQ(r.body, "hello world0123456789");
  EXPECT_FALSE(r.bodyError) << r.bodyError->detail;
  EXPECT_EQ(peer.request().find("Content-Length"), std::string::npos);  // GET without body
}

TEST(OutboundExchange, LargeChunkedResponse) {
  std::string data = randomBytes(2 * 1024 * 1024);
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t off = 0; off < data.size(); off += 100000) {
    std::string piece = data.substr(off, 100000);
    char hex[16];
    snprintf(hex, sizeof hex, "%zx", piece.size());
    wire += std::string(hex) + "\r\n" + piece + "\r\n";
  }
  wire += "0\r\n\r\n";
  ScriptedPeer peer(ScriptedPeer::send(wire));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}, 64 * 1024));
  ASSERT_TRUE(r.head.ok()) << r.head.error().detail;
  EXPECT_TRUE(r.body == data);
  EXPECT_FALSE(r.bodyError);
}

TEST(OutboundExchange, BodyUntilClose) {
  ScriptedPeer peer(ScriptedPeer::send("HTTP/1.0 200 OK\r\n\r\nall of it"));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}));
  ASSERT_TRUE(r.head.ok());
  EXPECT_EQ(r.body, "all of it");
  EXPECT_FALSE(r.bodyError);
}

TEST(OutboundExchange, TruncatedFixedLengthResponseIsAnError) {
  ScriptedPeer peer(ScriptedPeer::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}));
  ASSERT_TRUE(r.head.ok());
  EXPECT_EQ(r.body, "abc");
  ASSERT_TRUE(r.bodyError);
  EXPECT_EQ(r.bodyError->status, 502);
  EXPECT_NE(r.bodyError->detail.find("truncated"), std::string::npos) << r.bodyError->detail;
}

TEST(OutboundExchange, TruncatedChunkedResponseIsAnError) {
  for (std::string cut : {"5\r\nhel", "5\r\nhello\r\n", "5\r\nhello", "5\r\nhello\r\n0\r\n"}) {
    ScriptedPeer peer(
        ScriptedPeer::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + cut));
    asio::io_context io;
    Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}));
    ASSERT_TRUE(r.head.ok());
    ASSERT_TRUE(r.bodyError) << cut;
    EXPECT_EQ(r.bodyError->status, 502);
  }
}

TEST(OutboundExchange, MalformedResponses) {
  for (std::string bad : {"garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Le",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    ScriptedPeer peer(ScriptedPeer::send(bad));
    asio::io_context io;
    Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}));
    Error e = r.head.ok() ? r.bodyError.value_or(Error{}) : r.head.error();
    EXPECT_EQ(e.status, 502) << bad << " -> " << e.detail;
  }
}

TEST(OutboundExchange, NoResponseAtAllIsAnError) {
  ScriptedPeer peer([](tcp::socket&) {});
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}));
  ASSERT_FALSE(r.head.ok());
  EXPECT_EQ(r.head.error().status, 502);
}

TEST(OutboundExchange, Skips100Continue) {
  ScriptedPeer peer(ScriptedPeer::send(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "PUT", 3, {"abc"}));
  ASSERT_TRUE(r.head.ok()) << r.head.error().detail;
  EXPECT_EQ(r.head->status, 201);
  EXPECT_EQ(r.body, "ok");
}

TEST(OutboundExchange, HeadResponseHasNoBody) {
  ScriptedPeer peer(ScriptedPeer::send("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "HEAD", 0, {}));
  ASSERT_TRUE(r.head.ok()) << r.head.error().detail;
  EXPECT_EQ(r.head->contentLength, 1234u);
  EXPECT_EQ(r.body, "");
  EXPECT_FALSE(r.bodyError);
}

TEST(OutboundExchange, HugeDeclaredLengthIsAccepted) {
  // No body limit: a 20 GB object is streamed, not refused (the peer sends a few bytes only).
  ScriptedPeer peer(
      ScriptedPeer::send("HTTP/1.1 200 OK\r\nContent-Length: 20000000000\r\n\r\nabc"));
  asio::io_context io;
  Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}));
  ASSERT_TRUE(r.head.ok()) << r.head.error().detail;
  EXPECT_EQ(r.head->contentLength, 20000000000u);
  EXPECT_EQ(r.body, "abc");
  ASSERT_TRUE(r.bodyError);  // then truncated
  EXPECT_EQ(r.bodyError->status, 502);
}

TEST(OutboundExchange, IdleTimeoutFires) {
  ScriptedPeer peer([](tcp::socket& s) { std::this_thread::sleep_for(1500ms); });
  asio::io_context io;
  auto t0 = std::chrono::steady_clock::now();
  Reply r = runSync(io, exchange(peer.target(), "GET", 0, {}, 7, {10'000ms, 200ms}));
  auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.head.ok());
  EXPECT_EQ(r.head.error().status, 500);
  EXPECT_NE(r.head.error().detail.find("timed out"), std::string::npos) << r.head.error().detail;
  EXPECT_LT(elapsed, 1000ms);
}

TEST(OutboundExchange, ConnectionRefused) {
  uint16_t port;
  {
    asio::io_context tmp;
    tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  OutboundTarget t;
  t.host = "127.0.0.1";
  t.port = port;
  asio::io_context io;
  Reply r = runSync(io, exchange(t, "GET", 0, {}));
  ASSERT_FALSE(r.head.ok());
  EXPECT_EQ(r.head.error().status, 500);
  EXPECT_NE(r.head.error().detail.find("connect 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << r.head.error().detail;
}

TEST(OutboundExchange, MisuseIsAnError) {
  ScriptedPeer peer(ScriptedPeer::send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  asio::io_context io;
  auto st = runSync(io, [&]() -> asio::awaitable<Status> {
    auto ex = co_await OutboundExchange::connect(co_await asio::this_coro::executor, peer.target());
    if (!ex) co_return ex.error();
    auto s = co_await (*ex)->start("PUT", "/x", {}, 2);
    EXPECT_TRUE(s.ok());
    co_return co_await (*ex)->write(std::span<const char>("abc", 3));
  }());
  EXPECT_FALSE(st.ok());
}

TEST(OutboundExchange, CancelFailsPendingRead) {
  ScriptedPeer peer([](tcp::socket& s) { std::this_thread::sleep_for(800ms); });
  asio::io_context io;
  std::unique_ptr<OutboundExchange> held;
  asio::steady_timer timer(io);
  auto res = runSync(io, [&]() -> asio::awaitable<Result<OutboundResponseHead>> {
    auto ex = co_await OutboundExchange::connect(co_await asio::this_coro::executor, peer.target());
    if (!ex) co_return ex.error();
    held = std::move(*ex);
    EXPECT_TRUE((co_await held->start("GET", "/", {}, 0)).ok());
    timer.expires_after(100ms);
    timer.async_wait([&](boost::system::error_code) { held->cancel(); });
    co_return co_await held->readHead();
  }());
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().detail.find("cancelled"), std::string::npos) << res.error().detail;
}

TEST(OutboundFetch, SmallExchange) {
  ScriptedPeer peer(ScriptedPeer::send(
      "HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nContent-Length: 20\r\n\r\n"
      "<Error>nope</Error>\n"));
  asio::io_context io;
  auto r = runSync(io, fetch(io.get_executor(), peer.target(), "POST", "/b/k?uploads",
                             {{"x-amz-date", "d"}}, "payload"));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->head.status, 404);
  EXPECT_EQ(r->body, "<Error>nope</Error>\n");
  EXPECT_NE(peer.request().find("\r\n\r\npayload"), std::string::npos);
}

// The stream relay forwards the client's Host: it replaces the target's, never doubles it.
TEST(OutboundFetch, CallerHostReplacesTheTargetHost) {
  ScriptedPeer peer(ScriptedPeer::send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  asio::io_context io;
  auto r = runSync(io, fetch(io.get_executor(), peer.target(), "GET", "/stream/u/f/n",
                             {{"host", "plik.example:8443"}}, ""));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  std::string req = peer.request();
  EXPECT_NE(req.find("\r\nhost: plik.example:8443\r\n"), std::string::npos) << req;
  EXPECT_EQ(req.find("\r\nHost: 127.0.0.1"), std::string::npos) << req;
}

TEST(OutboundFetch, BodyAboveLimitIsAnError) {
  ScriptedPeer peer(
      ScriptedPeer::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x')));
  asio::io_context io;
  auto r = runSync(io, fetch(io.get_executor(), peer.target(), "GET", "/", {}, "", {}, 50));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 502);
}

}  // namespace
}  // namespace plik::http
