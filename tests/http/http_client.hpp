// A tiny blocking HTTP/1.1 client on POSIX sockets for the in-process HTTP tests: it can send
// well-formed requests as well as raw, malformed, chunked, partial or pipelined ones, and reads
// Content-Length, chunked and close-delimited responses.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plik::test {

struct CaseLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::multimap<std::string, std::string, CaseLess>;

struct Response {
  int status = 0;  // 0 when no status line could be read
  Headers headers;
  std::string body;
  bool complete = false;  // the body ended as framed (length reached / terminating chunk / close)
  bool chunked = false;
  // First value of a header (case-insensitive), "" if absent.
  std::string header(const std::string& name) const;
  bool has(const std::string& name) const { return headers.count(name) > 0; }
};

// One connection. All calls block; every read has a deadline (default 30 s) so a hung server
// fails a test instead of hanging it.
class Connection {
 public:
  explicit Connection(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Raw bytes; false on error.
  bool send(std::string_view bytes);
  // Reads one response (HEAD: pass head=true, no body is read).
  Response readResponse(bool head = false);
  // Reads up to n body bytes after the head has been read with readHead().
  Response readHead();
  // Reads exactly n raw bytes (or fewer on EOF/error/timeout).
  std::string readRaw(size_t n);
  // True if the peer closed (EOF or reset) within the timeout.
  bool waitClosed(std::chrono::milliseconds timeout);
  void shutdownWrite();
  void close();
  void setTimeout(std::chrono::milliseconds t) { timeout_ = t; }
  int fd() const { return fd_; }

 private:
  bool fill();  // reads more into buf_; false on EOF/error/timeout
  std::optional<std::string> readLine();
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buf_;
  bool eof_ = false;
};

// Builds a request head + body. Adds Host, Content-Length (unless a Transfer-Encoding or
// Content-Length header is given, or body is empty for GET/HEAD/DELETE) and User-Agent curl.
std::string buildRequest(const std::string& method, const std::string& target,
                         const Headers& headers, std::string_view body, uint16_t port);

// One request on a fresh connection with Connection: close semantics.
Response request(uint16_t port, const std::string& method, const std::string& target,
                 const Headers& headers = {}, std::string_view body = {});

// multipart/form-data with one `file` part (plus optional extra parts before it).
struct Multipart {
  std::string boundary = "PlikTestBoundary7MA4YWxkTrZu0gW";
  std::string body;
  std::string contentType() const { return "multipart/form-data; boundary=" + boundary; }
};
Multipart multipartFile(const std::string& filename, std::string_view content,
                        const std::vector<std::pair<std::string, std::string>>& fieldsBefore = {},
                        const std::string& partName = "file");

std::string chunkedEncode(std::string_view body, size_t chunk);
std::string base64(std::string_view s);
// Deterministic pseudo-random bytes.
std::string randomBytes(size_t n, uint32_t seed = 1);

}  // namespace plik::test
