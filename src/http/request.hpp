// A parsed HTTP request head, as handlers see it: method, decoded path, query, headers,
// peer address and the route variables the router resolved. No Beast types here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plik::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;       // upper-case as sent
  std::string target;       // raw request-target (path + query), as sent
  std::string path;         // percent-decoded path, without query
  std::string query;        // raw query string (after '?'), may be empty
  int versionMinor = 1;     // HTTP/1.x
  std::vector<Header> headers;
  std::string remoteIp;     // peer address, IPv6 zone stripped
  uint16_t remotePort = 0;
  std::optional<int64_t> contentLength;
  bool chunked = false;
  bool keepAlive = true;
  std::map<std::string, std::string> vars;  // route variables, e.g. uploadID

  // First header with that name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
  std::string headerOr(std::string_view name, std::string_view fallback = {}) const;
  bool isHead() const { return method == "HEAD"; }
  bool hasBody() const { return chunked || (contentLength && *contentLength > 0); }
};

}  // namespace plik::http
