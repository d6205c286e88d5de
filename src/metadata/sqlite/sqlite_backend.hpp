// MetadataBackend on SQLite through the libsqlite3 C API: WAL journal, foreign keys on,
// busy_timeout, a small pool of connections each with its own prepared-statement cache.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metadata/metadata_backend.hpp"

namespace plik {

struct SqliteOptions {
  std::string path;          // file path or SQLite URI ("file:...", ":memory:")
  int maxConnections = 4;    // pool size; forced to 1 for in-memory databases
  int busyTimeoutMs = 5000;  // how long a writer waits for the database lock
};

// Thread-safe: every call leases one connection from the pool for its duration (blocking when
// all are busy), so concurrent callers run in parallel up to maxConnections; SQLite serialises
// writers (one write transaction at a time, readers never blocked in WAL mode). Multi-statement
// writes run under BEGIN IMMEDIATE so they never fail with a stale read snapshot. Callbacks of
// forEachUpload/forEachSetting run with no connection held: they may call back into the backend.
class SqliteBackend final : public MetadataBackend {
 public:
  // Opens (creating the file if needed), switches to WAL and applies the migrations.
  static Result<std::unique_ptr<SqliteBackend>> open(const SqliteOptions& options);
  ~SqliteBackend() override;
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;

  Status createUpload(const Upload& upload) override;
  Result<std::optional<Upload>> getUpload(const std::string& id, bool withFiles) override;
  Status setUploadExpireAt(const std::string& id, std::optional<TimePoint> expireAt) override;
  Result<bool> softDeleteUpload(const std::string& id, TimePoint at) override;

  Status createFile(const File& file) override;
  Result<bool> createFileIfBelow(const File& file, int64_t maxFiles) override;
  Result<std::optional<File>> getFile(const std::string& id) override;
  Result<bool> casFileStatus(const std::string& fileId, FileStatus from, FileStatus to) override;
  Result<bool> completeFile(const std::string& fileId, FileStatus from, FileStatus to,
                            const FileUpdate& update) override;
  Result<bool> beginFileUpload(const std::string& fileId, const std::string& instance) override;
  Result<std::vector<File>> resetInterruptedUploads(const std::string& instance) override;
  Result<std::vector<std::string>> renewUploadLease(const std::string& instance) override;
  Result<std::vector<File>> resetExpiredLeases(TimePoint before) override;

  Result<int64_t> softDeleteExpiredUploads(TimePoint at) override;
  Result<std::vector<File>> filesWithStatus(FileStatus status, int limit) override;
  Result<int64_t> purgeDeletedUploads() override;
  Result<int64_t> deleteOrphanFiles() override;

  Result<UploadPage> listUploads(const UploadListQuery& q) override;
  Result<std::vector<File>> listFiles(const std::string& uploadId,
                                      const std::string& fileId) override;
  Result<ServerStats> serverStats() override;

  Result<std::optional<std::string>> getSetting(const std::string& key) override;
  Status setSetting(const std::string& key, const std::string& value) override;

  Status forEachUpload(const std::function<Status(const Upload&)>& fn) override;
  Status forEachSetting(
      const std::function<Status(const std::string&, const std::string&)>& fn) override;
  Status importUpload(const Upload& upload) override;

  // The schema version recorded in schema_migrations (for tests and `plikd --version`).
  Result<int> schemaVersion();

  class Connection;  // one sqlite3* plus its statement cache (defined in the .cpp)

 private:
  class Lease;
  explicit SqliteBackend(SqliteOptions options);
  Result<std::unique_ptr<Connection>> openConnection(bool first);
  Result<Lease> acquire();
  void release(std::unique_ptr<Connection> conn);
  Status insertUpload(Connection& c, const Upload& upload, bool keepDeletedAt);

  SqliteOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                   // connections alive (idle + leased), by mu_
};

}  // namespace plik
