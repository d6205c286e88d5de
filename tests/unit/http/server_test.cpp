// Unit tests of the HTTP server's connection layer against a raw TCP client on 127.0.0.1:
// connections spread over the event loops (each served by one thread), the head that start()
// defers until the first body bytes, finish() or abort() — never lost, never doubled — and the
// Unix-socket listener (plain HTTP, peer 127.0.0.1, never replaces a file or a live server).
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace plik::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// An HttpServer on a listener loop plus `extraLoops` connection loops, each run by one thread.
class LoopServer {
 public:
  // unixPath: also listen there (listenUnix(), its outcome in unixStatus()).
  LoopServer(Handler handler, int extraLoops, const std::string& unixPath = "") {
    std::vector<asio::io_context*> loops{&main_};
    for (int i = 0; i < extraLoops; ++i) {
      extra_.push_back(std::make_unique<asio::io_context>(1));
      loops.push_back(extra_.back().get());
    }
    server_ = std::make_unique<HttpServer>(main_, ServerOptions{}, std::move(handler), loops);
    auto port = server_->listen("127.0.0.1", 0);
    port_ = port.ok() ? port.value() : 0;
    if (!unixPath.empty()) unixStatus_ = server_->listenUnix(unixPath);
    server_->start();
    for (auto* l : loops) {
      work_.emplace_back(l->get_executor());
      threads_.emplace_back([l] { l->run(); });
    }
  }
  ~LoopServer() {
    server_->stop();
    for (int i = 0; i < 100 && server_->connectionCount() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    work_.clear();
    main_.stop();
    for (auto& l : extra_) l->stop();
    for (auto& t : threads_) t.join();
  }
  uint16_t port() const { return port_; }
  const Status& unixStatus() const { return unixStatus_; }
  HttpServer& http() { return *server_; }

 private:
  asio::io_context main_{1};
  std::vector<std::unique_ptr<asio::io_context>> extra_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  Status unixStatus_;
};

// Blocking client connection.
struct Client {
  asio::io_context io;
  tcp::socket s{io};
  explicit Client(uint16_t port) { s.connect({asio::ip::make_address("127.0.0.1"), port}); }
  void send(const std::string& bytes) { asio::write(s, asio::buffer(bytes)); }
  // Reads until the peer closes (or `limit` bytes).
  std::string readToEof(size_t limit = 1 << 20) {
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    while (out.size() < limit) {
      size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec) break;
      out.append(buf, n);
    }
    return out;
  }
  // Reads one response whose body is `bodyLen` bytes (Content-Length framing).
  std::string readResponse(size_t bodyLen) {
    std::string out;
    char buf[4096];
    for (;;) {
      auto he = out.find("\r\n\r\n");
      if (he != std::string::npos && out.size() >= he + 4 + bodyLen) break;
      size_t n = s.read_some(asio::buffer(buf));
      out.append(buf, n);
    }
    return out;
  }
};

const std::string kGet = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";

// One server with one loop running `handler`; sends `request` on a fresh connection and returns
// everything the server wrote until it closed the connection.
std::string exchange(Handler handler, const std::string& request) {
  LoopServer server(std::move(handler), 0);
  Client c(server.port());
  c.send(request);
  return c.readToEof();
}

TEST(HttpServerLoops, ConnectionsSpreadOverLoopsAndStayOnOneThread) {
  std::mutex mu;
  std::map<std::string, std::set<std::thread::id>> threadsByPeer;  // "ip:port" -> threads
  LoopServer server(
      [&](Request& req, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        {
          std::lock_guard lk(mu);
          threadsByPeer[req.remoteIp + ":" + std::to_string(req.remotePort)].insert(
              std::this_thread::get_id());
        }
        co_await res.send("ok");
      },
      1);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(std::make_unique<Client>(server.port()));
  for (int round = 0; round < 3; ++round)
    for (auto& c : clients) {
      c->send(kGet);
      auto r = c->readResponse(2);
      EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
      EXPECT_TRUE(r.ends_with("\r\n\r\nok")) << r;
    }
  std::set<std::thread::id> all;
  ASSERT_EQ(threadsByPeer.size(), 4u);
  for (auto& [peer, threads] : threadsByPeer) {
    EXPECT_EQ(threads.size(), 1u) << peer << " was served by several threads";
    all.insert(threads.begin(), threads.end());
  }
  EXPECT_EQ(all.size(), 2u) << "connections were not spread over both loops";
}

TEST(HttpServerLoops, RemoteAddressKnownOnEveryRequestOfAConnection) {
  std::mutex mu;
  std::vector<std::string> peers;
  LoopServer server(
      [&](Request& req, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        {
          std::lock_guard lk(mu);
          peers.push_back(req.remoteIp + ":" + std::to_string(req.remotePort));
        }
        co_await res.send("ok");
      },
      0);
  Client c(server.port());
  c.send(kGet + "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto r = c.readToEof();
  EXPECT_NE(r.find("HTTP/1.1 200", 10), std::string::npos) << r;
  const std::string mine = "127.0.0.1:" + std::to_string(c.s.local_endpoint().port());
  std::lock_guard lk(mu);
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0], mine);
  EXPECT_EQ(peers[1], mine);
}

// Answers "METHOD:body", the part of the body not yet buffered read straight from the socket
// while the loop does not watch it (the stream splice hand-off).
asio::awaitable<void> echoBodyThroughPausedFd(Request& req, BodyReader& body, ResponseWriter& res) {
  std::string got(body.buffered().data(), body.buffered().size());
  body.consume(got.size());
  const int fd = body.rawFd();
  if (fd >= 0 && body.rawRemaining() > 0) {
    body.pauseRawFdEvents();
    int64_t left = body.rawRemaining();
    char buf[4096];
    while (left > 0) {
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, 2000);
      ssize_t n = ::recv(fd, buf, std::min<int64_t>(left, sizeof buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      left -= n;
    }
    body.skipRaw(body.rawRemaining() - left);
    body.resumeRawFdEvents();
  }
  co_await res.send(req.method + ":" + got);
}

// A body read straight from the socket while the loop does not watch it (the splice hand-off);
// afterwards the connection serves the next request normally (the socket is watched again).
TEST(HttpServerLoops, PausedRawFdIsReadableAndTheConnectionResumes) {
  LoopServer server(echoBodyThroughPausedFd, 1);
  Client c(server.port());
  const std::string big(20000, 'b');
  c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // head first, body later
  c.send("hello");
  auto r = c.readResponse(10);
  EXPECT_TRUE(r.ends_with("\r\n\r\nPOST:hello")) << r;
  c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 20000\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.send(big);
  r = c.readResponse(5 + big.size());
  EXPECT_TRUE(r.ends_with("\r\n\r\nPOST:" + big)) << r.substr(0, 200);
  c.send(kGet);  // read through the loop again
  r = c.readResponse(4);
  EXPECT_TRUE(r.ends_with("\r\n\r\nGET:")) << r;
}

TEST(HttpServerHead, SmallResponseIsExactAndKeepsTheConnection) {
  LoopServer server(
      [](Request&, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        res.setHeader("Content-Type", "text/plain");
        co_await res.send("hello");
      },
      0);
  Client c(server.port());
  for (int i = 0; i < 2; ++i) {
    c.send(kGet);
    auto r = c.readResponse(5);
    EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")) << r;
    EXPECT_NE(r.find("\r\nContent-Length: 5\r\n"), std::string::npos) << r;
    EXPECT_TRUE(r.ends_with("\r\n\r\nhello")) << r;
    EXPECT_EQ(r.find("HTTP/1.1", 1), std::string::npos) << "head sent twice: " << r;
  }
}

TEST(HttpServerHead, StartThenFinishSendsTheHead) {
  auto r = exchange(
      [](Request&, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        res.setStatus(204);
        (void)co_await res.start(std::nullopt);
        (void)co_await res.finish();
      },
      kGet + "GET /close HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 204 No Content\r\n")) << r;
  EXPECT_NE(r.find("HTTP/1.1 204", 10), std::string::npos) << "second response missing: " << r;
  EXPECT_EQ(r.find("Transfer-Encoding"), std::string::npos) << r;
}

TEST(HttpServerHead, ChunkedStartThenFinishIsOneWellFormedResponse) {
  auto r = exchange(
      [](Request&, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        (void)co_await res.start(std::nullopt);
        (void)co_await res.finish();
      },
      "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n0\r\n\r\n")) << r;
}

TEST(HttpServerHead, HeadRequestGetsTheHeadOnly) {
  auto r = exchange(
      [](Request&, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        co_await res.send("hello");
      },
      "HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("Content-Length: 5\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n")) << r;
}

TEST(HttpServerHead, AbortAfterPartOfTheBodyShowsHeadThenBreak) {
  auto r = exchange(
      [](Request&, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        (void)co_await res.start(100);
        std::string part(10, 'x');
        (void)co_await res.write(part);
        res.abort();
      },
      kGet);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("Content-Length: 100\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\nxxxxxxxxxx")) << r;  // 10 of 100 bytes, then closed
}

TEST(HttpServerHead, AbortRightAfterStartStillSendsTheHead) {
  auto r = exchange(
      [](Request&, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        (void)co_await res.start(100);
        res.abort();
        co_return;
      },
      kGet);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("Content-Length: 100\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n")) << "no body bytes may follow: " << r;
}

TEST(HttpServerHead, HandlerReturningWithoutFinishSendsHeadThenCloses) {
  auto r = exchange(
      [](Request&, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        (void)co_await res.start(5);
        co_return;  // forgot finish() and the body: the client sees the head and a close
      },
      kGet + kGet);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n")) << r;
  EXPECT_EQ(r.find("HTTP/1.1", 1), std::string::npos) << "connection reused: " << r;
}

TEST(HttpServerHead, SendFileCarriesTheHeadAndTheFileBytes) {
  char path[] = "/tmp/plik-server-test-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string content = "0123456789abcdef";
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  LoopServer server(
      [fd](Request&, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        (void)co_await res.start(10);
        (void)co_await res.sendFile(fd, 3, 10);
        (void)co_await res.finish();
      },
      0);
  Client c(server.port());
  for (int i = 0; i < 2; ++i) {
    c.send(kGet);
    auto r = c.readResponse(10);
    EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
    EXPECT_TRUE(r.ends_with("\r\n\r\n3456789abc")) << r;
  }
  ::close(fd);
  ::unlink(path);
}

}  // namespace
}  // namespace plik::http

namespace plik::http {
namespace {

// A fresh directory for socket files, removed with everything in it.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/plik-unix-test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// Blocking Unix-socket client; fd < 0 when connect() failed.
struct UnixClient {
  int fd = -1;
  explicit UnixClient(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ~UnixClient() {
    if (fd >= 0) ::close(fd);
  }
  void send(const std::string& bytes) {
    for (size_t off = 0; off < bytes.size();) {
      ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  std::string readToEof() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

Handler peerEcho() {
  return [](Request& req, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
    co_await res.send(req.remoteIp);
  };
}

TEST(HttpServerUnixSocket, ServesPlainHttpFromLoopbackWithMode0660AndIsRemovedAtStop) {
  TempDir dir;
  const std::string path = dir.path + "/plikd.sock";
  {
    std::mutex mu;
    std::vector<std::string> peers;
    LoopServer server(
        [&](Request& req, BodyReader& body, ResponseWriter& res) -> asio::awaitable<void> {
          {
            std::lock_guard lk(mu);
            peers.push_back(req.remoteIp);
          }
          co_await echoBodyThroughPausedFd(req, body, res);
        },
        1, path);
    ASSERT_TRUE(server.unixStatus().ok()) << server.unixStatus().error().message;
    struct stat st{};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    const std::string big(300000, 'u');
    UnixClient c(path);
    ASSERT_GE(c.fd, 0);
    // A body read through the paused socket (the stream hand-off), then another request on the
    // same connection through the loop again.
    c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 300000\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.send(big);
    c.send("GET /y HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    auto r = c.readToEof();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r.substr(0, 200);
    EXPECT_NE(r.find("\r\n\r\nPOST:" + big + "HTTP/1.1 200 OK\r\n"), std::string::npos) << r.substr(0, 200);
    EXPECT_TRUE(r.ends_with("\r\n\r\nGET:")) << r.substr(r.size() > 200 ? r.size() - 200 : 0);
    Client tcpClient(server.port());  // TCP still served alongside
    tcpClient.send("GET /z HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(tcpClient.readToEof().ends_with("\r\n\r\nGET:"));
    std::lock_guard lk(mu);
    ASSERT_EQ(peers.size(), 3u);
    EXPECT_EQ(peers[0], "127.0.0.1");
    EXPECT_EQ(peers[1], "127.0.0.1");
  }
  struct stat st{};
  EXPECT_NE(::lstat(path.c_str(), &st), 0) << "socket file left behind after stop";
}

TEST(HttpServerUnixSocket, NeverReplacesAFileOrALiveServerButReplacesAStaleSocket) {
  TempDir dir;
  // A regular file: refused and left intact.
  const std::string file = dir.path + "/not-a-socket";
  std::ofstream(file) << "precious";
  {
    LoopServer server(peerEcho(), 0, file);
    ASSERT_FALSE(server.unixStatus().ok());
    EXPECT_NE(server.unixStatus().error().detail.find("not a socket"), std::string::npos)
        << server.unixStatus().error().detail;
  }
  std::ifstream in(file);
  std::string kept((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(kept, "precious");

  // A live server: refused, and the live one keeps serving (its file is not unlinked).
  const std::string path = dir.path + "/plikd.sock";
  {
    LoopServer first(peerEcho(), 0, path);
    ASSERT_TRUE(first.unixStatus().ok());
    {
      LoopServer second(peerEcho(), 0, path);
      ASSERT_FALSE(second.unixStatus().ok());
      EXPECT_NE(second.unixStatus().error().detail.find("another process"), std::string::npos)
          << second.unixStatus().error().detail;
    }
    UnixClient c(path);
    ASSERT_GE(c.fd, 0) << "the first server's socket file was removed";
    c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(c.readToEof().ends_with("\r\n\r\n127.0.0.1"));
  }

  // A stale socket (its process died without removing it): replaced.
  {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ::close(fd);
  }
  {
    LoopServer server(peerEcho(), 0, path);
    ASSERT_TRUE(server.unixStatus().ok()) << server.unixStatus().error().detail;
    UnixClient c(path);
    ASSERT_GE(c.fd, 0);
    c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(c.readToEof().ends_with("\r\n\r\n127.0.0.1"));
  }

  // Not an absolute path, or too long for sockaddr_un.
  LoopServer relative(peerEcho(), 0, "plikd.sock");
  EXPECT_FALSE(relative.unixStatus().ok());
  LoopServer tooLong(peerEcho(), 0, "/" + std::string(120, 'x'));
  EXPECT_FALSE(tooLong.unixStatus().ok());
}

}  // namespace
}  // namespace plik::http

namespace plik::http {
namespace {

// Everything the peer sends until it closes the connection; nullopt if it is still open after
// `ms` milliseconds without data.
std::optional<std::string> readUntilClosed(Client& c, int ms = 3000) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{c.s.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return std::nullopt;
    ssize_t n = ::recv(c.s.native_handle(), buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// drain(): a response in flight ends whole (announcing Connection: close), an idle keep-alive
// connection is closed at once, new connections are refused, and nothing is left at the end.
TEST(HttpServerDrain, InFlightResponseEndsIdleConnectionClosesNewOnesRefused) {
  std::atomic<bool> release{false};
  LoopServer server(
      [&](Request& req, BodyReader&, ResponseWriter& res) -> asio::awaitable<void> {
        if (req.path == "/slow") {
          asio::steady_timer t(co_await asio::this_coro::executor);
          while (!release) {  // a response that is still being computed at drain()
            t.expires_after(std::chrono::milliseconds(10));
            co_await t.async_wait(asio::use_awaitable);
          }
        }
        co_await res.send("done:" + req.path);
      },
      1);
  Client idle(server.port());
  idle.send(kGet);
  EXPECT_TRUE(idle.readResponse(7).ends_with("done:/x"));
  Client busy(server.port());
  busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.http().drain();
  EXPECT_EQ(readUntilClosed(idle), std::optional<std::string>("")) << "the idle connection was not closed";
  {
    asio::io_context io;
    tcp::socket s(io);
    boost::system::error_code ec;
    for (int i = 0; i < 100 && !ec; ++i) {  // the listener closes from its loop, soon
      s = tcp::socket(io);
      s.connect({asio::ip::make_address("127.0.0.1"), server.port()}, ec);
      if (!ec) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(ec) << "new connections still accepted while draining";
  }
  // The idle connection's coroutine leaves the set just after closing its socket.
  for (int i = 0; i < 100 && server.http().connectionCount() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server.http().connectionCount(), 1u) << "only the busy connection is left";
  release = true;
  auto closed = readUntilClosed(busy);
  ASSERT_TRUE(closed) << "the connection stayed open after its response";
  const std::string& r = *closed;
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("\r\nConnection: close\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\ndone:/slow")) << r;
  for (int i = 0; i < 100 && server.http().connectionCount() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server.http().connectionCount(), 0u);
}

}  // namespace
}  // namespace plik::http
