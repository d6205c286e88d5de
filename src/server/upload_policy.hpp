// Applies the server's rules (feature flags, TTL limits, file limits) to what a client asked
// for at upload creation (spec §4, §7.1, §8.2). Pure: no I/O; the caller persists the result.
#pragma once

#include "codec/json_codec.hpp"
#include "core/config.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace plik {

// Builds the Upload (ids, token, options, TTL, files with new ids) from the request. Errors are
// the bare reasons ("one shot uploads are disabled"); callers prefix "unable to create upload : ".
// The password is not hashed here (slow): `clearPassword` receives it.
Result<Upload> buildUpload(const Config& cfg, const UploadRequest& req, TimePoint at,
                           std::string& clearPassword);

// Validates a file name (non-empty, <= 1024 bytes) as Plik's creation path does.
Status checkFileName(const std::string& name);

// Effective max file size (<= 0 = unlimited).
int64_t maxFileSize(const Config& cfg);

}  // namespace plik

namespace plik {
// UploadWhitelist check (empty whitelist = everyone).
bool sourceAllowed(const Config& cfg, const std::string& ip);
}  // namespace plik
