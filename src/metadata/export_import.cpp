// JSON-lines export and import of metadata (format documented in export_import.hpp).
#include "metadata/export_import.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace plik {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kFormat = "plik-cpp-metadata";
constexpr int kVersion = 1;

int64_t toNs(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint fromNs(int64_t ns) { return TimePoint(std::chrono::nanoseconds(ns)); }

Json optTime(const std::optional<TimePoint>& t) { return t ? Json(toNs(*t)) : Json(nullptr); }

std::optional<TimePoint> readOptTime(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return fromNs(it->get<int64_t>());
}

Json fileToJson(const File& f) {
  return Json{{"id", f.id},
              {"name", f.name},
              {"status", std::string(toString(f.status))},
              {"md5", f.md5},
              {"type", f.type},
              {"size", f.size},
              {"reference", f.reference},
              {"backendDetails", f.backendDetails},
              {"createdAt", toNs(f.createdAt)}};
}

Json uploadToJson(const Upload& u) {
  Json files = Json::array();
  for (const auto& f : u.files) files.push_back(fileToJson(f));
  return Json{{"type", "upload"},
              {"id", u.id},
              {"ttl", u.ttl},
              {"extendTtl", u.extendTtl},
              {"remoteIp", u.remoteIp},
              {"comments", u.comments},
              {"uploadToken", u.uploadToken},
              {"user", u.user},
              {"token", u.token},
              {"stream", u.stream},
              {"oneShot", u.oneShot},
              {"removable", u.removable},
              {"protectedByPassword", u.protectedByPassword},
              {"login", u.login},
              {"password", u.password},
              {"createdAt", toNs(u.createdAt)},
              {"expireAt", optTime(u.expireAt)},
              {"deletedAt", optTime(u.deletedAt)},
              {"files", std::move(files)}};
}

// Throws nlohmann::json::exception or std::invalid_argument on malformed records.
File fileFromJson(const Json& j, const std::string& uploadId) {
  File f;
  f.id = j.at("id").get<std::string>();
  if (f.id.empty()) throw std::invalid_argument("file without id");
  f.uploadId = uploadId;
  f.name = j.value("name", "");
  auto status = parseFileStatus(j.value("status", "missing"));
  if (!status) throw std::invalid_argument("invalid file status " + j.value("status", ""));
  f.status = *status;
  f.md5 = j.value("md5", "");
  f.type = j.value("type", "");
  f.size = j.value("size", int64_t{0});
  f.reference = j.value("reference", "");
  f.backendDetails = j.value("backendDetails", "");
  f.createdAt = fromNs(j.value("createdAt", int64_t{0}));
  return f;
}

Upload uploadFromJson(const Json& j) {
  Upload u;
  u.id = j.at("id").get<std::string>();
  if (u.id.empty()) throw std::invalid_argument("upload without id");
  u.ttl = j.value("ttl", int64_t{0});
  u.extendTtl = j.value("extendTtl", false);
  u.remoteIp = j.value("remoteIp", "");
  u.comments = j.value("comments", "");
  u.uploadToken = j.value("uploadToken", "");
  u.user = j.value("user", "");
  u.token = j.value("token", "");
  u.stream = j.value("stream", false);
  u.oneShot = j.value("oneShot", false);
  u.removable = j.value("removable", false);
  u.protectedByPassword = j.value("protectedByPassword", false);
  u.login = j.value("login", "");
  u.password = j.value("password", "");
  u.createdAt = fromNs(j.value("createdAt", int64_t{0}));
  u.expireAt = readOptTime(j, "expireAt");
  u.deletedAt = readOptTime(j, "deletedAt");
  if (auto it = j.find("files"); it != j.end() && !it->is_null()) {
    for (const auto& f : *it) u.files.push_back(fileFromJson(f, u.id));
  }
  return u;
}

std::string line(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

Result<ExportStats> exportMetadata(MetadataBackend& backend, std::ostream& out) {
  ExportStats stats;
  auto streamError = [] { return Error::internal("unable to write export"); };
  out << line(Json{{"type", "header"}, {"format", kFormat}, {"version", kVersion}});
  if (!out) return streamError();
  Status s = backend.forEachUpload([&](const Upload& u) -> Status {
    out << line(uploadToJson(u));
    if (!out) return streamError();
    ++stats.uploads;
    stats.files += static_cast<int64_t>(u.files.size());
    return {};
  });
  if (!s.ok()) return std::move(s).error();
  s = backend.forEachSetting([&](const std::string& k, const std::string& v) -> Status {
    out << line(Json{{"type", "setting"}, {"key", k}, {"value", v}});
    if (!out) return streamError();
    ++stats.settings;
    return {};
  });
  if (!s.ok()) return std::move(s).error();
  out.flush();
  if (!out) return streamError();
  return stats;
}

Result<ImportStats> importMetadata(MetadataBackend& backend, std::istream& in, bool ignoreErrors) {
  ImportStats stats;
  std::string text;
  int64_t lineNo = 0;
  // Returns an error to stop the import, or success (after counting) to go on.
  auto failure = [&](const std::string& why, const std::string& detail = {}) -> Status {
    if (ignoreErrors) {
      ++stats.errors;
      return {};
    }
    return Error::badRequest("import line " + std::to_string(lineNo) + " : " + why +
                             (detail.empty() ? "" : " : " + detail));
  };
  while (std::getline(in, text)) {
    ++lineNo;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (auto s = failure("invalid JSON"); !s.ok()) return std::move(s).error();
      continue;
    }
    std::string type = j.value("type", "");
    try {
      if (type == "header") {
        if (j.value("format", "") != kFormat || j.value("version", 0) > kVersion) {
          return Error::badRequest("import line " + std::to_string(lineNo) +
                                   " : unsupported export format " + j.value("format", "") +
                                   " version " + std::to_string(j.value("version", 0)));
        }
      } else if (type == "upload") {
        ++stats.uploadsTotal;
        Upload u = uploadFromJson(j);
        Status s = backend.importUpload(u);
        if (s.ok()) {
          ++stats.uploads;
          stats.files += static_cast<int64_t>(u.files.size());
        } else if (auto f =
                       failure("unable to import upload " + u.id,
                               s.error().message +
                                   (s.error().detail.empty() ? "" : " (" + s.error().detail + ")"));
                   !f.ok()) {
          return std::move(f).error();
        }
      } else if (type == "setting") {
        ++stats.settingsTotal;
        std::string key = j.at("key").get<std::string>();
        Status s = backend.setSetting(key, j.at("value").get<std::string>());
        if (s.ok()) {
          ++stats.settings;
        } else if (auto f = failure("unable to import setting " + key, s.error().detail); !f.ok()) {
          return std::move(f).error();
        }
      } else {
        if (auto s = failure("unknown record type \"" + type + "\""); !s.ok()) {
          return std::move(s).error();
        }
      }
    } catch (const std::exception& e) {
      if (auto s = failure("invalid " + type + " record", e.what()); !s.ok()) {
        return std::move(s).error();
      }
    }
  }
  if (in.bad()) return Error::internal("unable to read import");
  return stats;
}

}  // namespace plik
