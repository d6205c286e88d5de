// SQLite schema migrations and the code that applies them (see migrations.hpp).
// Timestamps are INTEGER nanoseconds since the Unix epoch (UTC); booleans are INTEGER 0/1.
#include "metadata/migrations.hpp"

#include <sqlite3.h>

#include <set>
#include <string>

#include "core/types.hpp"

namespace plik {

namespace {

// Close to Plik's GORM schema (spec §5.4) with these differences: the owner column is `user_id`
// (`user` is reserved in PostgreSQL), files carry `instance` (the plikd instance receiving the
// bytes, for crash recovery) and `updated_at`.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE uploads (
  id                    TEXT PRIMARY KEY NOT NULL,
  ttl                   INTEGER NOT NULL DEFAULT 0,
  extend_ttl            INTEGER NOT NULL DEFAULT 0,
  remote_ip             TEXT NOT NULL DEFAULT '',
  comments              TEXT NOT NULL DEFAULT '',
  upload_token          TEXT NOT NULL DEFAULT '',
  user_id               TEXT NOT NULL DEFAULT '',
  token                 TEXT NOT NULL DEFAULT '',
  stream                INTEGER NOT NULL DEFAULT 0,
  one_shot              INTEGER NOT NULL DEFAULT 0,
  removable             INTEGER NOT NULL DEFAULT 0,
  protected_by_password INTEGER NOT NULL DEFAULT 0,
  login                 TEXT NOT NULL DEFAULT '',
  password              TEXT NOT NULL DEFAULT '',
  created_at            INTEGER NOT NULL,
  expire_at             INTEGER,
  deleted_at            INTEGER
);
CREATE INDEX idx_uploads_created ON uploads (created_at, id);
CREATE INDEX idx_uploads_user ON uploads (user_id, created_at);
CREATE INDEX idx_uploads_token ON uploads (token);
CREATE INDEX idx_uploads_expire_at ON uploads (expire_at) WHERE deleted_at IS NULL;
CREATE INDEX idx_uploads_deleted_at ON uploads (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE files (
  id              TEXT PRIMARY KEY NOT NULL,
  upload_id       TEXT NOT NULL REFERENCES uploads (id),
  name            TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL DEFAULT 'missing',
  md5             TEXT NOT NULL DEFAULT '',
  type            TEXT NOT NULL DEFAULT '',
  size            INTEGER NOT NULL DEFAULT 0,
  reference       TEXT NOT NULL DEFAULT '',
  backend_details TEXT NOT NULL DEFAULT '',
  instance        TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX idx_files_upload ON files (upload_id, created_at, id);
CREATE INDEX idx_files_status ON files (status);
CREATE INDEX idx_files_instance ON files (instance) WHERE status = 'uploading';

CREATE TABLE users (
  id            TEXT PRIMARY KEY NOT NULL,
  provider      TEXT NOT NULL DEFAULT '',
  login         TEXT NOT NULL DEFAULT '',
  password      TEXT NOT NULL DEFAULT '',
  name          TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  is_admin      INTEGER NOT NULL DEFAULT 0,
  max_file_size INTEGER NOT NULL DEFAULT 0,
  max_user_size INTEGER NOT NULL DEFAULT 0,
  max_ttl       INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);

CREATE TABLE tokens (
  token      TEXT PRIMARY KEY NOT NULL,
  comment    TEXT NOT NULL DEFAULT '',
  user_id    TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX idx_tokens_user ON tokens (user_id);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
)sql";

Error sqlError(sqlite3* db, const std::string& what) {
  return Error::internal("unable to migrate metadata database : " + what, sqlite3_errmsg(db));
}

Status exec(sqlite3* db, std::string_view sql, const std::string& what) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string detail = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return Error::internal("unable to migrate metadata database : " + what, detail);
  }
  return {};
}

}  // namespace

const std::vector<Migration>& sqliteMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "0001-initial", kInitialSchema},
  };
  return kMigrations;
}

Status applySqliteMigrations(sqlite3* db) {
  if (auto s = exec(db, "BEGIN IMMEDIATE", "begin"); !s.ok()) return s;
  auto fail = [&](Status s) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  };
  if (auto s = exec(db,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY NOT NULL,"
                    " name TEXT NOT NULL,"
                    " applied_at INTEGER NOT NULL)",
                    "create schema_migrations");
      !s.ok()) {
    return fail(s);
  }

  std::set<int> applied;
  {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_migrations", -1, &st, nullptr) !=
        SQLITE_OK) {
      return fail(sqlError(db, "read schema_migrations"));
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) applied.insert(sqlite3_column_int(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return fail(sqlError(db, "read schema_migrations"));
  }

  const auto& all = sqliteMigrations();
  int known = all.empty() ? 0 : all.back().version;
  if (!applied.empty() && *applied.rbegin() > known) {
    return fail(Error::internal("unable to migrate metadata database : schema version " +
                                std::to_string(*applied.rbegin()) +
                                " is newer than this plikd supports (" + std::to_string(known) +
                                ")"));
  }

  for (const auto& m : all) {
    if (applied.count(m.version)) continue;
    if (auto s = exec(db, m.sql, std::string(m.name)); !s.ok()) return fail(s);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO schema_migrations (version, name, applied_at) "
                           "VALUES (?, ?, ?)",
                           -1, &st, nullptr) != SQLITE_OK) {
      return fail(sqlError(db, "record " + std::string(m.name)));
    }
    sqlite3_bind_int(st, 1, m.version);
    sqlite3_bind_text(st, 2, m.name.data(), static_cast<int>(m.name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now().time_since_epoch().count());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return fail(sqlError(db, "record " + std::string(m.name)));
  }
  if (auto s = exec(db, "COMMIT", "commit"); !s.ok()) return fail(s);
  return {};
}

}  // namespace plik
