// SQLite implementation of the metadata seam. Every status change is a compare-and-set UPDATE
// whose sqlite3_changes() is the answer; multi-row changes run in one BEGIN IMMEDIATE transaction.
#include "metadata/sqlite/sqlite_backend.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include "metadata/list_cursor.hpp"
#include "metadata/migrations.hpp"

namespace plik {

namespace {

constexpr const char* kUploadColumns =
    "id, ttl, extend_ttl, remote_ip, comments, upload_token, user_id, token, stream, one_shot, "
    "removable, protected_by_password, login, password, created_at, expire_at, deleted_at";
constexpr const char* kFileColumns =
    "id, upload_id, name, status, md5, type, size, reference, backend_details, created_at, instance";
constexpr int kDefaultPageSize = 20;
constexpr int kForEachBatch = 100;

int64_t toNs(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint fromNs(int64_t ns) { return TimePoint(std::chrono::nanoseconds(ns)); }

bool isMemoryPath(const std::string& p) {
  return p.empty() || p == ":memory:" || p.find("mode=memory") != std::string::npos ||
         p.rfind("file::memory:", 0) == 0;
}


}  // namespace

// ------------------------------------------------------------------------------------------------
// Statement and connection wrappers.

namespace {

// A cached prepared statement in use: reset and unbound when it goes out of scope.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stmt(const Stmt&) = delete;
  ~Stmt() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }

  void bind(int i, std::nullptr_t) { sqlite3_bind_null(s_, i); }
  void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, int v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, bool v) { sqlite3_bind_int(s_, i, v ? 1 : 0); }
  void bind(int i, std::string_view v) {
    // An empty view may have a null data(), which SQLite would store as NULL.
    sqlite3_bind_text(s_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void bind(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind(int i, const char* v) { bind(i, std::string_view(v)); }
  void bind(int i, TimePoint t) { bind(i, toNs(t)); }
  void bind(int i, const std::optional<TimePoint>& t) {
    if (t) {
      bind(i, *t);
    } else {
      bind(i, nullptr);
    }
  }
  void bind(int i, FileStatus s) { bind(i, toString(s)); }

  template <class... A>
  Stmt& args(A&&... a) {
    int i = 0;
    (bind(++i, std::forward<A>(a)), ...);
    return *this;
  }

  int step() { return sqlite3_step(s_); }

  int64_t i64(int col) { return sqlite3_column_int64(s_, col); }
  bool boolean(int col) { return sqlite3_column_int64(s_, col) != 0; }
  std::string text(int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    int n = sqlite3_column_bytes(s_, col);
    return p ? std::string(p, static_cast<size_t>(n)) : std::string();
  }
  std::optional<TimePoint> optTime(int col) {
    if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
    return fromNs(i64(col));
  }

 private:
  sqlite3_stmt* s_;
};

}  // namespace

class SqliteBackend::Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection() {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;

  sqlite3* db() { return db_; }

  Error error(const std::string& what) { return Error::internal(what, sqlite3_errmsg(db_)); }

  // The cached prepared statement for `sql` (prepared on first use on this connection).
  Result<Stmt> stmt(const std::string& sql, const std::string& what) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) {
        return error(what);
      }
      it = cache_.emplace(sql, st).first;
    }
    return Stmt(it->second);
  }

  Status exec(const char* sql, const std::string& what) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string detail = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Error::internal(what, detail);
    }
    return {};
  }

  // Runs a statement that returns no rows; the number of rows it changed.
  template <class... A>
  Result<int64_t> run(const std::string& sql, const std::string& what, A&&... a) {
    auto st = stmt(sql, what);
    if (!st.ok()) return std::move(st).error();
    st->args(std::forward<A>(a)...);
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return error(what);
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

namespace {

using Connection = SqliteBackend::Connection;

// A transaction on one connection, rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) {}
  ~Transaction() {
    if (active_) sqlite3_exec(c_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  // immediate: take the write lock now (every transaction that may write).
  Status begin(bool immediate) {
    auto s = c_.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN", "unable to begin transaction");
    active_ = s.ok();
    return s;
  }
  Status commit() {
    auto s = c_.exec("COMMIT", "unable to commit transaction");
    if (s.ok()) active_ = false;
    return s;
  }

 private:
  Connection& c_;
  bool active_ = false;
};

Upload readUpload(Stmt& s) {
  Upload u;
  int c = 0;
  u.id = s.text(c++);
  u.ttl = s.i64(c++);
  u.extendTtl = s.boolean(c++);
  u.remoteIp = s.text(c++);
  u.comments = s.text(c++);
  u.uploadToken = s.text(c++);
  u.user = s.text(c++);
  u.token = s.text(c++);
  u.stream = s.boolean(c++);
  u.oneShot = s.boolean(c++);
  u.removable = s.boolean(c++);
  u.protectedByPassword = s.boolean(c++);
  u.login = s.text(c++);
  u.password = s.text(c++);
  u.createdAt = fromNs(s.i64(c++));
  u.expireAt = s.optTime(c++);
  u.deletedAt = s.optTime(c++);
  return u;
}

Result<File> readFile(Stmt& s) {
  File f;
  int c = 0;
  f.id = s.text(c++);
  f.uploadId = s.text(c++);
  f.name = s.text(c++);
  std::string status = s.text(c++);
  auto st = parseFileStatus(status);
  if (!st) return Error::internal("invalid file status in database", f.id + ": " + status);
  f.status = *st;
  f.md5 = s.text(c++);
  f.type = s.text(c++);
  f.size = s.i64(c++);
  f.reference = s.text(c++);
  f.backendDetails = s.text(c++);
  f.createdAt = fromNs(s.i64(c++));
  f.instance = s.text(c++);
  return f;
}

// Steps `st` to the end collecting files.
Result<std::vector<File>> collectFiles(Connection& c, Stmt& st, const std::string& what) {
  std::vector<File> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    auto f = readFile(st);
    if (!f.ok()) return std::move(f).error();
    out.push_back(std::move(f).value());
  }
  if (rc != SQLITE_DONE) return c.error(what);
  return out;
}

Result<std::vector<Upload>> collectUploads(Connection& c, Stmt& st, const std::string& what) {
  std::vector<Upload> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(readUpload(st));
  if (rc != SQLITE_DONE) return c.error(what);
  return out;
}

Result<std::vector<File>> loadFiles(Connection& c, const std::string& uploadId) {
  const std::string what = "unable to get upload files";
  auto st = c.stmt(std::string("SELECT ") + kFileColumns +
                       " FROM files WHERE upload_id = ? ORDER BY created_at, id",
                   what);
  if (!st.ok()) return std::move(st).error();
  st->args(uploadId);
  return collectFiles(c, *st, what);
}

Status fillFiles(Connection& c, std::vector<Upload>& uploads) {
  for (auto& u : uploads) {
    auto files = loadFiles(c, u.id);
    if (!files.ok()) return std::move(files).error();
    u.files = std::move(files).value();
  }
  return {};
}

Status insertFile(Connection& c, const File& f, const std::string& uploadId) {
  auto r = c.run(
      "INSERT INTO files (id, upload_id, name, status, md5, type, size, reference, "
      "backend_details, instance, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
      "unable to create file", f.id, uploadId, f.name, f.status, f.md5, f.type, f.size, f.reference,
      f.backendDetails, f.createdAt, now());
  if (!r.ok()) return std::move(r).error();
  return {};
}

// Marks the files of the soft-deleted uploads selected by `uploadFilter` (a subquery on
// uploads): missing -> deleted, uploading|uploaded -> removed.
template <class... A>
Status markFilesOfDeleted(Connection& c, const std::string& uploadFilter, A&&... a) {
  auto d = c.run(
      "UPDATE files SET status = 'deleted', updated_at = ? WHERE status = 'missing' "
      "AND upload_id IN (" +
          uploadFilter + ")",
      "unable to update files", now(), a...);
  if (!d.ok()) return std::move(d).error();
  auto r = c.run(
      "UPDATE files SET status = 'removed', updated_at = ? "
      "WHERE status IN ('uploading', 'uploaded') AND upload_id IN (" +
          uploadFilter + ")",
      "unable to update files", now(), a...);
  if (!r.ok()) return std::move(r).error();
  return {};
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Pool.

class SqliteBackend::Lease {
 public:
  Lease(SqliteBackend* b, std::unique_ptr<Connection> c) : b_(b), c_(std::move(c)) {}
  Lease(Lease&& o) noexcept : b_(o.b_), c_(std::move(o.c_)) {}
  Lease(const Lease&) = delete;
  ~Lease() {
    if (c_) b_->release(std::move(c_));
  }
  Connection& operator*() { return *c_; }
  Connection* operator->() { return c_.get(); }

 private:
  SqliteBackend* b_;
  std::unique_ptr<Connection> c_;
};

SqliteBackend::SqliteBackend(SqliteOptions options) : options_(std::move(options)) {
  if (options_.maxConnections < 1) options_.maxConnections = 1;
  if (isMemoryPath(options_.path)) options_.maxConnections = 1;  // one database per connection
}

SqliteBackend::~SqliteBackend() {
  std::lock_guard lk(mu_);
  idle_.clear();
}

Result<std::unique_ptr<SqliteBackend::Connection>> SqliteBackend::openConnection(bool first) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(options_.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Error::internal("unable to open metadata database " + options_.path, detail);
  }
  auto conn = std::make_unique<Connection>(db);
  sqlite3_busy_timeout(db, options_.busyTimeoutMs);
  if (first && !isMemoryPath(options_.path)) {
    // Switching to WAL needs a moment alone with the file: retry while another process does
    // the same (busy_timeout does not cover every path of this pragma).
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(std::max(options_.busyTimeoutMs, 1000));
    for (;;) {
      auto st = conn->stmt("PRAGMA journal_mode=WAL", "unable to enable WAL");
      if (!st.ok()) return std::move(st).error();
      int step = st->step();
      if (step == SQLITE_ROW) {
        std::string mode = st->text(0);
        if (mode != "wal") {
          return Error::internal("unable to enable WAL on " + options_.path, "mode " + mode);
        }
        break;
      }
      if ((step == SQLITE_BUSY || step == SQLITE_LOCKED) &&
          std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      return conn->error("unable to enable WAL on " + options_.path);
    }
  }
  if (auto s = conn->exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                          "unable to configure metadata database");
      !s.ok()) {
    return std::move(s).error();
  }
  return conn;
}

Result<SqliteBackend::Lease> SqliteBackend::acquire() {
  std::unique_lock lk(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    if (open_ < options_.maxConnections) {
      ++open_;
      lk.unlock();
      auto c = openConnection(false);
      if (!c.ok()) {
        lk.lock();
        --open_;
        cv_.notify_one();
        return std::move(c).error();
      }
      return Lease(this, std::move(c).value());
    }
    cv_.wait(lk);
  }
}

void SqliteBackend::release(std::unique_ptr<Connection> conn) {
  if (!sqlite3_get_autocommit(conn->db())) {  // defensive: never pool an open transaction
    sqlite3_exec(conn->db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  std::lock_guard lk(mu_);
  idle_.push_back(std::move(conn));
  cv_.notify_one();
}

Result<std::unique_ptr<SqliteBackend>> SqliteBackend::open(const SqliteOptions& options) {
  std::unique_ptr<SqliteBackend> b(new SqliteBackend(options));
  auto first = b->openConnection(true);
  if (!first.ok()) return std::move(first).error();
  if (auto s = applySqliteMigrations(first.value()->db()); !s.ok()) return std::move(s).error();
  b->open_ = 1;
  b->idle_.push_back(std::move(first).value());
  return b;
}

Result<int> SqliteBackend::schemaVersion() {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  auto st = c.stmt("SELECT coalesce(max(version), 0) FROM schema_migrations",
                   "unable to read schema version");
  if (!st.ok()) return std::move(st).error();
  if (st->step() != SQLITE_ROW) return c.error("unable to read schema version");
  return static_cast<int>(st->i64(0));
}

// ------------------------------------------------------------------------------------------------
// Uploads.

Status SqliteBackend::insertUpload(Connection& c, const Upload& u, bool keepDeletedAt) {
  auto r = c.run(
      "INSERT INTO uploads (id, ttl, extend_ttl, remote_ip, comments, upload_token, user_id, "
      "token, stream, one_shot, removable, protected_by_password, login, password, created_at, "
      "expire_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      "unable to create upload", u.id, u.ttl, u.extendTtl, u.remoteIp, u.comments, u.uploadToken,
      u.user, u.token, u.stream, u.oneShot, u.removable, u.protectedByPassword, u.login, u.password,
      u.createdAt, u.expireAt, keepDeletedAt ? u.deletedAt : std::optional<TimePoint>());
  if (!r.ok()) return std::move(r).error();
  for (const auto& f : u.files) {
    if (auto s = insertFile(c, f, u.id); !s.ok()) return s;
  }
  return {};
}

Status SqliteBackend::createUpload(const Upload& upload) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  Transaction tx(c);
  if (auto s = tx.begin(true); !s.ok()) return s;
  if (auto s = insertUpload(c, upload, false); !s.ok()) return s;
  return tx.commit();
}

Status SqliteBackend::importUpload(const Upload& upload) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  Transaction tx(c);
  if (auto s = tx.begin(true); !s.ok()) return s;
  if (auto s = insertUpload(c, upload, true); !s.ok()) return s;
  return tx.commit();
}

Result<std::optional<Upload>> SqliteBackend::getUpload(const std::string& id, bool withFiles) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to get upload";
  Transaction tx(c);  // one snapshot for the upload and its files
  if (withFiles) {
    if (auto s = tx.begin(false); !s.ok()) return std::move(s).error();
  }
  std::optional<Upload> upload;
  {
    auto st = c.stmt(std::string("SELECT ") + kUploadColumns +
                         " FROM uploads WHERE id = ? AND deleted_at IS NULL",
                     what);
    if (!st.ok()) return std::move(st).error();
    st->args(id);
    int rc = st->step();
    if (rc == SQLITE_ROW) {
      upload = readUpload(*st);
    } else if (rc != SQLITE_DONE) {
      return c.error(what);
    }
  }
  if (upload && withFiles) {
    auto files = loadFiles(c, upload->id);
    if (!files.ok()) return std::move(files).error();
    upload->files = std::move(files).value();
  }
  if (withFiles) {
    if (auto s = tx.commit(); !s.ok()) return std::move(s).error();
  }
  return upload;
}

Status SqliteBackend::setUploadExpireAt(const std::string& id, std::optional<TimePoint> expireAt) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r =
      lease.value()->run("UPDATE uploads SET expire_at = ? WHERE id = ? AND deleted_at IS NULL",
                         "unable to update upload expiration", expireAt, id);
  if (!r.ok()) return std::move(r).error();
  return {};  // a missing or deleted upload is not an error: nothing to extend
}

Result<bool> SqliteBackend::softDeleteUpload(const std::string& id, TimePoint at) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  Transaction tx(c);
  if (auto s = tx.begin(true); !s.ok()) return std::move(s).error();
  auto r = c.run("UPDATE uploads SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                 "unable to delete upload", at, id);
  if (!r.ok()) return std::move(r).error();
  if (r.value() == 0) return false;
  if (auto s = markFilesOfDeleted(c, "?", id); !s.ok()) return std::move(s).error();
  if (auto s = tx.commit(); !s.ok()) return std::move(s).error();
  return true;
}

// ------------------------------------------------------------------------------------------------
// Files.

Status SqliteBackend::createFile(const File& file) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  return insertFile(*lease.value(), file, file.uploadId);
}

Result<bool> SqliteBackend::createFileIfBelow(const File& f, int64_t maxFiles) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  Transaction tx(c);
  if (auto s = tx.begin(true); !s.ok()) return std::move(s).error();
  auto r = c.run(
      "INSERT INTO files (id, upload_id, name, status, md5, type, size, reference, "
      "backend_details, instance, created_at, updated_at) "
      "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ? "
      "WHERE (SELECT count(*) FROM files WHERE upload_id = ?) < ?",
      "unable to create file", f.id, f.uploadId, f.name, f.status, f.md5, f.type, f.size,
      f.reference, f.backendDetails, f.createdAt, now(), f.uploadId, maxFiles);
  if (!r.ok()) return std::move(r).error();
  if (auto s = tx.commit(); !s.ok()) return std::move(s).error();
  return r.value() == 1;
}

Result<std::optional<File>> SqliteBackend::getFile(const std::string& id) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to get file";
  auto st = c.stmt(std::string("SELECT ") + kFileColumns + " FROM files WHERE id = ?", what);
  if (!st.ok()) return std::move(st).error();
  st->args(id);
  auto files = collectFiles(c, *st, what);
  if (!files.ok()) return std::move(files).error();
  if (files->empty()) return std::optional<File>();
  return std::optional<File>(std::move(files->front()));
}

Result<bool> SqliteBackend::casFileStatus(const std::string& fileId, FileStatus from,
                                          FileStatus to) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r =
      lease.value()->run("UPDATE files SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                         "unable to update file status", to, now(), fileId, from);
  if (!r.ok()) return std::move(r).error();
  return r.value() == 1;
}

Result<bool> SqliteBackend::completeFile(const std::string& fileId, FileStatus from, FileStatus to,
                                         const FileUpdate& u) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->run(
      "UPDATE files SET status = ?, md5 = ?, type = ?, size = ?, backend_details = ?, "
      "updated_at = ? WHERE id = ? AND status = ?",
      "unable to update file", to, u.md5, u.type, u.size, u.backendDetails, now(), fileId, from);
  if (!r.ok()) return std::move(r).error();
  return r.value() == 1;
}

Result<bool> SqliteBackend::beginFileUpload(const std::string& fileId,
                                            const std::string& instance) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->run(
      "UPDATE files SET status = 'uploading', instance = ?, updated_at = ? "
      "WHERE id = ? AND status = 'missing'",
      "unable to update file status", instance, now(), fileId);
  if (!r.ok()) return std::move(r).error();
  return r.value() == 1;
}

Result<std::vector<File>> SqliteBackend::resetInterruptedUploads(const std::string& instance) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to reset interrupted uploads";
  auto st = c.stmt(std::string("UPDATE files SET status = 'missing', instance = '', "
                               "updated_at = ? WHERE status = 'uploading' AND instance = ? "
                               "RETURNING ") +
                       kFileColumns,
                   what);
  if (!st.ok()) return std::move(st).error();
  st->args(now(), instance);
  return collectFiles(c, *st, what);
}

// ------------------------------------------------------------------------------------------------
// Cleaning.

Result<std::vector<std::string>> SqliteBackend::renewUploadLease(const std::string& instance) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to renew upload lease";
  auto st = c.stmt(std::string("UPDATE files SET updated_at = ? WHERE status = 'uploading' AND "
                               "instance = ? RETURNING ") +
                       kFileColumns,
                   what);
  if (!st.ok()) return std::move(st).error();
  st->args(now(), instance);
  auto files = collectFiles(c, *st, what);
  if (!files.ok()) return std::move(files).error();
  std::vector<std::string> ids;
  ids.reserve(files->size());
  for (auto& f : *files) ids.push_back(std::move(f.id));
  return ids;
}

Result<std::vector<File>> SqliteBackend::resetExpiredLeases(TimePoint before) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to reset expired upload leases";
  auto st = c.stmt(std::string("UPDATE files SET status = 'missing', instance = '', "
                               "updated_at = ? WHERE status = 'uploading' AND updated_at < ? "
                               "RETURNING ") +
                       kFileColumns,
                   what);
  if (!st.ok()) return std::move(st).error();
  st->args(now(), before);
  return collectFiles(c, *st, what);
}

Result<int64_t> SqliteBackend::softDeleteExpiredUploads(TimePoint at) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  Transaction tx(c);
  if (auto s = tx.begin(true); !s.ok()) return std::move(s).error();
  const std::string expired =
      "SELECT id FROM uploads WHERE deleted_at IS NULL AND expire_at IS NOT NULL AND expire_at < ?";
  if (auto s = markFilesOfDeleted(c, expired, at); !s.ok()) return std::move(s).error();
  auto r = c.run(
      "UPDATE uploads SET deleted_at = ? WHERE deleted_at IS NULL AND "
      "expire_at IS NOT NULL AND expire_at < ?",
      "unable to delete expired uploads", at, at);
  if (!r.ok()) return std::move(r).error();
  if (auto s = tx.commit(); !s.ok()) return std::move(s).error();
  return r.value();
}

Result<std::vector<File>> SqliteBackend::filesWithStatus(FileStatus status, int limit) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to list files";
  auto st = c.stmt(std::string("SELECT ") + kFileColumns +
                       " FROM files WHERE status = ? ORDER BY created_at, id LIMIT ?",
                   what);
  if (!st.ok()) return std::move(st).error();
  st->args(status, limit > 0 ? limit : -1);
  return collectFiles(c, *st, what);
}

Result<int64_t> SqliteBackend::purgeDeletedUploads() {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  Transaction tx(c);
  if (auto s = tx.begin(true); !s.ok()) return std::move(s).error();
  // Files that reached a soft-deleted upload after its deletion (a request that raced it) are
  // marked again, so that they get purged by a following cleaning run.
  if (auto s = markFilesOfDeleted(c, "SELECT id FROM uploads WHERE deleted_at IS NOT NULL");
      !s.ok()) {
    return std::move(s).error();
  }
  const char* purgeable =
      "SELECT u.id FROM uploads u WHERE u.deleted_at IS NOT NULL AND NOT EXISTS "
      "(SELECT 1 FROM files f WHERE f.upload_id = u.id AND f.status <> 'deleted')";
  auto f = c.run(std::string("DELETE FROM files WHERE upload_id IN (") + purgeable + ")",
                 "unable to purge files");
  if (!f.ok()) return std::move(f).error();
  auto u = c.run(std::string("DELETE FROM uploads WHERE id IN (") + purgeable + ")",
                 "unable to purge uploads");
  if (!u.ok()) return std::move(u).error();
  if (auto s = tx.commit(); !s.ok()) return std::move(s).error();
  return u.value();
}

Result<int64_t> SqliteBackend::deleteOrphanFiles() {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  return lease.value()->run(
      "DELETE FROM files WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.id = files.upload_id)",
      "unable to delete orphan files");
}

// ------------------------------------------------------------------------------------------------
// Listings and statistics.

Result<UploadPage> SqliteBackend::listUploads(const UploadListQuery& q) {
  std::optional<std::pair<int64_t, std::string>> after;
  if (!q.after.empty()) {
    after = decodeListCursor(q.after);
    if (!after) return Error::badRequest("invalid cursor");
  }
  const int limit = q.limit > 0 ? q.limit : kDefaultPageSize;

  std::string sql =
      std::string("SELECT ") + kUploadColumns + " FROM uploads WHERE deleted_at IS NULL";
  std::vector<std::variant<int64_t, std::string>> params;
  if (!q.user.empty()) {
    sql += " AND user_id = ?";
    params.emplace_back(q.user);
  }
  if (!q.token.empty()) {
    sql += " AND token = ?";
    params.emplace_back(q.token);
  }
  if (after) {
    sql += q.ascending ? " AND (created_at, id) > (?, ?)" : " AND (created_at, id) < (?, ?)";
    params.emplace_back(after->first);
    params.emplace_back(after->second);
  }
  sql += q.ascending ? " ORDER BY created_at ASC, id ASC" : " ORDER BY created_at DESC, id DESC";
  sql += " LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit) + 1);

  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to list uploads";
  Transaction tx(c);
  if (auto s = tx.begin(false); !s.ok()) return std::move(s).error();
  UploadPage page;
  {
    auto st = c.stmt(sql, what);
    if (!st.ok()) return std::move(st).error();
    int i = 0;
    for (const auto& p : params) std::visit([&](const auto& v) { st->bind(++i, v); }, p);
    auto uploads = collectUploads(c, *st, what);
    if (!uploads.ok()) return std::move(uploads).error();
    page.results = std::move(uploads).value();
  }
  if (page.results.size() > static_cast<size_t>(limit)) {
    page.results.resize(static_cast<size_t>(limit));
    page.next = encodeListCursor(page.results.back());
  }
  if (auto s = fillFiles(c, page.results); !s.ok()) return std::move(s).error();
  if (auto s = tx.commit(); !s.ok()) return std::move(s).error();
  return page;
}

Result<std::vector<File>> SqliteBackend::listFiles(const std::string& uploadId,
                                                   const std::string& fileId) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to list files";
  auto st = c.stmt(std::string("SELECT ") + kFileColumns +
                       " FROM files WHERE (?1 = '' OR upload_id = ?1) AND (?2 = '' OR id = ?2) "
                       "ORDER BY created_at, id",
                   what);
  if (!st.ok()) return std::move(st).error();
  st->args(uploadId, fileId);
  return collectFiles(c, *st, what);
}

Result<ServerStats> SqliteBackend::serverStats() {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to compute server statistics";
  Transaction tx(c);
  if (auto s = tx.begin(false); !s.ok()) return std::move(s).error();
  // Same definitions as Plik's GetServerStatistics: live uploads; files and sizes of files in
  // status `uploaded`; "anonymous" = uploads without a user.
  auto scalar2 = [&](const char* sql, int64_t& a, int64_t* b) -> Status {
    auto st = c.stmt(sql, what);
    if (!st.ok()) return std::move(st).error();
    if (st->step() != SQLITE_ROW) return c.error(what);
    a = st->i64(0);
    if (b) *b = st->i64(1);
    return {};
  };
  ServerStats s;
  Status st = scalar2("SELECT count(*) FROM users", s.users, nullptr);
  if (st.ok())
    st = scalar2("SELECT count(*) FROM uploads WHERE deleted_at IS NULL", s.uploads, nullptr);
  if (st.ok()) {
    st = scalar2("SELECT count(*) FROM uploads WHERE deleted_at IS NULL AND user_id = ''",
                 s.anonymousUploads, nullptr);
  }
  if (st.ok()) {
    st = scalar2("SELECT count(*), coalesce(sum(size), 0) FROM files WHERE status = 'uploaded'",
                 s.files, &s.totalSize);
  }
  if (st.ok()) {
    st = scalar2(
        "SELECT coalesce(sum(f.size), 0) FROM files f JOIN uploads u ON u.id = f.upload_id "
        "WHERE f.status = 'uploaded' AND u.user_id = ''",
        s.anonymousTotalSize, nullptr);
  }
  if (!st.ok()) return std::move(st).error();
  if (auto cs = tx.commit(); !cs.ok()) return std::move(cs).error();
  return s;
}

// ------------------------------------------------------------------------------------------------
// Settings.

Result<std::optional<std::string>> SqliteBackend::getSetting(const std::string& key) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Connection& c = *lease.value();
  const std::string what = "unable to get setting";
  auto st = c.stmt("SELECT value FROM settings WHERE key = ?", what);
  if (!st.ok()) return std::move(st).error();
  st->args(key);
  int rc = st->step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(st->text(0));
  if (rc != SQLITE_DONE) return c.error(what);
  return std::optional<std::string>();
}

Status SqliteBackend::setSetting(const std::string& key, const std::string& value) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->run(
      "INSERT INTO settings (key, value) VALUES (?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      "unable to save setting", key, value);
  if (!r.ok()) return std::move(r).error();
  return {};
}

// ------------------------------------------------------------------------------------------------
// Export.

Status SqliteBackend::forEachUpload(const std::function<Status(const Upload&)>& fn) {
  // Keyset pagination over (created_at, id), soft-deleted uploads included; no connection is
  // held while `fn` runs.
  std::optional<std::pair<int64_t, std::string>> after;
  for (;;) {
    std::vector<Upload> batch;
    {
      auto lease = acquire();
      if (!lease.ok()) return std::move(lease).error();
      Connection& c = *lease.value();
      const std::string what = "unable to list uploads";
      Transaction tx(c);
      if (auto s = tx.begin(false); !s.ok()) return s;
      std::string sql = std::string("SELECT ") + kUploadColumns + " FROM uploads" +
                        (after ? " WHERE (created_at, id) > (?, ?)" : "") +
                        " ORDER BY created_at, id LIMIT ?";
      auto st = c.stmt(sql, what);
      if (!st.ok()) return std::move(st).error();
      if (after) {
        st->args(after->first, after->second, kForEachBatch);
      } else {
        st->args(kForEachBatch);
      }
      auto uploads = collectUploads(c, *st, what);
      if (!uploads.ok()) return std::move(uploads).error();
      batch = std::move(uploads).value();
      if (auto s = fillFiles(c, batch); !s.ok()) return s;
      if (auto s = tx.commit(); !s.ok()) return s;
    }
    for (const auto& u : batch) {
      if (auto s = fn(u); !s.ok()) return s;
    }
    if (batch.size() < static_cast<size_t>(kForEachBatch)) return {};
    after = std::make_pair(toNs(batch.back().createdAt), batch.back().id);
  }
}

Status SqliteBackend::forEachSetting(
    const std::function<Status(const std::string&, const std::string&)>& fn) {
  std::vector<std::pair<std::string, std::string>> settings;
  {
    auto lease = acquire();
    if (!lease.ok()) return std::move(lease).error();
    Connection& c = *lease.value();
    const std::string what = "unable to list settings";
    auto st = c.stmt("SELECT key, value FROM settings ORDER BY key", what);
    if (!st.ok()) return std::move(st).error();
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) settings.emplace_back(st->text(0), st->text(1));
    if (rc != SQLITE_DONE) return c.error(what);
  }
  for (const auto& [k, v] : settings) {
    if (auto s = fn(k, v); !s.ok()) return s;
  }
  return {};
}

}  // namespace plik
