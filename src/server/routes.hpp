// The route table: path pattern, methods, middleware chain and handler for every endpoint
// (spec §7). Defined once in routes.cpp; the dispatcher matches requests against it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/context.hpp"

namespace plik {

// Middleware chain flags, applied in this order by the dispatcher.
enum Chain : unsigned {
  kBare = 0,              // context only (health)
  kStd = 1u << 0,         // source IP + log + recover
  kUpload = 1u << 1,      // resolve {uploadID}: expiry, upload admin, password, extend_ttl
  kFile = 1u << 2,        // resolve {fileID}/{filename}
  kRedirect = 1u << 3,    // errors become 301 to the web UI for browsers
  kDownloadDomain = 1u << 4,  // Host must be DownloadDomain (or an alias)
};

struct Route {
  std::string_view methods;  // space separated, e.g. "GET HEAD"
  std::string_view pattern;  // e.g. /file/{uploadID}/{fileID}/{filename}
  unsigned chain;
  HandlerFn handler;
};

const std::vector<Route>& routeTable();

// Matches a decoded path against a pattern; fills vars. Variables match one non-empty segment.
bool matchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& vars);

}  // namespace plik
