// JSON encodings of Plik's objects with Go encoding/json conventions: Plik's field order,
// compact, <,>,& escaped as \u003c..., RFC 3339 nanosecond UTC timestamps, case-insensitive
// decoding. nlohmann/json is included only by json_codec.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace plik {

// Go RFC3339Nano in UTC: 2025-06-13T15:04:21.123456789Z (trailing zeros of the fraction
// trimmed, no fraction when zero). TimePoint{} is Go's zero time: "0001-01-01T00:00:00Z".
std::string formatTime(TimePoint t);
// Strict RFC 3339 (Go's time.Parse(time.RFC3339) rules), any offset. "0001-01-01T00:00:00Z"
// maps to TimePoint{}; nullopt when invalid or outside TimePoint's range (years 1678..2261).
std::optional<TimePoint> parseTime(std::string_view s);

struct UploadJsonOptions {
  bool v1 = false;  // legacy V1 shape (files as an object keyed by file id, uploadDate)
  // Value of "downloadDomain" (Plik's Sanitize sets it from config.DownloadDomain).
  std::string downloadDomain;
  // true (default): Plik's Sanitize view, as served by POST /upload and GET /upload/{id}:
  // uploadIp/user/token/login/password omitted, uploadToken only when admin.
  // false: the raw object of /me/uploads and /uploads listings (all fields, omitempty).
  bool sanitized = true;
};
std::string fileToJson(const File& f);
// Serialises upload.files as the files array (null when empty and nullFilesWhenEmpty; V1: an
// object keyed by file id, sorted like Go maps, never null). admin is the "admin" field and, in
// the sanitised view, gates uploadToken. V1 always writes "admin":false (compat.go omits it).
std::string uploadToJson(const Upload& u, bool admin, const UploadJsonOptions& opt = {},
                         bool nullFilesWhenEmpty = false);

// What a client asked for in POST /upload (spec §7.1). Only the fields Plik reads.
struct FileRequest {
  std::string fileName;
  std::string fileType;
  int64_t fileSize = 0;
  std::string reference;
};
struct UploadRequest {
  int64_t ttl = 0;
  bool extendTtl = false;
  bool oneShot = false;
  bool removable = false;
  bool stream = false;
  std::string comments;
  std::string login;
  std::string password;
  std::vector<FileRequest> files;
  bool v1 = false;  // the body was in the legacy V1 format
};
// Go json.Unmarshal into common.Upload, then common.UploadV1 when that fails (v1 = true).
// Empty or whitespace-only body = defaults (Go only accepts a truly empty one). On failure:
// 400 "unable to deserialize request body : <Go's V1 error>". Never throws. A null entry of
// files (Go: nil *File) yields an empty FileRequest, which the handler rejects by name.
Result<UploadRequest> parseUploadRequest(std::string_view body);

std::string configToJson(const Config& cfg);
std::string versionToJson(std::string_view version, int64_t buildDate, bool enhancedWebSecurity);
std::string serverStatsToJson(const ServerStats& s);

}  // namespace plik
