// Headers of file, stream and archive downloads: safe Content-Type, Content-Disposition,
// no-cache for oneShot/stream, security headers with EnhancedWebSecurity (spec §7.4).
#pragma once

#include <string_view>

#include "server/context.hpp"

namespace plik::handlers {

void setDownloadHeaders(Context& ctx, const File& f);
void setNoCacheHeaders(Context& ctx);
// Link-preview bots that would eat a oneShot/stream download (spec §18.16).
bool isPreviewBot(std::string_view userAgent);

}  // namespace plik::handlers
