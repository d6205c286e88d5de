// Which user agents get plain-text errors instead of browser redirects (spec §6.7).
#include "codec/http_text.hpp"
#include "server/middleware/middleware.hpp"

namespace plik::middleware {

bool isCliUserAgent(std::string_view userAgent) {
  static constexpr std::string_view kCli[] = {"wget", "curl", "python-urllib", "libwwww-perl",
                                              "php", "pycurl", "go-http-client", "plik_client"};
  std::string ua = toLower(userAgent);
  for (auto p : kCli)
    if (std::string_view(ua).starts_with(p)) return true;
  return false;
}

}  // namespace plik::middleware
