// Small text helpers for HTTP: percent-encoding/decoding, query strings, base64,
// Content-Disposition, case-insensitive compare, file name validation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace plik {

bool iequals(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);
// Percent-decodes a path; nullopt on malformed escapes or a decoded NUL.
std::optional<std::string> percentDecodePath(std::string_view s);
// Decodes '+' as space too.
std::optional<std::string> percentDecodeQuery(std::string_view s);
// Escapes everything but unreserved characters and '/'.
std::string percentEncodePath(std::string_view s);
std::string percentEncodeQuery(std::string_view s);
std::map<std::string, std::string> parseQuery(std::string_view query);
std::string base64Encode(std::string_view in);
std::optional<std::string> base64Decode(std::string_view in);
// `attachement; filename="x"` (sic, Plik) or `filename="x"`, with quotes/backslashes/control
// characters escaped and an RFC 5987 filename* for non-ASCII names.
std::string contentDisposition(std::string_view name, bool attachment);

}  // namespace plik
