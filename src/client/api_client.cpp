// libcurl implementation of the Plik API client: JSON via nlohmann (ordered), multipart body
// framed by hand around bytes read from a file descriptor in the read callback.
#include "client/api_client.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "client/format.hpp"
#include "core/random.hpp"

namespace plik {
namespace {

using json = nlohmann::ordered_json;
constexpr size_t kMaxAnswer = 1 << 20;
constexpr long kBufferSize = 512 * 1024;

std::string base64(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(n);
  return out;
}

struct Easy {
  CURL* h = curl_easy_init();
  curl_slist* headers = nullptr;
  char err[CURL_ERROR_SIZE] = {0};
  ~Easy() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
  }
  void header(const std::string& line) { headers = curl_slist_append(headers, line.c_str()); }
};

size_t collect(char* p, size_t sz, size_t n, void* ud) {
  auto* s = static_cast<std::string*>(ud);
  size_t len = sz * n;
  if (s->size() < kMaxAnswer) s->append(p, std::min(len, kMaxAnswer - s->size()));
  return len;
}

void setup(Easy& e, const HttpOptions& o, const std::string& url,
           const std::string& uploadToken = {}) {
  curl_easy_setopt(e.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e.h, CURLOPT_ERRORBUFFER, e.err);
  curl_easy_setopt(e.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e.h, CURLOPT_USERAGENT, ("plik_client/" + std::string(kClientVersion)).c_str());
  e.header("X-ClientApp: plik_cli");
#if defined(__x86_64__)
  e.header("X-ClientVersion: linux-amd64-" + std::string(kClientVersion));
#elif defined(__aarch64__)
  e.header("X-ClientVersion: linux-arm64-" + std::string(kClientVersion));
#else
  e.header("X-ClientVersion: linux-unknown-" + std::string(kClientVersion));
#endif
  if (!o.token.empty()) e.header("X-PlikToken: " + o.token);
  if (!uploadToken.empty()) e.header("X-UploadToken: " + uploadToken);
  if (!o.password.empty()) {
    std::string login = o.login.empty() ? "plik" : o.login;
    e.header("Authorization: Basic " + base64(login + ":" + o.password));
  }
  if (o.insecure) {
    curl_easy_setopt(e.h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e.h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (o.debug) curl_easy_setopt(e.h, CURLOPT_VERBOSE, 1L);
}

std::string firstLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  auto nl = s.find('\n');
  if (nl != std::string::npos) s = s.substr(0, nl);
  return s;
}

std::string reason(long code) {
  switch (code) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 429:
      return "Too Many Requests";
    case 413:
      return "Request Entity Too Large";
    case 416:
      return "Requested Range Not Satisfiable";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// "<status line> : <body>" like the Go client (Go's resp.Status), or the transport error.
// statusLine: the server's "HTTP/1.1 400 Bad Request" when captured; else a known reason.
Error httpError(long code, const std::string& body, const std::string& statusLine = {}) {
  std::string r = reason(code);
  if (auto sp = statusLine.find(' '); sp != std::string::npos) {
    auto sp2 = statusLine.find(' ', sp + 1);
    if (sp2 != std::string::npos) {
      std::string given = firstLine(statusLine.substr(sp2 + 1));
      if (!given.empty()) r = given;
    }
  }
  return Error{static_cast<int>(code),
               std::to_string(code) + (r.empty() ? "" : " " + r) + " : " + firstLine(body),
               {}};
}
Error transportError(const Easy& e, CURLcode rc, const std::string& url) {
  std::string msg = e.err[0] ? e.err : curl_easy_strerror(rc);
  return Error{0, "request to " + url + " failed : " + msg, {}};
}

size_t statusLine(char* p, size_t sz, size_t n, void* ud) {
  std::string line(p, sz * n);
  if (line.rfind("HTTP/", 0) == 0) *static_cast<std::string*>(ud) = line;
  return sz * n;
}

Result<std::string> perform(Easy& e, const std::string& url) {
  std::string body, status;
  curl_easy_setopt(e.h, CURLOPT_HEADERFUNCTION, statusLine);
  curl_easy_setopt(e.h, CURLOPT_HEADERDATA, &status);
  curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(e.h, CURLOPT_HTTPHEADER, e.headers);
  CURLcode rc = curl_easy_perform(e.h);
  if (rc != CURLE_OK) return transportError(e, rc, url);
  long code = 0;
  curl_easy_getinfo(e.h, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) return httpError(code, body, status);
  return body;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// Multipart body around the bytes of an fd, produced by the read callback.
struct BodySource {
  std::string prefix, suffix;
  size_t prefixOff = 0, suffixOff = 0;
  int fd = -1;
  bool eof = false;
  int readErrno = 0;
  Transfer* t = nullptr;
};

size_t readBody(char* buf, size_t sz, size_t n, void* ud) {
  auto* b = static_cast<BodySource*>(ud);
  size_t cap = sz * n;
  size_t out = 0;
  if (b->prefixOff < b->prefix.size()) {
    size_t k = std::min(cap, b->prefix.size() - b->prefixOff);
    std::memcpy(buf, b->prefix.data() + b->prefixOff, k);
    b->prefixOff += k;
    out += k;
    if (out == cap) return out;
  }
  if (!b->eof) {
    ssize_t r;
    do {
      r = ::read(b->fd, buf + out, cap - out);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      b->readErrno = errno;
      return CURL_READFUNC_ABORT;
    }
    if (r > 0) {
      b->t->done += r;
      return out + static_cast<size_t>(r);
    }
    b->eof = true;
  }
  size_t k = std::min(cap - out, b->suffix.size() - b->suffixOff);
  std::memcpy(buf + out, b->suffix.data() + b->suffixOff, k);
  b->suffixOff += k;
  return out + k;
}

std::string quoteFormValue(const std::string& s) {  // Go mime/multipart escapeQuotes
  std::string r;
  for (char c : s) {
    if (c == '\\' || c == '"') r += '\\';
    r += c;
  }
  return r;
}

}  // namespace

std::string uploadRequestJson(const UploadParams& p) {
  json j;
  j["ttl"] = p.ttl;
  j["extend_ttl"] = p.extendTtl;
  j["stream"] = p.stream;
  j["oneShot"] = p.oneShot;
  j["removable"] = p.removable;
  j["comments"] = p.comments;
  j["login"] = p.login;
  j["password"] = p.password;
  json files = json::array();
  for (size_t i = 0; i < p.fileNames.size(); ++i) {
    files.push_back(json{{"fileName", p.fileNames[i]}, {"reference", std::to_string(i)}});
  }
  j["files"] = files;
  return j.dump();
}

Result<CreatedUpload> parseCreatedUpload(const std::string& body, size_t fileCount) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error{0, "invalid JSON answer from server : " + firstLine(body), {}};
  CreatedUpload u;
  u.id = str(j, "id");
  u.uploadToken = str(j, "uploadToken");
  u.downloadDomain = str(j, "downloadDomain");
  if (auto it = j.find("stream"); it != j.end() && it->is_boolean()) u.stream = it->get<bool>();
  if (u.id.empty()) return Error{0, "server answer has no upload id", {}};
  u.files.resize(fileCount);
  std::vector<bool> seen(fileCount, false);
  auto take = [&](const json& f) -> Status {
    std::string ref = str(f, "reference");
    size_t idx = 0;
    try {
      idx = std::stoul(ref);
    } catch (...) {
      idx = fileCount;
    }
    if (idx >= fileCount) return Error{0, "no file match for file reference " + ref, {}};
    u.files[idx] = CreatedFile{str(f, "id"), str(f, "fileName"), ref};
    seen[idx] = true;
    return {};
  };
  if (auto it = j.find("files"); it != j.end()) {
    if (it->is_array()) {
      for (auto& f : *it)
        if (auto s = take(f); !s) return s.error();
    } else if (it->is_object()) {
      for (auto& [k, f] : it->items())
        if (auto s = take(f); !s) return s.error();
    }
  }
  for (size_t i = 0; i < fileCount; ++i)
    if (!seen[i]) return Error{0, "no file match for file reference " + std::to_string(i), {}};
  return u;
}

Result<UploadedFile> parseUploadedFile(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error{0, "invalid JSON answer from server : " + firstLine(body), {}};
  UploadedFile f;
  f.id = str(j, "id");
  f.name = str(j, "fileName");
  f.status = str(j, "status");
  f.md5 = str(j, "fileMd5");
  f.type = str(j, "fileType");
  if (auto it = j.find("fileSize"); it != j.end() && it->is_number_integer())
    f.size = it->get<int64_t>();
  return f;
}

std::string configSummary(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "(invalid configuration answer)\n";
  std::string out;
  for (auto& [k, v] : j.items()) {
    out += "    " + k + " : " + (v.is_string() ? v.get<std::string>() : v.dump()) + "\n";
  }
  return out;
}

std::string versionSummary(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return firstLine(body);
  std::string v = str(j, "version");
  std::string out = v.empty() ? "unknown" : v;
  if (auto it = j.find("isRelease"); it != j.end() && it->is_boolean())
    out += it->get<bool>() ? " (release)" : " (snapshot)";
  return out;
}

Result<CreatedUpload> ApiClient::createUpload(const UploadParams& p) {
  Easy e;
  std::string url = opt_.url + "/upload";
  setup(e, opt_, url);
  e.header("Content-Type: application/json");
  std::string body = uploadRequestJson(p);
  curl_easy_setopt(e.h, CURLOPT_POST, 1L);
  curl_easy_setopt(e.h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(e.h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  auto r = perform(e, url);
  if (!r) return std::move(r).error();
  return parseCreatedUpload(r.value(), p.fileNames.size());
}

Result<UploadedFile> ApiClient::uploadFile(const CreatedUpload& up, const CreatedFile& f, int fd,
                                           int64_t size, Transfer& t) {
  Easy e;
  std::string url = fileUrl(opt_.url, up.stream, up.id, f.id, f.name);
  setup(e, opt_, url, up.uploadToken);
  std::string boundary = "plik" + randomId(28);
  BodySource b;
  b.prefix = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
             quoteFormValue(f.name) + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  b.suffix = "\r\n--" + boundary + "--\r\n";
  b.fd = fd;
  b.t = &t;
  t.total = size;
  e.header("Content-Type: multipart/form-data; boundary=" + boundary);
  e.header("Expect:");
  curl_easy_setopt(e.h, CURLOPT_POST, 1L);
  curl_easy_setopt(e.h, CURLOPT_READFUNCTION, readBody);
  curl_easy_setopt(e.h, CURLOPT_READDATA, &b);
  // libcurl's default 64 KiB upload buffer: measured faster end to end than 512 KiB or 2 MiB
  // against plikd (bench/cli_upload.sh), and it keeps the client's RSS small.
  if (size >= 0) {
    curl_easy_setopt(e.h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(b.prefix.size() + b.suffix.size() + size));
  } else {
    e.header("Transfer-Encoding: chunked");
  }
  auto r = perform(e, url);
  if (b.readErrno) return Error{0, std::string("read error : ") + std::strerror(b.readErrno), {}};
  if (!r) return std::move(r).error();
  return parseUploadedFile(r.value());
}

Result<std::string> ApiClient::getText(const std::string& path) {
  Easy e;
  std::string url = opt_.url + path;
  setup(e, opt_, url);
  return perform(e, url);
}

namespace {

struct DownloadState {
  int fd = -1;
  bool toStdout = false;
  std::string path;
  int64_t offset = 0;  // existing bytes when resuming
  long code = 0;
  int64_t contentLength = -1;
  int64_t rangeTotal = -1;  // from Content-Range
  bool opened = false;
  int writeErrno = 0;
  std::string errorBody;
  Transfer* t = nullptr;
  CURL* h = nullptr;
};

size_t onHeader(char* p, size_t sz, size_t n, void* ud) {
  auto* s = static_cast<DownloadState*>(ud);
  std::string line(p, sz * n);
  if (line.rfind("HTTP/", 0) == 0) {
    s->contentLength = -1;
    s->rangeTotal = -1;
    auto sp = line.find(' ');
    if (sp != std::string::npos) s->code = std::atol(line.c_str() + sp + 1);
  }
  std::string lower = line;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("content-length:", 0) == 0) s->contentLength = std::atoll(line.c_str() + 15);
  if (lower.rfind("content-range:", 0) == 0) {
    auto slash = line.find('/');
    if (slash != std::string::npos && line[slash + 1] != '*')
      s->rangeTotal = std::atoll(line.c_str() + slash + 1);
    else if (slash != std::string::npos)
      s->rangeTotal = std::atoll(line.c_str() + slash + 2);  // "*/N" never here
  }
  if (line == "\r\n" || line == "\n") {
    if (s->code == 206 && s->rangeTotal >= 0)
      s->t->total = s->rangeTotal;
    else if (s->code == 200 && s->contentLength >= 0)
      s->t->total = s->contentLength;
  }
  return sz * n;
}

size_t onBody(char* p, size_t sz, size_t n, void* ud) {
  auto* s = static_cast<DownloadState*>(ud);
  size_t len = sz * n;
  if (s->code != 200 && s->code != 206) {
    if (s->errorBody.size() < 4096)
      s->errorBody.append(p, std::min(len, 4096 - s->errorBody.size()));
    return len;
  }
  if (!s->opened) {
    s->opened = true;
    if (s->toStdout) {
      s->fd = 1;
    } else {
      int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (s->code == 206 ? O_APPEND : O_TRUNC);
      s->fd = ::open(s->path.c_str(), flags, 0644);
      if (s->fd < 0) {
        s->writeErrno = errno;
        return 0;
      }
    }
    if (s->code == 200) {
      s->offset = 0;
      s->t->done = 0;
    }
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = ::write(s->fd, p + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      s->writeErrno = errno;
      return 0;
    }
    off += static_cast<size_t>(w);
  }
  s->t->done += static_cast<int64_t>(len);
  return len;
}

}  // namespace

Result<DownloadResult> downloadUrl(const HttpOptions& o, const std::string& url,
                                   const std::string& outPath, Transfer& t) {
  DownloadState s;
  s.toStdout = outPath == "-";
  s.path = outPath;
  s.t = &t;
  if (!s.toStdout) {
    struct stat st {};
    if (::stat(outPath.c_str(), &st) == 0 && S_ISREG(st.st_mode)) s.offset = st.st_size;
  }
  Easy e;
  s.h = e.h;
  setup(e, o, url);
  curl_easy_setopt(e.h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e.h, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(e.h, CURLOPT_HEADERDATA, &s);
  curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(e.h, CURLOPT_BUFFERSIZE, kBufferSize);
  curl_easy_setopt(e.h, CURLOPT_HTTPHEADER, e.headers);
  if (s.offset > 0) {
    curl_easy_setopt(e.h, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(s.offset));
    t.done = s.offset;
  }
  CURLcode rc = curl_easy_perform(e.h);
  if (rc == CURLE_OK && s.code == 200 && !s.opened &&
      !s.toStdout) {  // empty body: still create the file
    int fd = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      s.writeErrno = errno;
    else
      ::close(fd);
    t.done = 0;
  }
  if (s.fd > 1) ::close(s.fd);
  if (s.writeErrno)
    return Error{0, "unable to write " + outPath + " : " + std::strerror(s.writeErrno), {}};
  if (s.code == 416 && s.offset > 0) {
    // Nothing past our offset: complete when the server's size equals ours (HEAD to know it).
    Easy h;
    setup(h, o, url);
    curl_easy_setopt(h.h, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(h.h, CURLOPT_HTTPHEADER, h.headers);
    if (curl_easy_perform(h.h) == CURLE_OK) {
      curl_off_t len = -1;
      curl_easy_getinfo(h.h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
      if (len == s.offset) return DownloadResult{s.offset, true};
      return Error{0,
                   outPath + " is bigger than the remote file (" + std::to_string(s.offset) +
                       " > " + std::to_string(static_cast<long long>(len)) + " bytes)",
                   {}};
    }
  }
  if (s.code != 0 && s.code != 200 && s.code != 206) return httpError(s.code, s.errorBody);
  if (rc != CURLE_OK) return transportError(e, rc, url);
  int64_t expected = -1;
  int64_t have = t.done.load();
  if (s.code == 206)
    expected = s.rangeTotal;
  else if (s.contentLength >= 0)
    expected = s.contentLength;
  if (expected >= 0 && have != expected)
    return Error{0,
                 "size mismatch for " + outPath + " : got " + std::to_string(have) +
                     " bytes, expected " + std::to_string(expected),
                 {}};
  return DownloadResult{have, s.code == 206};
}

}  // namespace plik

namespace plik {

std::string uploadReportJson(const std::string& uploadId, const std::string& uploadUrl,
                             const std::string& uploadToken, bool stream,
                             const std::vector<FileReport>& files) {
  nlohmann::ordered_json j;
  j["id"] = uploadId;
  j["url"] = uploadUrl;
  j["uploadToken"] = uploadToken;
  j["stream"] = stream;
  auto arr = nlohmann::ordered_json::array();
  for (auto& f : files) {
    nlohmann::ordered_json o;
    o["fileName"] = f.name;
    o["id"] = f.id;
    o["url"] = f.url;
    o["command"] = f.command;
    o["status"] = f.status;
    o["fileSize"] = f.size;
    o["fileMd5"] = f.md5;
    if (!f.error.empty()) o["error"] = f.error;
    arr.push_back(o);
  }
  j["files"] = arr;
  return j.dump(2);
}

}  // namespace plik
