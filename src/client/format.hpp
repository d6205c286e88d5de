// Pure helpers of the plik client: TTL and "login:password" parsing, URL building and escaping,
// the ready-to-paste download command (with decrypt / unarchive pipes), archive names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace plik {

inline constexpr std::string_view kClientVersion = "1.3.8";

// "90" (seconds), "30m", "2h", "7d", "0", "-1" (never). Error "Invalid TTL <s>" otherwise.
Result<int64_t> parseTtl(std::string_view s);
// "--password login:pass": no ':' → login "plik". Split on the first ':'.
std::pair<std::string, std::string> parseLoginPassword(std::string_view s);
// Whitespace split like Go's strings.Fields (extra command-line options of tar/zip/openssl/gpg).
std::vector<std::string> splitFields(std::string_view s);

// Percent-escapes one path segment (keeps RFC 3986 unreserved and sub-delims except '$').
std::string escapePathSegment(std::string_view s);
// "<base>/<file|stream>/<uploadId>/<fileId>/<escaped name>".
std::string fileUrl(std::string_view base, bool stream, std::string_view uploadId,
                    std::string_view fileId, std::string_view name);
// "<url>/#/?id=<uploadId>" (the web UI page of the upload).
std::string uploadPageUrl(std::string_view url, std::string_view uploadId);
// Single-quoted for sh, embedded quotes as '\''.
std::string shellQuote(std::string_view s);

// Decoding steps the printed command needs after the download.
struct CommandPipes {
  std::string downloadBinary = "curl";  // curl → "curl -s", wget → "wget -q -O-", else verbatim
  std::string decrypt;    // e.g. "openssl aes-256-cbc -d -pass pass:X -md sha512 ..." or "gpg -d"
  std::string unarchive;  // e.g. "tar xvf - --gzip"; empty for zip (saved as a file)
};
std::string downloadCommand(std::string_view url, std::string_view fileName, const CommandPipes& p);

// tar --<compress> flag and file extension; "no" → none. Error for an unknown codec.
Result<std::string> tarCompressFlag(std::string_view compress);
std::string tarExtension(std::string_view compress);
// "<base>.tar.gz" for one path, "archive.tar.gz" for several; zip: "<base>.zip" / "archive.zip".
std::string archiveFileName(const std::vector<std::string>& paths, std::string_view method,
                            std::string_view compress);
// "tar xvf - --gzip" / "tar xvf -".
std::string tarUnarchiveCommand(std::string_view compress);
// "openssl aes-256-cbc -d -pass pass:PASS -md sha512 -pbkdf2 -iter 120000".
std::string opensslDecryptCommand(std::string_view cipher, std::string_view passphrase,
                                  std::string_view options);

// "12.3 MB/s", "1:02:03" helpers for the progress bar.
std::string formatEta(int64_t seconds);

}  // namespace plik
