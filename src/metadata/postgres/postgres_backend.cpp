// PostgreSQL implementation of the metadata seam (see postgres_backend.hpp). Every value goes
// through PQexecParams parameters (text format); the SQL strings are constants.
#include "metadata/postgres/postgres_backend.hpp"
#include "metadata/list_cursor.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

namespace plik {

namespace {

// Same columns, same order as the SQLite backend; see migrations.cpp for the SQLite schema.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE uploads (
  id                    TEXT COLLATE "C" PRIMARY KEY NOT NULL,
  ttl                   BIGINT NOT NULL DEFAULT 0,
  extend_ttl            BOOLEAN NOT NULL DEFAULT FALSE,
  remote_ip             TEXT NOT NULL DEFAULT '',
  comments              TEXT NOT NULL DEFAULT '',
  upload_token          TEXT NOT NULL DEFAULT '',
  user_id               TEXT COLLATE "C" NOT NULL DEFAULT '',
  token                 TEXT COLLATE "C" NOT NULL DEFAULT '',
  stream                BOOLEAN NOT NULL DEFAULT FALSE,
  one_shot              BOOLEAN NOT NULL DEFAULT FALSE,
  removable             BOOLEAN NOT NULL DEFAULT FALSE,
  protected_by_password BOOLEAN NOT NULL DEFAULT FALSE,
  login                 TEXT NOT NULL DEFAULT '',
  password              TEXT NOT NULL DEFAULT '',
  created_at            BIGINT NOT NULL,
  expire_at             BIGINT,
  deleted_at            BIGINT
);
CREATE INDEX idx_uploads_created ON uploads (created_at, id);
CREATE INDEX idx_uploads_user ON uploads (user_id, created_at);
CREATE INDEX idx_uploads_token ON uploads (token);
CREATE INDEX idx_uploads_expire_at ON uploads (expire_at) WHERE deleted_at IS NULL;
CREATE INDEX idx_uploads_deleted_at ON uploads (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE files (
  id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
  upload_id       TEXT COLLATE "C" NOT NULL REFERENCES uploads (id),
  name            TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL DEFAULT 'missing',
  md5             TEXT NOT NULL DEFAULT '',
  type            TEXT NOT NULL DEFAULT '',
  size            BIGINT NOT NULL DEFAULT 0,
  reference       TEXT NOT NULL DEFAULT '',
  backend_details TEXT NOT NULL DEFAULT '',
  instance        TEXT NOT NULL DEFAULT '',
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE INDEX idx_files_upload ON files (upload_id, created_at, id);
CREATE INDEX idx_files_status ON files (status);
CREATE INDEX idx_files_instance ON files (instance) WHERE status = 'uploading';

CREATE TABLE users (
  id            TEXT COLLATE "C" PRIMARY KEY NOT NULL,
  provider      TEXT NOT NULL DEFAULT '',
  login         TEXT NOT NULL DEFAULT '',
  password      TEXT NOT NULL DEFAULT '',
  name          TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
  max_file_size BIGINT NOT NULL DEFAULT 0,
  max_user_size BIGINT NOT NULL DEFAULT 0,
  max_ttl       BIGINT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL
);

CREATE TABLE tokens (
  token      TEXT COLLATE "C" PRIMARY KEY NOT NULL,
  comment    TEXT NOT NULL DEFAULT '',
  user_id    TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX idx_tokens_user ON tokens (user_id);

CREATE TABLE settings (
  key   TEXT COLLATE "C" PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
)sql";

// pg_advisory_xact_lock key serialising migrations across instances ("plikmigr").
constexpr const char* kMigrationLockKey = "7020637314237671026";

constexpr const char* kUploadColumns =
    "id, ttl, extend_ttl, remote_ip, comments, upload_token, user_id, token, stream, one_shot, "
    "removable, protected_by_password, login, password, created_at, expire_at, deleted_at";
constexpr const char* kFileColumns =
    "id, upload_id, name, status, md5, type, size, reference, backend_details, created_at, instance";
constexpr int kDefaultPageSize = 20;
constexpr int kForEachBatch = 100;
constexpr int kTxAttempts = 5;

int64_t toNs(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint fromNs(int64_t ns) { return TimePoint(std::chrono::nanoseconds(ns)); }


std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// --- parameters (text format) ------------------------------------------------------------------

class Params {
 public:
  Params& add(std::nullptr_t) {
    v_.emplace_back(std::nullopt);
    return *this;
  }
  Params& add(const std::string& s) {
    v_.emplace_back(s);
    return *this;
  }
  Params& add(std::string_view s) {
    v_.emplace_back(std::string(s));
    return *this;
  }
  Params& add(const char* s) {
    v_.emplace_back(std::string(s));
    return *this;
  }
  Params& add(int64_t v) {
    v_.emplace_back(std::to_string(v));
    return *this;
  }
  Params& add(int v) { return add(static_cast<int64_t>(v)); }
  Params& add(bool v) {
    v_.emplace_back(std::string(v ? "t" : "f"));
    return *this;
  }
  Params& add(TimePoint t) { return add(toNs(t)); }
  Params& add(const std::optional<TimePoint>& t) { return t ? add(*t) : add(nullptr); }
  Params& add(FileStatus s) { return add(toString(s)); }

  template <class... A>
  static Params of(A&&... a) {
    Params p;
    (p.add(std::forward<A>(a)), ...);
    return p;
  }

  int size() const { return static_cast<int>(v_.size()); }
  std::vector<const char*> pointers() const {
    std::vector<const char*> out;
    out.reserve(v_.size());
    for (const auto& v : v_) out.push_back(v ? v->c_str() : nullptr);
    return out;
  }

 private:
  std::vector<std::optional<std::string>> v_;
};

// --- results -------------------------------------------------------------------------------------

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  int count() const { return PQntuples(r_.get()); }
  int64_t changed() const {
    const char* n = PQcmdTuples(r_.get());
    return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
  }
  bool isNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col),
                       static_cast<size_t>(PQgetlength(r_.get(), row, col)));
  }
  int64_t i64(int row, int col) const {
    return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
  }
  bool boolean(int row, int col) const {
    const char* v = PQgetvalue(r_.get(), row, col);
    return v[0] == 't' || v[0] == '1';
  }
  std::optional<TimePoint> optTime(int row, int col) const {
    if (isNull(row, col)) return std::nullopt;
    return fromNs(i64(row, col));
  }

 private:
  std::unique_ptr<PGresult, ResultDeleter> r_;
};

}  // namespace

// ------------------------------------------------------------------------------------------------
// Connection.

class PostgresBackend::Connection {
 public:
  explicit Connection(PGconn* c) : c_(c) {}
  ~Connection() { PQfinish(c_); }
  Connection(const Connection&) = delete;

  PGconn* raw() { return c_; }
  bool healthy() const { return PQstatus(c_) == CONNECTION_OK; }
  const std::string& lastSqlState() const { return sqlState_; }
  void setLastSqlState(std::string s) { sqlState_ = std::move(s); }

  // Runs one statement; `what` is the public error message.
  Result<Rows> query(const std::string& sql, const Params& params, const std::string& what) {
    sqlState_.clear();
    auto ptrs = params.pointers();
    PGresult* r = PQexecParams(c_, sql.c_str(), params.size(), nullptr,
                               ptrs.empty() ? nullptr : ptrs.data(), nullptr, nullptr, 0);
    return check(r, what);
  }
  Result<Rows> query(const std::string& sql, const std::string& what) {
    return query(sql, Params(), what);
  }
  // Runs a statement returning no rows; the number of rows it changed.
  Result<int64_t> run(const std::string& sql, const Params& params, const std::string& what) {
    auto r = query(sql, params, what);
    if (!r.ok()) return std::move(r).error();
    return r->changed();
  }
  // Runs one or more constant statements without parameters (schema, BEGIN/COMMIT).
  Status exec(const std::string& sql, const std::string& what) {
    sqlState_.clear();
    auto r = check(PQexec(c_, sql.c_str()), what);
    if (!r.ok()) return std::move(r).error();
    return {};
  }

 private:
  Result<Rows> check(PGresult* r, const std::string& what) {
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Rows(r);
    std::string detail;
    if (r) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      if (state) sqlState_ = state;
      detail = trim(PQresultErrorMessage(r));
      PQclear(r);
    }
    if (detail.empty()) detail = trim(PQerrorMessage(c_));
    if (detail.empty()) detail = "unknown PostgreSQL error";
    return Error::internal(what, detail);
  }

  PGconn* c_;
  std::string sqlState_;
};

class PostgresBackend::Lease {
 public:
  Lease(PostgresBackend* b, std::unique_ptr<Connection> c) : b_(b), c_(std::move(c)) {}
  Lease(Lease&& o) noexcept : b_(o.b_), c_(std::move(o.c_)) {}
  Lease(const Lease&) = delete;
  ~Lease() {
    if (c_) b_->release(std::move(c_));
  }
  Connection& operator*() { return *c_; }
  Connection* operator->() { return c_.get(); }

 private:
  PostgresBackend* b_;
  std::unique_ptr<Connection> c_;
};

namespace {

using Connection = PostgresBackend::Connection;

PGconn* connectRaw(const std::string& connectionString, int connectTimeoutSeconds) {
  // Keywords before "dbname" are defaults: the expanded connection string overrides them.
  std::string timeout = std::to_string(std::max(1, connectTimeoutSeconds));
  // TCP keepalives so that a vanished server (host down, network cut) fails calls in about a
  // minute instead of leaving them blocked.
  const char* keys[] = {"connect_timeout",     "application_name", "keepalives", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "dbname",     nullptr};
  const char* values[] = {timeout.c_str(),          "plikd", "1", "30", "10", "3",
                          connectionString.c_str(), nullptr};
  return PQconnectdbParams(keys, values, 1);
}

Error connectError(PGconn* c) {
  std::string detail = c ? trim(PQerrorMessage(c)) : "out of memory";
  return Error::internal("unable to connect to metadata database", detail);
}

// A transaction on one connection, rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) {}
  ~Transaction() {
    if (active_ && c_.healthy()) {
      std::string state = c_.lastSqlState();  // kept: the caller decides on a retry with it
      (void)c_.exec("ROLLBACK", "rollback");
      c_.setLastSqlState(std::move(state));
    }
  }
  Status begin() {
    auto s = c_.exec("BEGIN", "unable to begin transaction");
    active_ = s.ok();
    return s;
  }
  Status commit() {
    auto s = c_.exec("COMMIT", "unable to commit transaction");
    active_ = false;  // after a failed COMMIT the transaction is over too
    return s;
  }

 private:
  Connection& c_;
  bool active_ = false;
};

Upload readUpload(const Rows& r, int row) {
  Upload u;
  int c = 0;
  u.id = r.text(row, c++);
  u.ttl = r.i64(row, c++);
  u.extendTtl = r.boolean(row, c++);
  u.remoteIp = r.text(row, c++);
  u.comments = r.text(row, c++);
  u.uploadToken = r.text(row, c++);
  u.user = r.text(row, c++);
  u.token = r.text(row, c++);
  u.stream = r.boolean(row, c++);
  u.oneShot = r.boolean(row, c++);
  u.removable = r.boolean(row, c++);
  u.protectedByPassword = r.boolean(row, c++);
  u.login = r.text(row, c++);
  u.password = r.text(row, c++);
  u.createdAt = fromNs(r.i64(row, c++));
  u.expireAt = r.optTime(row, c++);
  u.deletedAt = r.optTime(row, c++);
  return u;
}

Result<std::vector<File>> readFiles(const Rows& r) {
  std::vector<File> out;
  out.reserve(static_cast<size_t>(r.count()));
  for (int row = 0; row < r.count(); ++row) {
    File f;
    int c = 0;
    f.id = r.text(row, c++);
    f.uploadId = r.text(row, c++);
    f.name = r.text(row, c++);
    std::string status = r.text(row, c++);
    auto st = parseFileStatus(status);
    if (!st) return Error::internal("invalid file status in database", f.id + ": " + status);
    f.status = *st;
    f.md5 = r.text(row, c++);
    f.type = r.text(row, c++);
    f.size = r.i64(row, c++);
    f.reference = r.text(row, c++);
    f.backendDetails = r.text(row, c++);
    f.createdAt = fromNs(r.i64(row, c++));
    f.instance = r.text(row, c++);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Upload> readUploads(const Rows& r) {
  std::vector<Upload> out;
  out.reserve(static_cast<size_t>(r.count()));
  for (int row = 0; row < r.count(); ++row) out.push_back(readUpload(r, row));
  return out;
}

Result<std::vector<File>> queryFiles(Connection& c, const std::string& sql, const Params& p,
                                     const std::string& what) {
  auto r = c.query(sql, p, what);
  if (!r.ok()) return std::move(r).error();
  return readFiles(r.value());
}

Result<std::vector<File>> loadFiles(Connection& c, const std::string& uploadId) {
  return queryFiles(c,
                    std::string("SELECT ") + kFileColumns +
                        " FROM files WHERE upload_id = $1 ORDER BY created_at, id",
                    Params::of(uploadId), "unable to get upload files");
}

// A text[] literal for one parameter ("{"a","b\\"c"}"): every element quoted and escaped.
template <class Range, class Get>
std::string textArray(const Range& items, Get get) {
  std::string arr = "{";
  bool first = true;
  for (const auto& item : items) {
    if (!first) arr += ',';
    first = false;
    arr += '"';
    for (char ch : get(item)) {
      if (ch == '"' || ch == '\\') arr += '\\';
      arr += ch;
    }
    arr += '"';
  }
  arr += '}';
  return arr;
}

Status fillFiles(Connection& c, std::vector<Upload>& uploads) {
  if (uploads.empty()) return {};
  // One query for the whole batch: upload_id = ANY($1) with a text[] parameter.
  std::string arr = textArray(uploads, [](const Upload& u) -> const std::string& { return u.id; });
  auto files = queryFiles(c,
                          std::string("SELECT ") + kFileColumns +
                              " FROM files WHERE upload_id = ANY($1::text[]) "
                              "ORDER BY created_at, id",
                          Params::of(arr), "unable to get upload files");
  if (!files.ok()) return std::move(files).error();
  std::unordered_map<std::string, Upload*> byId;
  for (auto& u : uploads) {
    u.files.clear();
    byId[u.id] = &u;
  }
  for (auto& f : files.value()) {
    auto it = byId.find(f.uploadId);
    if (it != byId.end()) it->second->files.push_back(std::move(f));
  }
  return {};
}

constexpr const char* kInsertFile =
    "INSERT INTO files (id, upload_id, name, status, md5, type, size, reference, "
    "backend_details, instance, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11)";

Params fileParams(const File& f, const std::string& uploadId) {
  return Params::of(f.id, uploadId, f.name, f.status, f.md5, f.type, f.size, f.reference,
                    f.backendDetails, f.createdAt, now());
}

Status insertFile(Connection& c, const File& f, const std::string& uploadId) {
  auto r = c.run(kInsertFile, fileParams(f, uploadId), "unable to create file");
  if (!r.ok()) return std::move(r).error();
  return {};
}

Status insertUpload(Connection& c, const Upload& u, bool keepDeletedAt) {
  auto r = c.run(
      "INSERT INTO uploads (id, ttl, extend_ttl, remote_ip, comments, upload_token, user_id, "
      "token, stream, one_shot, removable, protected_by_password, login, password, created_at, "
      "expire_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
      "$14, $15, $16, $17)",
      Params::of(u.id, u.ttl, u.extendTtl, u.remoteIp, u.comments, u.uploadToken, u.user, u.token,
                 u.stream, u.oneShot, u.removable, u.protectedByPassword, u.login, u.password,
                 u.createdAt, u.expireAt, keepDeletedAt ? u.deletedAt : std::optional<TimePoint>()),
      "unable to create upload");
  if (!r.ok()) return std::move(r).error();
  for (const auto& f : u.files) {
    if (auto s = insertFile(c, f, u.id); !s.ok()) return s;
  }
  return {};
}

// Marks the files of the soft-deleted uploads selected by `uploadFilter` (a subquery on
// uploads whose parameters start at $2; $1 is the update time): missing -> deleted,
// uploading|uploaded -> removed.
Status markFilesOfDeleted(Connection& c, const std::string& uploadFilter, Params p) {
  auto d = c.run(
      "UPDATE files SET status = 'deleted', updated_at = $1 WHERE status = 'missing' "
      "AND upload_id IN (" +
          uploadFilter + ")",
      p, "unable to update files");
  if (!d.ok()) return std::move(d).error();
  auto r = c.run(
      "UPDATE files SET status = 'removed', updated_at = $1 "
      "WHERE status IN ('uploading', 'uploaded') AND upload_id IN (" +
          uploadFilter + ")",
      p, "unable to update files");
  if (!r.ok()) return std::move(r).error();
  return {};
}

bool retryable(const std::string& sqlState) {
  return sqlState == "40P01" || sqlState == "40001";  // deadlock, serialization failure
}

Status applyMigrations(Connection& c) {
  Transaction tx(c);
  if (auto s = tx.begin(); !s.ok()) return s;
  const std::string what = "unable to migrate metadata database";
  if (auto r = c.query(std::string("SELECT pg_advisory_xact_lock(") + kMigrationLockKey + ")",
                       what + " : lock");
      !r.ok()) {
    return std::move(r).error();
  }
  if (auto s = c.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY NOT NULL,"
                      " name TEXT NOT NULL,"
                      " applied_at BIGINT NOT NULL)",
                      what + " : create schema_migrations");
      !s.ok()) {
    return s;
  }
  std::set<int> applied;
  {
    auto r = c.query("SELECT version FROM schema_migrations", what + " : read schema_migrations");
    if (!r.ok()) return std::move(r).error();
    for (int i = 0; i < r->count(); ++i) applied.insert(static_cast<int>(r->i64(i, 0)));
  }
  const auto& all = postgresMigrations();
  int known = all.empty() ? 0 : all.back().version;
  if (!applied.empty() && *applied.rbegin() > known) {
    return Error::internal(what + " : schema version " + std::to_string(*applied.rbegin()) +
                           " is newer than this plikd supports (" + std::to_string(known) + ")");
  }
  for (const auto& m : all) {
    if (applied.count(m.version)) continue;
    if (auto s = c.exec(std::string(m.sql), what + " : " + std::string(m.name)); !s.ok()) return s;
    auto r = c.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                   Params::of(m.version, m.name, now()), what + " : record " + std::string(m.name));
    if (!r.ok()) return std::move(r).error();
  }
  return tx.commit();
}

}  // namespace

const std::vector<Migration>& postgresMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "0001-initial", kInitialSchema},
  };
  return kMigrations;
}

// ------------------------------------------------------------------------------------------------
// Pool.

PostgresBackend::PostgresBackend(PostgresOptions options) : options_(std::move(options)) {
  if (options_.maxOpenConnections < 1) options_.maxOpenConnections = 1;
  options_.maxIdleConnections =
      std::clamp(options_.maxIdleConnections, 0, options_.maxOpenConnections);
}

PostgresBackend::~PostgresBackend() {
  std::lock_guard lk(mu_);
  idle_.clear();
}

Result<std::unique_ptr<PostgresBackend::Connection>> PostgresBackend::connect() {
  PGconn* raw = connectRaw(options_.connectionString, options_.connectTimeoutSeconds);
  if (!raw || PQstatus(raw) != CONNECTION_OK) {
    Error e = connectError(raw);
    PQfinish(raw);
    return e;
  }
  return std::make_unique<Connection>(raw);
}

Result<PostgresBackend::Lease> PostgresBackend::acquire() {
  std::unique_lock lk(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.acquireTimeout;
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      lk.unlock();
      // A pooled connection may have been closed by the server while idle (restart,
      // idle timeout): read what is pending (non-blocking) so that libpq notices, and reset.
      PQconsumeInput(c->raw());
      if (c->healthy()) {
        struct pollfd pfd {
          PQsocket(c->raw()), POLLIN, 0
        };
        // Readable while idle means EOF or an unsolicited FATAL: the connection is dead.
        if (pfd.fd < 0 || ::poll(&pfd, 1, 0) != 0) PQreset(c->raw());
      } else {
        PQreset(c->raw());
      }
      if (!c->healthy()) {
        Error e = connectError(c->raw());
        c.reset();
        lk.lock();
        --open_;
        cv_.notify_one();
        return e;
      }
      return Lease(this, std::move(c));
    }
    if (open_ < options_.maxOpenConnections) {
      ++open_;
      lk.unlock();
      auto c = connect();
      if (!c.ok()) {
        lk.lock();
        --open_;
        cv_.notify_one();
        return std::move(c).error();
      }
      return Lease(this, std::move(c).value());
    }
    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.maxOpenConnections) {
      return Error::internal(
          "unable to get a metadata database connection",
          "all " + std::to_string(options_.maxOpenConnections) + " connections busy");
    }
  }
}

void PostgresBackend::release(std::unique_ptr<Connection> conn) {
  if (conn->healthy() && PQtransactionStatus(conn->raw()) != PQTRANS_IDLE) {
    (void)conn->exec("ROLLBACK", "rollback");  // defensive: never pool an open transaction
  }
  bool keep = conn->healthy() && PQtransactionStatus(conn->raw()) == PQTRANS_IDLE;
  std::unique_ptr<Connection> drop;
  {
    std::lock_guard lk(mu_);
    if (keep && static_cast<int>(idle_.size()) < options_.maxIdleConnections) {
      idle_.push_back(std::move(conn));
    } else {
      drop = std::move(conn);
      --open_;
    }
    cv_.notify_one();
  }
  // `drop` is closed here, outside the lock.
}

template <class T, class F>
Result<T> PostgresBackend::inTransaction(F&& fn) {
  for (int attempt = 1;; ++attempt) {
    auto lease = acquire();
    if (!lease.ok()) return std::move(lease).error();
    Connection& c = *lease.value();
    Result<T> out = [&]() -> Result<T> {
      Transaction tx(c);
      if (auto s = tx.begin(); !s.ok()) return std::move(s).error();
      Result<T> r = fn(c);
      if (!r.ok()) return r;
      if (auto s = tx.commit(); !s.ok()) return std::move(s).error();
      return r;
    }();
    if (out.ok() || attempt >= kTxAttempts || !retryable(c.lastSqlState())) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
  }
}

Result<std::unique_ptr<PostgresBackend>> PostgresBackend::open(const PostgresOptions& options) {
  std::unique_ptr<PostgresBackend> b(new PostgresBackend(options));
  auto first = b->connect();
  if (!first.ok()) return std::move(first).error();
  // Quiet the NOTICEs of CREATE ... IF NOT EXISTS.
  (void)first.value()->exec("SET client_min_messages TO warning", "configure");
  if (auto s = applyMigrations(*first.value()); !s.ok()) return std::move(s).error();
  b->open_ = 1;
  b->idle_.push_back(std::move(first).value());
  return b;
}

Status PostgresBackend::eraseAll(const std::string& connectionString) {
  PGconn* raw = connectRaw(connectionString, 5);
  if (!raw || PQstatus(raw) != CONNECTION_OK) {
    Error e = connectError(raw);
    PQfinish(raw);
    return e;
  }
  Connection c(raw);
  (void)c.exec("SET client_min_messages TO warning", "configure");
  return c.exec(
      "DROP TABLE IF EXISTS files, uploads, users, tokens, settings, schema_migrations CASCADE",
      "unable to erase metadata database");
}

Result<int> PostgresBackend::schemaVersion() {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->query("SELECT coalesce(max(version), 0) FROM schema_migrations",
                                "unable to read schema version");
  if (!r.ok()) return std::move(r).error();
  return static_cast<int>(r->i64(0, 0));
}

// ------------------------------------------------------------------------------------------------
// Uploads.

Status PostgresBackend::createUpload(const Upload& upload) {
  auto r = inTransaction<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = insertUpload(c, upload, false); !s.ok()) return std::move(s).error();
    return true;
  });
  if (!r.ok()) return std::move(r).error();
  return {};
}

Status PostgresBackend::importUpload(const Upload& upload) {
  auto r = inTransaction<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = insertUpload(c, upload, true); !s.ok()) return std::move(s).error();
    return true;
  });
  if (!r.ok()) return std::move(r).error();
  return {};
}

Result<std::optional<Upload>> PostgresBackend::getUpload(const std::string& id, bool withFiles) {
  auto load = [&](Connection& c) -> Result<std::optional<Upload>> {
    auto r = c.query(std::string("SELECT ") + kUploadColumns +
                         " FROM uploads WHERE id = $1 AND deleted_at IS NULL",
                     Params::of(id), "unable to get upload");
    if (!r.ok()) return std::move(r).error();
    if (r->count() == 0) return std::optional<Upload>();
    std::optional<Upload> upload = readUpload(r.value(), 0);
    if (withFiles) {
      auto files = loadFiles(c, upload->id);
      if (!files.ok()) return std::move(files).error();
      upload->files = std::move(files).value();
    }
    return upload;
  };
  if (withFiles) {
    // One snapshot for the upload and its files.
    return inTransaction<std::optional<Upload>>([&](Connection& c) {
      // REPEATABLE READ: both statements see the same snapshot.
      if (auto s = c.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
                          "unable to begin transaction");
          !s.ok()) {
        return Result<std::optional<Upload>>(std::move(s).error());
      }
      return load(c);
    });
  }
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  return load(*lease.value());
}

Status PostgresBackend::setUploadExpireAt(const std::string& id,
                                          std::optional<TimePoint> expireAt) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r =
      lease.value()->run("UPDATE uploads SET expire_at = $1 WHERE id = $2 AND deleted_at IS NULL",
                         Params::of(expireAt, id), "unable to update upload expiration");
  if (!r.ok()) return std::move(r).error();
  return {};  // a missing or deleted upload is not an error: nothing to extend
}

Result<bool> PostgresBackend::softDeleteUpload(const std::string& id, TimePoint at) {
  return inTransaction<bool>([&](Connection& c) -> Result<bool> {
    auto r = c.run("UPDATE uploads SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
                   Params::of(at, id), "unable to delete upload");
    if (!r.ok()) return std::move(r).error();
    if (r.value() == 0) return false;  // the transaction commits nothing
    if (auto s = markFilesOfDeleted(c, "$2", Params::of(now(), id)); !s.ok()) {
      return std::move(s).error();
    }
    return true;
  });
}

// ------------------------------------------------------------------------------------------------
// Files.

Status PostgresBackend::createFile(const File& file) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  return insertFile(*lease.value(), file, file.uploadId);
}

Result<bool> PostgresBackend::createFileIfBelow(const File& f, int64_t maxFiles) {
  return inTransaction<bool>([&](Connection& c) -> Result<bool> {
    // The upload row lock serialises concurrent adders on every instance; the count then sees
    // every file committed before the lock was granted (READ COMMITTED: fresh snapshot).
    // NO KEY UPDATE: plain file inserts (foreign key checks, KEY SHARE) are not blocked.
    auto lock = c.query("SELECT 1 FROM uploads WHERE id = $1 FOR NO KEY UPDATE",
                        Params::of(f.uploadId), "unable to create file");
    if (!lock.ok()) return std::move(lock).error();
    auto count = c.query("SELECT count(*) FROM files WHERE upload_id = $1", Params::of(f.uploadId),
                         "unable to create file");
    if (!count.ok()) return std::move(count).error();
    if (count->i64(0, 0) >= maxFiles) return false;
    if (auto s = insertFile(c, f, f.uploadId); !s.ok()) return std::move(s).error();
    return true;
  });
}

Result<std::optional<File>> PostgresBackend::getFile(const std::string& id) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto files = queryFiles(*lease.value(),
                          std::string("SELECT ") + kFileColumns + " FROM files WHERE id = $1",
                          Params::of(id), "unable to get file");
  if (!files.ok()) return std::move(files).error();
  if (files->empty()) return std::optional<File>();
  return std::optional<File>(std::move(files->front()));
}

Result<bool> PostgresBackend::casFileStatus(const std::string& fileId, FileStatus from,
                                            FileStatus to) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->run(
      "UPDATE files SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
      Params::of(to, now(), fileId, from), "unable to update file status");
  if (!r.ok()) return std::move(r).error();
  return r.value() == 1;
}

Result<bool> PostgresBackend::completeFile(const std::string& fileId, FileStatus from,
                                           FileStatus to, const FileUpdate& u) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->run(
      "UPDATE files SET status = $1, md5 = $2, type = $3, size = $4, backend_details = $5, "
      "updated_at = $6 WHERE id = $7 AND status = $8",
      Params::of(to, u.md5, u.type, u.size, u.backendDetails, now(), fileId, from),
      "unable to update file");
  if (!r.ok()) return std::move(r).error();
  return r.value() == 1;
}

Result<bool> PostgresBackend::beginFileUpload(const std::string& fileId,
                                              const std::string& instance) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->run(
      "UPDATE files SET status = 'uploading', instance = $1, updated_at = $2 "
      "WHERE id = $3 AND status = 'missing'",
      Params::of(instance, now(), fileId), "unable to update file status");
  if (!r.ok()) return std::move(r).error();
  return r.value() == 1;
}

Result<std::vector<File>> PostgresBackend::resetInterruptedUploads(const std::string& instance) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  return queryFiles(*lease.value(),
                    std::string("UPDATE files SET status = 'missing', instance = '', "
                                "updated_at = $1 WHERE status = 'uploading' AND instance = $2 "
                                "RETURNING ") +
                        kFileColumns,
                    Params::of(now(), instance), "unable to reset interrupted uploads");
}

Result<std::vector<std::string>> PostgresBackend::renewUploadLease(const std::string& instance) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto files = queryFiles(*lease.value(),
                          std::string("UPDATE files SET updated_at = $1 WHERE status = 'uploading' "
                                      "AND instance = $2 RETURNING ") +
                              kFileColumns,
                          Params::of(now(), instance), "unable to renew upload lease");
  if (!files.ok()) return std::move(files).error();
  std::vector<std::string> ids;
  ids.reserve(files->size());
  for (auto& f : *files) ids.push_back(std::move(f.id));
  return ids;
}

Result<std::vector<File>> PostgresBackend::resetExpiredLeases(TimePoint before) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  return queryFiles(*lease.value(),
                    std::string("UPDATE files SET status = 'missing', instance = '', "
                                "updated_at = $1 WHERE status = 'uploading' AND updated_at < $2 "
                                "RETURNING ") +
                        kFileColumns,
                    Params::of(now(), before), "unable to reset expired upload leases");
}

// ------------------------------------------------------------------------------------------------
// Cleaning.

Result<int64_t> PostgresBackend::softDeleteExpiredUploads(TimePoint at) {
  return inTransaction<int64_t>([&](Connection& c) -> Result<int64_t> {
    // Soft-delete first (RETURNING the ids this call deleted; a concurrent cleaner on another
    // instance waits on the row locks and then skips them), then mark their files.
    auto r = c.query(
        "UPDATE uploads SET deleted_at = $1 WHERE deleted_at IS NULL AND "
        "expire_at IS NOT NULL AND expire_at < $1 RETURNING id",
        Params::of(at), "unable to delete expired uploads");
    if (!r.ok()) return std::move(r).error();
    if (r->count() == 0) return int64_t{0};
    std::vector<std::string> ids;
    for (int i = 0; i < r->count(); ++i) ids.push_back(r->text(i, 0));
    std::string arr =
        textArray(ids, [](const std::string& id) -> const std::string& { return id; });
    if (auto s = markFilesOfDeleted(c, "SELECT unnest($2::text[])", Params::of(now(), arr));
        !s.ok()) {
      return std::move(s).error();
    }
    return static_cast<int64_t>(r->count());
  });
}

Result<std::vector<File>> PostgresBackend::filesWithStatus(FileStatus status, int limit) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  Params p = Params::of(status);
  if (limit > 0) {
    p.add(limit);
  } else {
    p.add(nullptr);  // LIMIT NULL = no limit
  }
  return queryFiles(*lease.value(),
                    std::string("SELECT ") + kFileColumns +
                        " FROM files WHERE status = $1 ORDER BY created_at, id LIMIT $2::bigint",
                    p, "unable to list files");
}

Result<int64_t> PostgresBackend::purgeDeletedUploads() {
  return inTransaction<int64_t>([&](Connection& c) -> Result<int64_t> {
    // Files that reached a soft-deleted upload after its deletion (a request that raced it) are
    // marked again, so that they get purged by a following cleaning run.
    if (auto s = markFilesOfDeleted(
            c, "SELECT id FROM uploads WHERE deleted_at IS NOT NULL AND $2::boolean",
            Params::of(now(), true));
        !s.ok()) {
      return std::move(s).error();
    }
    const char* purgeable =
        "SELECT u.id FROM uploads u WHERE u.deleted_at IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM files f WHERE f.upload_id = u.id AND f.status <> 'deleted')";
    auto f = c.run(std::string("DELETE FROM files WHERE upload_id IN (") + purgeable + ")",
                   Params(), "unable to purge files");
    if (!f.ok()) return std::move(f).error();
    auto u = c.run(std::string("DELETE FROM uploads WHERE id IN (") + purgeable + ")", Params(),
                   "unable to purge uploads");
    if (!u.ok()) return std::move(u).error();
    return u.value();
  });
}

Result<int64_t> PostgresBackend::deleteOrphanFiles() {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  return lease.value()->run(
      "DELETE FROM files WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.id = files.upload_id)",
      Params(), "unable to delete orphan files");
}

// ------------------------------------------------------------------------------------------------
// Listings and statistics.

Result<UploadPage> PostgresBackend::listUploads(const UploadListQuery& q) {
  std::optional<std::pair<int64_t, std::string>> after;
  if (!q.after.empty()) {
    after = decodeListCursor(q.after);
    if (!after) return Error::badRequest("invalid cursor");
  }
  const int limit = q.limit > 0 ? q.limit : kDefaultPageSize;

  std::string sql =
      std::string("SELECT ") + kUploadColumns + " FROM uploads WHERE deleted_at IS NULL";
  Params p;
  int n = 0;
  if (!q.user.empty()) {
    sql += " AND user_id = $" + std::to_string(++n);
    p.add(q.user);
  }
  if (!q.token.empty()) {
    sql += " AND token = $" + std::to_string(++n);
    p.add(q.token);
  }
  if (after) {
    std::string a = std::to_string(++n), b = std::to_string(++n);
    sql += std::string(q.ascending ? " AND (created_at, id) > " : " AND (created_at, id) < ") +
           "($" + a + "::bigint, $" + b + "::text)";
    p.add(after->first);
    p.add(after->second);
  }
  sql += q.ascending ? " ORDER BY created_at ASC, id ASC" : " ORDER BY created_at DESC, id DESC";
  sql += " LIMIT $" + std::to_string(++n) + "::bigint";
  p.add(static_cast<int64_t>(limit) + 1);

  return inTransaction<UploadPage>([&](Connection& c) -> Result<UploadPage> {
    if (auto s = c.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
                        "unable to begin transaction");
        !s.ok()) {
      return std::move(s).error();
    }
    auto r = c.query(sql, p, "unable to list uploads");
    if (!r.ok()) return std::move(r).error();
    UploadPage page;
    page.results = readUploads(r.value());
    if (page.results.size() > static_cast<size_t>(limit)) {
      page.results.resize(static_cast<size_t>(limit));
      page.next = encodeListCursor(page.results.back());
    }
    if (auto s = fillFiles(c, page.results); !s.ok()) return std::move(s).error();
    return page;
  });
}

Result<std::vector<File>> PostgresBackend::listFiles(const std::string& uploadId,
                                                     const std::string& fileId) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  return queryFiles(*lease.value(),
                    std::string("SELECT ") + kFileColumns +
                        " FROM files WHERE ($1::text = '' OR upload_id = $1::text) AND "
                        "($2::text = '' OR id = $2::text) ORDER BY created_at, id",
                    Params::of(uploadId, fileId), "unable to list files");
}

Result<ServerStats> PostgresBackend::serverStats() {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  // One statement, one snapshot. Same definitions as Plik's GetServerStatistics.
  auto r = lease.value()->query(
      "SELECT (SELECT count(*) FROM users), "
      "(SELECT count(*) FROM uploads WHERE deleted_at IS NULL), "
      "(SELECT count(*) FROM uploads WHERE deleted_at IS NULL AND user_id = ''), "
      "(SELECT count(*) FROM files WHERE status = 'uploaded'), "
      "(SELECT coalesce(sum(size), 0) FROM files WHERE status = 'uploaded'), "
      "(SELECT coalesce(sum(f.size), 0) FROM files f JOIN uploads u ON u.id = f.upload_id "
      " WHERE f.status = 'uploaded' AND u.user_id = '')",
      "unable to compute server statistics");
  if (!r.ok()) return std::move(r).error();
  ServerStats s;
  s.users = r->i64(0, 0);
  s.uploads = r->i64(0, 1);
  s.anonymousUploads = r->i64(0, 2);
  s.files = r->i64(0, 3);
  s.totalSize = r->i64(0, 4);
  s.anonymousTotalSize = r->i64(0, 5);
  return s;
}

// ------------------------------------------------------------------------------------------------
// Settings.

Result<std::optional<std::string>> PostgresBackend::getSetting(const std::string& key) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->query("SELECT value FROM settings WHERE key = $1", Params::of(key),
                                "unable to get setting");
  if (!r.ok()) return std::move(r).error();
  if (r->count() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r->text(0, 0));
}

Status PostgresBackend::setSetting(const std::string& key, const std::string& value) {
  auto lease = acquire();
  if (!lease.ok()) return std::move(lease).error();
  auto r = lease.value()->run(
      "INSERT INTO settings (key, value) VALUES ($1, $2) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      Params::of(key, value), "unable to save setting");
  if (!r.ok()) return std::move(r).error();
  return {};
}

// ------------------------------------------------------------------------------------------------
// Export.

Status PostgresBackend::forEachUpload(const std::function<Status(const Upload&)>& fn) {
  // Keyset pagination over (created_at, id), soft-deleted uploads included; no connection is
  // held while `fn` runs.
  std::optional<std::pair<int64_t, std::string>> after;
  for (;;) {
    auto batch =
        inTransaction<std::vector<Upload>>([&](Connection& c) -> Result<std::vector<Upload>> {
          if (auto s = c.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
                              "unable to begin transaction");
              !s.ok()) {
            return std::move(s).error();
          }
          Params p;
          std::string sql = std::string("SELECT ") + kUploadColumns + " FROM uploads";
          if (after) {
            sql +=
                " WHERE (created_at, id) > ($1::bigint, $2::text) ORDER BY created_at, id "
                "LIMIT $3::bigint";
            p = Params::of(after->first, after->second, kForEachBatch);
          } else {
            sql += " ORDER BY created_at, id LIMIT $1::bigint";
            p = Params::of(kForEachBatch);
          }
          auto r = c.query(sql, p, "unable to list uploads");
          if (!r.ok()) return std::move(r).error();
          auto uploads = readUploads(r.value());
          if (auto s = fillFiles(c, uploads); !s.ok()) return std::move(s).error();
          return uploads;
        });
    if (!batch.ok()) return std::move(batch).error();
    for (const auto& u : batch.value()) {
      if (auto s = fn(u); !s.ok()) return s;
    }
    if (batch->size() < static_cast<size_t>(kForEachBatch)) return {};
    after = std::make_pair(toNs(batch->back().createdAt), batch->back().id);
  }
}

Status PostgresBackend::forEachSetting(
    const std::function<Status(const std::string&, const std::string&)>& fn) {
  std::vector<std::pair<std::string, std::string>> settings;
  {
    auto lease = acquire();
    if (!lease.ok()) return std::move(lease).error();
    auto r = lease.value()->query("SELECT key, value FROM settings ORDER BY key",
                                  "unable to list settings");
    if (!r.ok()) return std::move(r).error();
    for (int i = 0; i < r->count(); ++i) settings.emplace_back(r->text(i, 0), r->text(i, 1));
  }
  for (const auto& [k, v] : settings) {
    if (auto s = fn(k, v); !s.ok()) return s;
  }
  return {};
}

}  // namespace plik
