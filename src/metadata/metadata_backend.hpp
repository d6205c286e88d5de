// The metadata seam: every SQL backend (SQLite, PostgreSQL) implements this interface.
// Contract: all methods are synchronous, thread-safe, and may block; request handlers call
// them only through the blocking pool (server/blocking.hpp), never on a network thread.
// Status changes are compare-and-set so several plikd instances can share one database.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace plik {

struct FileUpdate {  // the values an upload writes when its bytes are complete
  std::string md5;
  std::string type;
  int64_t size = 0;
  std::string backendDetails;
};

struct UploadListQuery {  // admin listing, newest first unless ascending
  std::string user;       // filter when non-empty
  std::string token;      // filter when non-empty
  int limit = 20;
  bool ascending = false;
  std::string after;      // opaque cursor (exclusive), empty = from the start
};

struct UploadPage {
  std::vector<Upload> results;  // with files
  std::string next;             // cursor for the following page, empty when none
};

struct CleanReport {
  int64_t removedUploads = 0;  // expired uploads soft-deleted
  int64_t deletedUploads = 0;  // hard-deleted
  int64_t orphanFiles = 0;
};

class MetadataBackend {
 public:
  virtual ~MetadataBackend() = default;

  // --- uploads ---
  // Inserts the upload and upload.files atomically (all or nothing).
  virtual Status createUpload(const Upload& upload) = 0;
  // Soft-deleted uploads are invisible (nullopt). withFiles fills upload.files (any status,
  // ordered by creation then id).
  virtual Result<std::optional<Upload>> getUpload(const std::string& id, bool withFiles) = 0;
  virtual Status setUploadExpireAt(const std::string& id, std::optional<TimePoint> expireAt) = 0;
  // Soft-deletes the upload; its files: missing -> deleted, uploading|uploaded -> removed.
  // Returns false when the upload did not exist or was already deleted.
  virtual Result<bool> softDeleteUpload(const std::string& id, TimePoint at) = 0;

  // --- files ---
  virtual Status createFile(const File& file) = 0;
  // Inserts the file only if the upload holds fewer than maxFiles file rows (atomic check).
  // Returns false when the limit is reached.
  virtual Result<bool> createFileIfBelow(const File& file, int64_t maxFiles) = 0;
  virtual Result<std::optional<File>> getFile(const std::string& id) = 0;
  // Compare-and-set on status. Returns true iff this call changed the row.
  virtual Result<bool> casFileStatus(const std::string& fileId, FileStatus from, FileStatus to) = 0;
  // Sets md5/type/size/backendDetails and status `to` iff the status is still `from`.
  virtual Result<bool> completeFile(const std::string& fileId, FileStatus from, FileStatus to,
                                    const FileUpdate& update) = 0;
  // Marks a file `uploading` and records which instance owns the transfer (crash recovery).
  virtual Result<bool> beginFileUpload(const std::string& fileId, const std::string& instance) = 0;
  // Crash recovery: files left `uploading` by `instance` go back to `missing`; returns them
  // (their partial data must be removed by the caller).
  virtual Result<std::vector<File>> resetInterruptedUploads(const std::string& instance) = 0;
  // The lease of a receiving instance: refreshes updated_at of the files `instance` has
  // `uploading` and returns their ids (a file missing from the answer was taken away from it:
  // removed, cancelled by another instance or reset). Called every LeaseInterval.
  virtual Result<std::vector<std::string>> renewUploadLease(const std::string& instance) = 0;
  // Files `uploading` whose lease was last renewed before `before` (their instance died) go back
  // to `missing`; returns them (their partial data must be removed by the caller).
  virtual Result<std::vector<File>> resetExpiredLeases(TimePoint before) = 0;

  // --- cleaning (safe to run concurrently from several instances) ---
  virtual Result<int64_t> softDeleteExpiredUploads(TimePoint at) = 0;
  virtual Result<std::vector<File>> filesWithStatus(FileStatus status, int limit) = 0;
  virtual Result<int64_t> purgeDeletedUploads() = 0;  // hard-delete fully purged soft-deleted uploads
  virtual Result<int64_t> deleteOrphanFiles() = 0;

  // --- admin CLI / listings / stats ---
  virtual Result<UploadPage> listUploads(const UploadListQuery& q) = 0;
  // Every file matching (uploadId empty = all uploads, fileId empty = all files), any status.
  virtual Result<std::vector<File>> listFiles(const std::string& uploadId,
                                              const std::string& fileId) = 0;
  virtual Result<ServerStats> serverStats() = 0;

  // --- settings (key/value shared by instances) ---
  virtual Result<std::optional<std::string>> getSetting(const std::string& key) = 0;
  virtual Status setSetting(const std::string& key, const std::string& value) = 0;

  // --- export / import (includes soft-deleted uploads) ---
  virtual Status forEachUpload(const std::function<Status(const Upload&)>& fn) = 0;  // with files
  virtual Status forEachSetting(
      const std::function<Status(const std::string&, const std::string&)>& fn) = 0;
  // Inserts an exported upload as is (id, token, timestamps, deletedAt, files). Fails on duplicate.
  virtual Status importUpload(const Upload& upload) = 0;
};

// Opens the backend named by MetadataBackendConfig.Driver ("sqlite3" or "postgres"), runs
// migrations.
Result<std::unique_ptr<MetadataBackend>> openMetadataBackend(
    const std::map<std::string, std::string>& config);

}  // namespace plik
