// Download response headers.
#include "server/handlers/download_headers.hpp"

#include "codec/http_text.hpp"
#include "codec/mime_sniff.hpp"

namespace plik::handlers {

void setNoCacheHeaders(Context& ctx) {
  ctx.res.setHeader("Cache-Control", "no-cache, no-store, must-revalidate");
  ctx.res.setHeader("Pragma", "no-cache");
  ctx.res.setHeader("Expires", "0");
}

void setDownloadHeaders(Context& ctx, const File& f) {
  auto& res = ctx.res;
  res.setHeader("Content-Type", safeDownloadContentType(f.type));
  // Always: untrusted bytes are never sniffed into something active by the browser.
  res.setHeader("X-Content-Type-Options", "nosniff");
  if (ctx.config().enhancedWebSecurity) {
    res.setHeader("X-XSS-Protection", "1; mode=block");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Content-Security-Policy",
                  "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; "
                  "connect-src 'none'; font-src 'none'; object-src 'none'; media-src 'self'; "
                  "child-src 'none'; form-action 'none'; frame-ancestors 'none'; plugin-types; "
                  "sandbox");
  }
  if (ctx.upload->oneShot || ctx.upload->stream) setNoCacheHeaders(ctx);
  auto dl = parseQuery(ctx.req.query);
  auto it = dl.find("dl");
  res.setHeader("Content-Disposition", contentDisposition(f.name, it != dl.end() && !it->second.empty()));
}

bool isPreviewBot(std::string_view userAgent) {
  static constexpr std::string_view kBots[] = {
      "slackbot", "slack-imgproxy", "telegrambot", "whatsapp", "discordbot", "facebookexternalhit",
      "facebot", "twitterbot", "linkedinbot", "skypeuripreview", "viber", "signal",
      "microsoftpreview", "teams", "mattermost", "redditbot", "embedly", "pinterest",
      "applebot", "googlebot", "bingbot", "iframely", "vkshare", "line/"};
  std::string ua = toLower(userAgent);
  for (auto b : kBots)
    if (ua.find(b) != std::string::npos) return true;
  return false;
}

}  // namespace plik::handlers
