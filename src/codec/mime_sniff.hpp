// Content-type sniffing identical to Go's http.DetectContentType (WHATWG mime sniffing),
// and the download-time neutralisation of active types.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace plik {

// Looks at up to the first 512 bytes. Never returns an empty string.
std::string detectContentType(std::span<const char> data);

// The Content-Type a download is served with: html/svg/xml/javascript/flash/pdf and empty
// types become application/octet-stream (our fix of spec §18.17, see docs/compat.md).
std::string safeDownloadContentType(std::string_view storedType);

}  // namespace plik
