// Static web UI from WebappDirectory at / (spec §7): GET/HEAD only, no directory listing,
// no path escaping the directory, index.html for /, 404 "404 page not found" otherwise.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/handlers/handlers.hpp"

namespace plik::handlers {

namespace {

std::string_view mimeFor(std::string_view path) {
  auto dot = path.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

Error notFound() { return Error{404, "404 page not found", {}}; }

}  // namespace

boost::asio::awaitable<Status> serveStatic(Context& ctx) {
  const Config& cfg = ctx.config();
  if (cfg.noWebInterface || (ctx.req.method != "GET" && ctx.req.method != "HEAD"))
    co_return notFound();
  std::string rel = ctx.req.path;
  if (rel == "/" || rel.empty()) rel = "/index.html";
  // Refuse any dot-segment or NUL: nothing outside WebappDirectory, no hidden files.
  if (rel.find("/.") != std::string::npos || rel.find('\0') != std::string::npos ||
      rel.find('\\') != std::string::npos)
    co_return notFound();
  std::string full = cfg.webappDirectory + rel;
  int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) co_return notFound();
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    co_return notFound();
  }
  ctx.res.setStatus(200);
  ctx.res.setHeader("Content-Type", mimeFor(rel));
  ctx.res.setHeader("X-Content-Type-Options", "nosniff");
  if (rel == "/index.html") ctx.res.setHeader("Cache-Control", "no-cache");
  auto s = co_await ctx.res.start(static_cast<int64_t>(st.st_size));
  if (s.ok()) s = co_await ctx.res.sendFile(fd, 0, st.st_size);
  if (s.ok()) s = co_await ctx.res.finish();
  if (!s.ok()) ctx.res.abort();
  ::close(fd);
  co_return Status{};
}

}  // namespace plik::handlers
