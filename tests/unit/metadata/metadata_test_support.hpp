// Shared helpers of the metadata tests: sample uploads/files, comparisons, a real PostgreSQL
// server started by the tests (initdb + pg_ctl on 127.0.0.1, a free port, a temp directory), and
// a harness that opens either backend by name so that one test body runs on SQLite and PostgreSQL.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>

#include "metadata/metadata_backend.hpp"

namespace plik::testing {

inline TimePoint at(int64_t seconds, int64_t nanos = 0) {
  return TimePoint(std::chrono::seconds(seconds)) + std::chrono::nanoseconds(nanos);
}

inline constexpr int64_t kT0 = 1700000000;  // a base timestamp (seconds)

File makeFile(const std::string& id, const std::string& uploadId, int64_t createdSec = kT0,
              FileStatus status = FileStatus::Missing);
Upload makeUpload(const std::string& id, int64_t createdSec = kT0, int nFiles = 0);
void expectSameFile(const File& a, const File& b);
void expectSameUpload(const Upload& a, const Upload& b, bool compareFiles = true);
std::vector<Upload> allUploads(MetadataBackend& db);  // forEachUpload into a vector
std::string lower(std::string s);

template <class T>
T unwrap(Result<T> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message + " : " + r.error().detail);
  if (!r.ok()) throw std::runtime_error("unexpected error: " + r.error().message);
  return std::move(r).value();
}

#define ASSERT_OK(expr)                                                                         \
  do {                                                                                          \
    auto _s = (expr);                                                                           \
    ASSERT_TRUE(_s.ok()) << #expr << " : " << _s.error().message << " : " << _s.error().detail; \
  } while (0)

// A PostgreSQL 15 server for the tests, on 127.0.0.1 and a free port. instance() is shared by
// every test process of this user (ctest runs each case in its own process): the first one starts
// it, the last one to leave stops it; each test works in databases of its own. A private server
// (PostgresServer(false)) is for tests that stop and restart it. As root, initdb and postgres run
// as the `postgres` user (runuser). Missing binaries or a failed start make ok() false with the
// reason in error(): postgres tests must then FAIL, not skip.
class PostgresServer {
 public:
  static PostgresServer& instance();
  explicit PostgresServer(bool shared);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  // "postgres://plik@127.0.0.1:PORT/DB?sslmode=disable"
  std::string url(const std::string& database) const;
  // Creates the database if this object did not create it yet.
  void createDatabase(const std::string& database);
  void dropDatabase(const std::string& database);

  bool stop();   // pg_ctl stop -m fast
  bool start();  // pg_ctl start on the same port and data directory

 private:
  std::string run(const std::string& cmd, int* status);  // as the postgres user when root
  std::string bin(const std::string& name) const;
  bool prepareTemplate();
  bool freshCluster();  // copies the template into base_/data and starts it on a free port
  bool answers() const;

  bool shared_;
  bool ok_ = false;
  std::string error_;
  std::string binDir_;
  std::filesystem::path template_;
  std::filesystem::path base_;
  int port_ = 0;
  int usersFd_ = -1;
  std::mutex mu_;
  std::set<std::string> databases_;
};

// Runs one SQL statement on PostgreSQL `url` and returns the first column of the first row
// ("" when no rows; "NULL" for null). disableForeignKeys: session_replication_role = replica.
std::string pgQuery(const std::string& url, const std::string& sql,
                    bool disableForeignKeys = false);

// One backend kind, with databases addressed by short names private to this test.
// First column of the first row of `sql` on the SQLite file at `path` ("NULL" for NULL, "" when
// no row); test failures on open/prepare errors.
std::string sqliteScalar(const std::string& path, const std::string& sql);

class BackendHarness {
 public:
  virtual ~BackendHarness() = default;
  virtual std::string kind() const = 0;  // "sqlite" or "postgres"
  virtual void setUp() = 0;              // uses gtest ASSERTs
  virtual void tearDown() = 0;
  // The MetadataBackendConfig of database `name` (for openMetadataBackend).
  virtual std::map<std::string, std::string> config(const std::string& name) = 0;
  Result<std::unique_ptr<MetadataBackend>> open(const std::string& name = "plik") {
    return openMetadataBackend(config(name));
  }
  // Raw SQL outside the backend (foreign keys off), e.g. to simulate an older database.
  virtual void rawExec(const std::string& sql, const std::string& name = "plik") = 0;
  virtual std::string rawQuery(const std::string& sql, const std::string& name = "plik") = 0;
  virtual std::string tableExistsSql(const std::string& table) const = 0;  // count 0/1
};

std::unique_ptr<BackendHarness> makeHarness(const std::string& kind);

}  // namespace plik::testing
