// Plik HTTP API over libcurl, used by the CLI (spec §12.3): create an upload, stream a file's
// bytes as a multipart body from a file descriptor (never buffered whole), read /config and
// /version, and download a URL with Range resume. Synchronous; one easy handle per call, so
// calls from different threads are independent (curl_global_init is done once by the caller).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace plik {

struct HttpOptions {
  std::string url;              // server base URL, no trailing '/'
  std::string token;            // X-PlikToken
  std::string login, password;  // Basic auth when password is set
  bool insecure = false;        // skip TLS verification
  bool debug = false;           // libcurl verbose dump on stderr
};

struct UploadParams {
  int64_t ttl = 0;
  bool extendTtl = false, stream = false, oneShot = false, removable = false;
  std::string comments, login, password;
  std::vector<std::string> fileNames;  // reference = index
};

struct CreatedFile {
  std::string id, name, reference;
};
struct CreatedUpload {
  std::string id, uploadToken, downloadDomain;
  bool stream = false;
  std::vector<CreatedFile> files;  // in the order of UploadParams::fileNames
};

struct UploadedFile {
  std::string id, name, status, md5, type;
  int64_t size = 0;
};

// Counters shared with the progress display.
struct Transfer {
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> total{-1};  // -1 = unknown
  std::atomic<bool> finished{false};
  std::atomic<bool> failed{false};
};

// JSON bodies/answers (exposed for unit tests).
std::string uploadRequestJson(const UploadParams& p);
Result<CreatedUpload> parseCreatedUpload(const std::string& json, size_t fileCount);
Result<UploadedFile> parseUploadedFile(const std::string& json);
// "Plik server configuration" summary lines from GET /config JSON.
std::string configSummary(const std::string& json);
// "v1.3.8 (...)" line from GET /version JSON.
std::string versionSummary(const std::string& json);

class ApiClient {
 public:
  explicit ApiClient(HttpOptions o) : opt_(std::move(o)) {}

  Result<CreatedUpload> createUpload(const UploadParams& p);
  // POST /file|stream/{u}/{f}/{name}: multipart part "file" read from fd until EOF. size >= 0
  // sends a Content-Length, -1 sends chunked. Progress goes to t.
  Result<UploadedFile> uploadFile(const CreatedUpload& up, const CreatedFile& f, int fd,
                                  int64_t size, Transfer& t);
  // GET <path> on the server, body as text; non-200 is an error.
  Result<std::string> getText(const std::string& path);

  const HttpOptions& options() const { return opt_; }

 private:
  HttpOptions opt_;
};

struct DownloadResult {
  int64_t bytes = 0;     // size of the output file at the end
  bool resumed = false;  // a Range request continued an existing partial file
};
// GET url into outPath ("-" = stdout). An existing non-empty outPath is resumed with Range
// (206 appends, 200 restarts, 416 with a matching total = already complete). The final size is
// checked against Content-Length / Content-Range total.
Result<DownloadResult> downloadUrl(const HttpOptions& o, const std::string& url,
                                   const std::string& outPath, Transfer& t);

}  // namespace plik

namespace plik {

// --json output of an upload (for scripts).
struct FileReport {
  std::string name, id, url, command, status, md5, error;
  int64_t size = 0;
};
std::string uploadReportJson(const std::string& uploadId, const std::string& uploadUrl,
                             const std::string& uploadToken, bool stream,
                             const std::vector<FileReport>& files);

}  // namespace plik
