// Request dispatch: prefix, route, middleware, handler, error rendering, logging, metrics.
#include "server/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "codec/http_text.hpp"
#include "server/context.hpp"
#include "server/handlers/handlers.hpp"
#include "server/middleware/middleware.hpp"
#include "server/routes.hpp"

namespace plik {

namespace asio = boost::asio;

namespace {

bool methodAllowed(std::string_view methods, std::string_view m) {
  size_t pos = 0;
  while (pos < methods.size()) {
    size_t e = methods.find(' ', pos);
    if (e == std::string_view::npos) e = methods.size();
    if (methods.substr(pos, e - pos) == m) return true;
    pos = e + 1;
  }
  return false;
}

asio::awaitable<void> sendText(http::ResponseWriter& res, int status, std::string_view body) {
  res.setStatus(status);
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("X-Content-Type-Options", "nosniff");
  (void)co_await res.send(body);
}

// The route's middleware chain. The handler is awaited by the caller, not here, so that this
// frame is gone while a handler waits (a stream uploader may wait minutes; 10,000 of them).
asio::awaitable<Status> runMiddleware(Context& ctx, const Route& route) {
  if (route.chain & kStd) {
    if (auto st = middleware::sourceIp(ctx); !st.ok()) co_return st;
  }
  if (route.chain & kRedirect) ctx.redirectOnError = true;
  if (route.chain & kDownloadDomain) {
    if (auto st = middleware::downloadDomain(ctx); !st.ok()) co_return st;
  }
  if (route.chain & kUpload) {
    if (auto st = co_await middleware::upload(ctx); !st.ok()) co_return st;
  }
  if (route.chain & kFile) {
    if (auto st = co_await middleware::file(ctx); !st.ok()) co_return st;
  }
  co_return Status{};
}

}  // namespace

asio::awaitable<void> renderError(Context& ctx, const Error& err) {
  auto& res = ctx.res;
  if (res.started()) {
    res.abort();
    co_return;
  }
  std::string message = err.message;
  // Only internal errors (500) are masked; other 5xx (503 shutting down, 507 disk full) carry
  // a message meant for the client.
  if (err.status == 500 || err.status == 499) {
    message = ctx.config().debug && !err.detail.empty() ? err.message + " : " + err.detail
              : ctx.config().debug                      ? err.message
                                                        : std::string("internal server error");
  }
  int status = err.status == 499 ? 500 : err.status;
  // Never redirected: the 401 password challenge (browsers show their prompt) and the 406 for
  // link-preview bots (a redirect would let them preview the web UI's error page instead).
  if (ctx.redirectOnError && status != 401 && status != 406 &&
      !middleware::isCliUserAgent(ctx.req.headerOr("User-Agent"))) {
    std::string loc = ctx.config().path + "/#/?err=" + message +
                      "&errcode=" + std::to_string(status) + "&uri=" + ctx.req.target;
    res.setStatus(301);
    res.setHeader("Location", loc);
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    (void)co_await res.send("");
    co_return;
  }
  if (status == 401) res.setHeader("WWW-Authenticate", "Basic realm=\"plik\"");
  res.setStatus(status);
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("X-Content-Type-Options", "nosniff");
  message += "\n";
  (void)co_await res.send(message);
}

namespace {

// Route lookup and the access log are plain functions, not part of the dispatcher coroutine:
// their locals then live on the stack instead of in the frame every waiting request holds.
struct RouteMatch {
  const Route* route = nullptr;
  bool pathKnown = false;  // some route has this path (with another method)
};

RouteMatch findRoute(http::Request& req) {
  RouteMatch m;
  for (const auto& r : routeTable()) {
    std::map<std::string, std::string> vars;
    if (!matchPattern(r.pattern, req.path, vars)) continue;
    m.pathKnown = true;
    if (!methodAllowed(r.methods, req.method)) continue;
    m.route = &r;
    req.vars = std::move(vars);
    break;
  }
  return m;
}

// Strips the `Path` prefix (spec §6.1). Returns false when the path is outside it.
bool stripPathPrefix(const Config& cfg, http::Request& req) {
  if (cfg.path.empty()) return true;
  if (!req.path.starts_with(cfg.path) || req.path.size() == cfg.path.size() ||
      req.path[cfg.path.size()] != '/')
    return false;
  req.path.erase(0, cfg.path.size());
  return true;
}

void logRequest(Context& ctx, const Status& st, std::chrono::steady_clock::time_point started) {
  auto& req = ctx.req;
  int code = ctx.res.status();
  ctx.svc.metrics.countRequest(req.method, ctx.routeTemplate, code);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  std::string prefix = "[" + (ctx.sourceIp.empty() ? req.remoteIp : ctx.sourceIp) + "]";
  if (ctx.upload) prefix += "[" + ctx.upload->id + "]";
  if (ctx.file) prefix += "[" + ctx.file->name + "]";
  if (!st.ok() && st.error().status >= 500)
    spdlog::warn("{} {} {} [{}] ({:.1f}ms) {} : {}", prefix, req.method, req.target, code,
                 ms.count(), st.error().message, st.error().detail);
  else
    spdlog::info("{} {} {} [{}] ({:.1f}ms)", prefix, req.method, req.target, code, ms.count());
}

}  // namespace

http::Handler makeDispatcher(Services& svc) {
  return [&svc](http::Request& req, http::BodyReader& body,
                http::ResponseWriter& res) -> asio::awaitable<void> {
    const auto started = std::chrono::steady_clock::now();
    const Config& cfg = svc.config;
    if (!cfg.path.empty() && req.path == cfg.path) {
      res.setStatus(301);
      res.setHeader("Location", cfg.path + "/");
      (void)co_await res.send("");
      co_return;
    }
    if (!stripPathPrefix(cfg, req)) {
      co_await sendText(res, 404, "404 page not found\n");
      co_return;
    }

    Context ctx{svc, req, body, res};
    const RouteMatch match = findRoute(req);
    const Route* route = match.route;
    Status st;
    if (route) {
      ctx.routeTemplate = route->pattern;
      try {
        st = co_await runMiddleware(ctx, *route);
        if (st.ok()) st = co_await route->handler(ctx);
      } catch (const std::exception& e) {
        st = Error::internal("internal server error", e.what());
      }
    } else if (match.pathKnown && cfg.noWebInterface) {
      ctx.routeTemplate = "405";
      co_await sendText(res, 405, "405 method not allowed\n");
    } else {
      ctx.routeTemplate = "static";
      st = co_await handlers::serveStatic(ctx);
    }
    if (!st.ok()) co_await renderError(ctx, st.error());

    if (route && route->chain == kBare) co_return;  // health: no log, no metrics
    logRequest(ctx, st, started);
  };
}

}  // namespace plik
