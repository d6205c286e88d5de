// The per-request context handed through middleware to handlers: the transport objects,
// the services, and what middleware resolved (source IP, upload, file, upload-admin flag).
// Handlers read resolved values from here and never parse URLs or credentials themselves.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"
#include "http/body_reader.hpp"
#include "http/request.hpp"
#include "http/response_writer.hpp"
#include "server/services.hpp"

namespace plik {

struct Context {
  Services& svc;
  http::Request& req;
  http::BodyReader& body;
  http::ResponseWriter& res;

  std::string routeTemplate;    // e.g. /file/{uploadID}/{fileID}/{filename} (metrics, logs)
  std::string sourceIp;         // resolved by the source-ip middleware
  bool redirectOnError = false; // browser download routes (spec §6.7)
  std::optional<Upload> upload; // resolved by the upload middleware
  std::optional<File> file;     // resolved by the file middleware
  // The file row fetched by the upload middleware in the same blocking-pool round trip as the
  // upload (routes with {fileID}); consumed by the file middleware. Null when not fetched.
  std::unique_ptr<std::optional<File>> prefetchedFile;
  bool isUploadAdmin = false;

  const Config& config() const { return svc.config; }
  const std::string& var(const std::string& name) const;
};

using HandlerFn = boost::asio::awaitable<Status> (*)(Context&);

// Runs fn on the blocking pool (for metadata calls, hashing...).
template <class Fn>
auto blocking(Context& ctx, const Fn& fn);

}  // namespace plik

#include "server/blocking.hpp"

namespace plik {
template <class Fn>
auto blocking(Context& ctx, const Fn& fn) {
  return runBlocking(ctx.svc.pool, fn);
}
}  // namespace plik
