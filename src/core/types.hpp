// Domain types of Plik: Upload and File with their statuses, as stored in metadata
// backends and serialised by the JSON codecs. Plain data, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plik {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::nanoseconds>;

inline TimePoint now() { return std::chrono::time_point_cast<std::chrono::nanoseconds>(Clock::now()); }

enum class FileStatus { Missing, Uploading, Uploaded, Removed, Deleted };

std::string_view toString(FileStatus s);
std::optional<FileStatus> parseFileStatus(std::string_view s);

struct File {
  std::string id;        // 16 chars [a-zA-Z0-9], unique across uploads
  std::string uploadId;  // owning upload (never serialised)
  std::string name;
  FileStatus status = FileStatus::Missing;
  std::string md5;   // lowercase hex, set when the upload completes
  std::string type;  // declared mime type, replaced by sniffing on upload
  int64_t size = 0;  // declared size, replaced by the received byte count
  std::string reference;
  std::string backendDetails;  // opaque data-backend state (never serialised)
  // While `uploading`: the instance receiving it (its InstanceURL), so that another instance can
  // relay a stream from it or reset it after a crash. Never serialised, "" otherwise.
  std::string instance;
  TimePoint createdAt{};
};

struct Upload {
  std::string id;  // 16 chars
  int64_t ttl = 0;  // seconds; <= 0 never expires
  bool extendTtl = false;
  std::string remoteIp;
  std::string comments;
  std::string uploadToken;  // 32 chars secret
  std::string user;         // owner user id, empty when anonymous
  std::string token;        // API token used at creation
  bool stream = false;
  bool oneShot = false;
  bool removable = false;
  bool protectedByPassword = false;
  std::string login;
  std::string password;  // stored hash, never the clear password
  TimePoint createdAt{};
  std::optional<TimePoint> expireAt;   // nullopt = never expires
  std::optional<TimePoint> deletedAt;  // soft delete
  std::vector<File> files;             // filled by reads that ask for files

  bool isExpired(TimePoint at) const { return expireAt && at > *expireAt; }
};

struct ServerStats {
  int64_t users = 0;
  int64_t uploads = 0;
  int64_t anonymousUploads = 0;
  int64_t files = 0;
  int64_t totalSize = 0;
  int64_t anonymousTotalSize = 0;
};

}  // namespace plik
