// Blocking HTTP/1.1 test client (see http_client.hpp).
#include "http/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <random>

namespace plik::test {

bool CaseLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string Response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Connection::Connection(uint16_t port, std::chrono::milliseconds timeout) : timeout_(timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Connection::~Connection() { close(); }

void Connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Connection::shutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool Connection::send(std::string_view bytes) {
  if (fd_ < 0) return false;
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool Connection::fill() {
  if (fd_ < 0 || eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(timeout_.count()));
  if (r <= 0) return false;
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> Connection::readLine() {
  for (;;) {
    auto pos = buf_.find("\r\n");
    if (pos != std::string::npos) {
      std::string line = buf_.substr(0, pos);
      buf_.erase(0, pos + 2);
      return line;
    }
    if (!fill()) return std::nullopt;
  }
}

std::string Connection::readRaw(size_t n) {
  while (buf_.size() < n && fill()) {
  }
  size_t k = std::min(n, buf_.size());
  std::string out = buf_.substr(0, k);
  buf_.erase(0, k);
  return out;
}

bool Connection::waitClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto saved = timeout_;
  while (std::chrono::steady_clock::now() < deadline) {
    timeout_ = std::chrono::milliseconds(100);
    buf_.clear();
    if (!fill()) {
      if (eof_) {
        timeout_ = saved;
        return true;
      }
    }
  }
  timeout_ = saved;
  return false;
}

Response Connection::readHead() {
  Response r;
  auto status = readLine();
  if (!status) return r;
  // HTTP/1.1 200 OK
  auto sp = status->find(' ');
  if (sp == std::string::npos) return r;
  r.status = std::atoi(status->c_str() + sp + 1);
  for (;;) {
    auto line = readLine();
    if (!line) {
      r.status = 0;
      return r;
    }
    if (line->empty()) break;
    auto colon = line->find(':');
    if (colon == std::string::npos) continue;
    std::string name = line->substr(0, colon);
    std::string value = line->substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    r.headers.emplace(name, value);
  }
  return r;
}

Response Connection::readResponse(bool head) {
  Response r = readHead();
  if (r.status == 0) return r;
  if (head || r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) {
    r.complete = true;
    return r;
  }
  std::string te = r.header("Transfer-Encoding");
  std::transform(te.begin(), te.end(), te.begin(), ::tolower);
  if (te.find("chunked") != std::string::npos) {
    r.chunked = true;
    for (;;) {
      auto line = readLine();
      if (!line) return r;
      size_t size = std::strtoul(line->c_str(), nullptr, 16);
      if (size == 0) {
        // trailers
        for (;;) {
          auto t = readLine();
          if (!t) return r;
          if (t->empty()) break;
        }
        r.complete = true;
        return r;
      }
      std::string chunk = readRaw(size);
      r.body += chunk;
      if (chunk.size() < size) return r;
      auto crlf = readLine();
      if (!crlf) return r;
    }
  }
  if (r.has("Content-Length")) {
    size_t n = std::strtoull(r.header("Content-Length").c_str(), nullptr, 10);
    r.body = readRaw(n);
    r.complete = r.body.size() == n;
    return r;
  }
  while (fill()) {
  }
  r.body = std::move(buf_);
  buf_.clear();
  r.complete = eof_;
  return r;
}

std::string buildRequest(const std::string& method, const std::string& target,
                         const Headers& headers, std::string_view body, uint16_t port) {
  std::string s = method + " " + target + " HTTP/1.1\r\n";
  if (!headers.count("Host")) s += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (!headers.count("User-Agent")) s += "User-Agent: curl/8.0\r\n";
  bool framed = headers.count("Content-Length") || headers.count("Transfer-Encoding");
  if (!framed && (!body.empty() || method == "POST" || method == "PUT"))
    s += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [k, v] : headers) s += k + ": " + v + "\r\n";
  s += "\r\n";
  s.append(body.data(), body.size());
  return s;
}

Response request(uint16_t port, const std::string& method, const std::string& target,
                 const Headers& headers, std::string_view body) {
  Connection c(port);
  Headers h = headers;
  if (!h.count("Connection")) h.emplace("Connection", "close");
  if (!c.send(buildRequest(method, target, h, body, port))) return {};
  return c.readResponse(method == "HEAD");
}

Multipart multipartFile(const std::string& filename, std::string_view content,
                        const std::vector<std::pair<std::string, std::string>>& fieldsBefore,
                        const std::string& partName) {
  Multipart m;
  for (const auto& [k, v] : fieldsBefore) {
    m.body += "--" + m.boundary + "\r\n";
    m.body += "Content-Disposition: form-data; name=\"" + k + "\"\r\n\r\n";
    m.body += v + "\r\n";
  }
  m.body += "--" + m.boundary + "\r\n";
  m.body += "Content-Disposition: form-data; name=\"" + partName + "\"; filename=\"" + filename +
            "\"\r\n";
  m.body += "Content-Type: application/octet-stream\r\n\r\n";
  m.body.append(content.data(), content.size());
  m.body += "\r\n--" + m.boundary + "--\r\n";
  return m;
}

std::string chunkedEncode(std::string_view body, size_t chunk) {
  std::string out;
  char hex[32];
  for (size_t pos = 0; pos < body.size(); pos += chunk) {
    size_t n = std::min(chunk, body.size() - pos);
    std::snprintf(hex, sizeof hex, "%zx\r\n", n);
    out += hex;
    out.append(body.substr(pos, n));
    out += "\r\n";
  }
  out += "0\r\n\r\n";
  return out;
}

std::string base64(std::string_view s) {
  static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += k[v & 63];
  }
  if (i + 1 == s.size()) {
    uint32_t v = uint8_t(s[i]) << 16;
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == s.size()) {
    uint32_t v = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(g() & 0xff);
  return s;
}

}  // namespace plik::test
