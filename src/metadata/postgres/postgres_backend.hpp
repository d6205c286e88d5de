// MetadataBackend on PostgreSQL through libpq: a bounded pool of connections, parameterised
// queries only (PQexecParams), the same schema and migrations as SQLite (adapted types: BIGINT
// nanosecond timestamps, BOOLEAN flags, ids in the "C" collation so that ordering is bytewise like
// SQLite's), safe for several plikd instances sharing one database.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metadata/metadata_backend.hpp"
#include "metadata/migrations.hpp"

namespace plik {

struct PostgresOptions {
  // libpq conninfo ("host=... user=... dbname=... sslmode=disable") or URL
  // ("postgres://user:pass@host:port/db?sslmode=disable"), as in Plik's ConnectionString.
  std::string connectionString;
  int maxOpenConnections = 10;                      // MaxOpenConns
  int maxIdleConnections = 10;                      // MaxIdleConns (clamped to maxOpenConnections)
  std::chrono::milliseconds acquireTimeout{30000};  // waiting for a free pooled connection
  int connectTimeoutSeconds = 5;  // libpq connect_timeout unless the connection string sets one
};

// PostgreSQL schema steps, oldest first (same versions and names as sqliteMigrations()).
const std::vector<Migration>& postgresMigrations();

// Thread-safe: every call leases one connection for its duration (blocking up to acquireTimeout
// when maxOpenConnections are busy; calls only happen on the blocking pool). A leased connection
// that turns out broken (PostgreSQL restarted, network cut) is reset; while PostgreSQL is down
// calls fail with a 500 Error, and work again once it is back. Status changes are single
// compare-and-set UPDATEs; createFileIfBelow locks the upload row (SELECT ... FOR NO KEY
// UPDATE) so concurrent callers on any instance never exceed the limit. Multi-statement writes
// that hit a deadlock or serialization failure are retried.
class PostgresBackend final : public MetadataBackend {
 public:
  // Connects and applies the migrations (under a transaction-level advisory lock, so several
  // instances starting at once apply each step exactly once).
  static Result<std::unique_ptr<PostgresBackend>> open(const PostgresOptions& options);
  // Drops every table of the schema (EraseFirst, tests). Connects on its own.
  static Status eraseAll(const std::string& connectionString);
  ~PostgresBackend() override;
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;

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

  // The schema version recorded in schema_migrations.
  Result<int> schemaVersion();

  class Connection;  // one PGconn* (defined in the .cpp)
  class Lease;

 private:
  explicit PostgresBackend(PostgresOptions options);
  Result<std::unique_ptr<Connection>> connect();
  Result<Lease> acquire();
  void release(std::unique_ptr<Connection> conn);
  // Runs fn(connection) inside BEGIN/COMMIT, retrying on deadlock / serialization failure.
  template <class T, class F>
  Result<T> inTransaction(F&& fn);

  PostgresOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                   // connections alive (idle + leased), by mu_
};

}  // namespace plik
