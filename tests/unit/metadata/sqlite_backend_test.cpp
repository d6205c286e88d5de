// Tests for the SQLite metadata backend (every method, CAS races, concurrent migrations,
// cleaning) and for the JSON-lines export/import, on databases in temporary directories.
#include "metadata/sqlite/sqlite_backend.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <set>
#include <sstream>
#include <thread>

#include "metadata/export_import.hpp"
#include "metadata/migrations.hpp"

namespace plik {
namespace {

namespace fs = std::filesystem;

TimePoint at(int64_t seconds, int64_t nanos = 0) {
  return TimePoint(std::chrono::seconds(seconds)) + std::chrono::nanoseconds(nanos);
}

const int64_t kT0 = 1700000000;  // a base timestamp (seconds)

File makeFile(const std::string& id, const std::string& uploadId, int64_t createdSec = kT0,
              FileStatus status = FileStatus::Missing) {
  File f;
  f.id = id;
  f.uploadId = uploadId;
  f.name = "name-" + id + ".txt";
  f.status = status;
  f.md5 = "";
  f.type = "text/plain";
  f.size = 42;
  f.reference = "ref-" + id;
  f.backendDetails = R"({"k":"v"})";
  f.createdAt = at(createdSec, 123);
  return f;
}

Upload makeUpload(const std::string& id, int64_t createdSec = kT0, int nFiles = 0) {
  Upload u;
  u.id = id;
  u.ttl = 3600;
  u.extendTtl = true;
  u.remoteIp = "192.0.2.1";
  u.comments = "comments ü \"quoted\"\nline";
  u.uploadToken = "token-" + id;
  u.user = "";
  u.token = "";
  u.stream = false;
  u.oneShot = true;
  u.removable = false;
  u.protectedByPassword = true;
  u.login = "plik";
  u.password = "5f4dcc3b5aa765d61d8327deb882cf99";
  u.createdAt = at(createdSec, 987654321);
  u.expireAt = at(createdSec + 3600, 5);
  for (int i = 0; i < nFiles; ++i) {
    u.files.push_back(makeFile(id + "-f" + std::to_string(i), id, createdSec + i));
  }
  return u;
}

void expectSameFile(const File& a, const File& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uploadId, b.uploadId);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.md5, b.md5);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.reference, b.reference);
  EXPECT_EQ(a.backendDetails, b.backendDetails);
  EXPECT_EQ(a.createdAt, b.createdAt);
}

void expectSameUpload(const Upload& a, const Upload& b, bool compareFiles = true) {
  SCOPED_TRACE(a.id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.ttl, b.ttl);
  EXPECT_EQ(a.extendTtl, b.extendTtl);
  EXPECT_EQ(a.remoteIp, b.remoteIp);
  EXPECT_EQ(a.comments, b.comments);
  EXPECT_EQ(a.uploadToken, b.uploadToken);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.token, b.token);
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.oneShot, b.oneShot);
  EXPECT_EQ(a.removable, b.removable);
  EXPECT_EQ(a.protectedByPassword, b.protectedByPassword);
  EXPECT_EQ(a.login, b.login);
  EXPECT_EQ(a.password, b.password);
  EXPECT_EQ(a.createdAt, b.createdAt);
  EXPECT_EQ(a.expireAt, b.expireAt);
  EXPECT_EQ(a.deletedAt, b.deletedAt);
  if (compareFiles) {
    ASSERT_EQ(a.files.size(), b.files.size());
    for (size_t i = 0; i < a.files.size(); ++i) expectSameFile(a.files[i], b.files[i]);
  }
}

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

class SqliteBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("plik-meta-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    db_ = open();
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  std::string path(const std::string& name = "plik.db") { return (dir_ / name).string(); }

  std::unique_ptr<SqliteBackend> open(const std::string& name = "plik.db") {
    SqliteOptions o;
    o.path = path(name);
    return unwrap(SqliteBackend::open(o));
  }

  // Runs one SQL statement on a raw connection of its own (foreign keys off).
  void rawExec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  std::string rawQuery(const std::string& sql, const std::string& name = "plik.db") {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path(name).c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
      auto p = sqlite3_column_text(st, 0);
      out = p ? reinterpret_cast<const char*>(p) : "NULL";
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  FileStatus statusOf(const std::string& fileId) {
    auto f = unwrap(db_->getFile(fileId));
    EXPECT_TRUE(f.has_value()) << fileId;
    return f ? f->status : FileStatus::Missing;
  }

  fs::path dir_;
  std::unique_ptr<SqliteBackend> db_;
};

// ---------------------------------------------------------------- opening, migrations

TEST_F(SqliteBackendTest, OpenAppliesMigrationsWalAndForeignKeys) {
  EXPECT_EQ(unwrap(db_->schemaVersion()), sqliteMigrations().back().version);
  EXPECT_EQ(rawQuery("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(rawQuery("SELECT count(*) FROM schema_migrations"),
            std::to_string(sqliteMigrations().size()));
  EXPECT_EQ(rawQuery("SELECT name FROM schema_migrations WHERE version = 1"), "0001-initial");
  for (const char* table : {"uploads", "files", "users", "tokens", "settings"}) {
    EXPECT_EQ(
        rawQuery(std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + table + "'"),
        "1")
        << table;
  }
  // Foreign keys are enforced on the backend's connections.
  auto s = db_->createFile(makeFile("orphan", "no-such-upload"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error().status, 500);
  EXPECT_NE(s.error().detail.find("FOREIGN KEY"), std::string::npos) << s.error().detail;
}

TEST_F(SqliteBackendTest, ReopenIsIdempotent) {
  ASSERT_OK(db_->createUpload(makeUpload("u1", kT0, 1)));
  db_.reset();
  db_ = open();
  db_.reset();
  db_ = open();
  EXPECT_EQ(rawQuery("SELECT count(*) FROM schema_migrations"),
            std::to_string(sqliteMigrations().size()));
  EXPECT_TRUE(unwrap(db_->getUpload("u1", true)).has_value());
}

TEST_F(SqliteBackendTest, NewerSchemaIsRefused) {
  rawExec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
  SqliteOptions o;
  o.path = path();
  auto r = SqliteBackend::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("999"), std::string::npos) << r.error().message;
}

TEST_F(SqliteBackendTest, ConcurrentOpensMigrateOnce) {
  for (int round = 0; round < 3; ++round) {
    const std::string name = "concurrent-" + std::to_string(round) + ".db";
    constexpr int kOpeners = 4;
    std::latch start(kOpeners);
    std::atomic<int> ok{0};
    std::vector<std::string> errors(kOpeners);
    std::vector<std::thread> threads;
    for (int i = 0; i < kOpeners; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        SqliteOptions o;
        o.path = path(name);
        auto r = SqliteBackend::open(o);
        if (r.ok()) {
          ++ok;
          auto created = r.value()->createUpload(makeUpload("u" + std::to_string(i)));
          if (!created.ok()) errors[i] = created.error().detail;
        } else {
          errors[i] = r.error().message + " " + r.error().detail;
        }
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "");
    EXPECT_EQ(ok.load(), kOpeners);
    EXPECT_EQ(rawQuery("SELECT count(*) FROM schema_migrations", name),
              std::to_string(sqliteMigrations().size()));
    EXPECT_EQ(rawQuery("SELECT count(*) FROM uploads", name), std::to_string(kOpeners));
  }
}

TEST_F(SqliteBackendTest, ConcurrentProcessesMigrateOnce) {
  // Real processes (separate file locks), all opening a fresh database at the same moment.
  constexpr int kChildren = 4;
  const std::string file = path("processes.db");
  const auto startAt = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  std::vector<pid_t> children;
  for (int i = 0; i < kChildren; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::this_thread::sleep_until(startAt);
      SqliteOptions o;
      o.path = file;
      auto r = SqliteBackend::open(o);
      bool ok = r.ok() && r.value()->createUpload(makeUpload("p" + std::to_string(i))).ok();
      ::_exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(rawQuery("SELECT count(*) FROM schema_migrations", "processes.db"),
            std::to_string(sqliteMigrations().size()));
  EXPECT_EQ(rawQuery("SELECT count(*) FROM uploads", "processes.db"), std::to_string(kChildren));
}

TEST_F(SqliteBackendTest, OpenMetadataBackendDrivers) {
  auto b = openMetadataBackend({{"driver", "sqlite3"}, {"connectionstring", path("other.db")}});
  ASSERT_TRUE(b.ok()) << b.error().message << b.error().detail;
  ASSERT_OK(b.value()->createUpload(makeUpload("x")));
  EXPECT_TRUE(fs::exists(path("other.db")));

  auto bad = openMetadataBackend({{"Driver", "postgres"}, {"ConnectionString", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "invalid metadata backend driver postgres");

  auto badPath = openMetadataBackend(
      {{"Driver", "sqlite3"}, {"ConnectionString", path("missing-dir/sub/plik.db")}});
  EXPECT_FALSE(badPath.ok());

  // EraseFirst (tests) starts from an empty database.
  b.value().reset();
  auto erased = openMetadataBackend(
      {{"Driver", "sqlite3"}, {"ConnectionString", path("other.db")}, {"EraseFirst", "true"}});
  ASSERT_TRUE(erased.ok());
  EXPECT_FALSE(unwrap(erased.value()->getUpload("x", false)).has_value());
}

TEST_F(SqliteBackendTest, InMemoryDatabase) {
  SqliteOptions o;
  o.path = ":memory:";
  o.maxConnections = 8;  // forced to 1: each connection would see its own database
  auto mem = unwrap(SqliteBackend::open(o));
  ASSERT_OK(mem->createUpload(makeUpload("m", kT0, 2)));
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        auto u = mem->getUpload("m", true);
        if (u.ok() && u.value() && u.value()->files.size() == 2) ++found;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(found.load(), 80);
  // forEachUpload callbacks may re-enter the backend even with a single connection.
  int seen = 0;
  ASSERT_OK(mem->forEachUpload([&](const Upload& u) -> Status {
    auto again = mem->getUpload(u.id, false);
    if (!again.ok()) return again.error();
    ++seen;
    return {};
  }));
  EXPECT_EQ(seen, 1);
}

// ---------------------------------------------------------------- uploads

TEST_F(SqliteBackendTest, CreateAndGetUpload) {
  Upload u = makeUpload("upload1", kT0, 3);
  u.user = "local:alice";
  u.token = "tok";
  u.files[0].status = FileStatus::Uploaded;
  u.files[0].md5 = "d41d8cd98f00b204e9800998ecf8427e";
  ASSERT_OK(db_->createUpload(u));

  auto got = unwrap(db_->getUpload("upload1", true));
  ASSERT_TRUE(got.has_value());
  expectSameUpload(u, *got);

  auto noFiles = unwrap(db_->getUpload("upload1", false));
  ASSERT_TRUE(noFiles.has_value());
  EXPECT_TRUE(noFiles->files.empty());
  expectSameUpload(u, *noFiles, false);

  EXPECT_FALSE(unwrap(db_->getUpload("nope", true)).has_value());

  // Never-expiring upload: expireAt stays empty.
  Upload forever = makeUpload("forever");
  forever.ttl = -1;
  forever.expireAt.reset();
  ASSERT_OK(db_->createUpload(forever));
  EXPECT_FALSE(unwrap(db_->getUpload("forever", false))->expireAt.has_value());
}

TEST_F(SqliteBackendTest, CreateUploadIsAtomic) {
  ASSERT_OK(db_->createUpload(makeUpload("dup")));
  auto again = db_->createUpload(makeUpload("dup"));
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.error().detail.find("UNIQUE"), std::string::npos) << again.error().detail;

  Upload broken = makeUpload("broken", kT0, 2);
  broken.files[1].id = broken.files[0].id;  // second insert fails
  EXPECT_FALSE(db_->createUpload(broken).ok());
  EXPECT_FALSE(unwrap(db_->getUpload("broken", false)).has_value());
  EXPECT_FALSE(unwrap(db_->getFile(broken.files[0].id)).has_value());
}

TEST_F(SqliteBackendTest, FilesAreOrderedByCreationThenId) {
  Upload u = makeUpload("ord");
  u.files = {makeFile("c", "ord", kT0 + 1), makeFile("b", "ord", kT0), makeFile("a", "ord", kT0)};
  ASSERT_OK(db_->createUpload(u));
  auto got = unwrap(db_->getUpload("ord", true));
  ASSERT_EQ(got->files.size(), 3u);
  EXPECT_EQ(got->files[0].id, "a");
  EXPECT_EQ(got->files[1].id, "b");
  EXPECT_EQ(got->files[2].id, "c");
}

TEST_F(SqliteBackendTest, SetUploadExpireAt) {
  ASSERT_OK(db_->createUpload(makeUpload("u")));
  ASSERT_OK(db_->setUploadExpireAt("u", at(kT0 + 99999, 7)));
  EXPECT_EQ(unwrap(db_->getUpload("u", false))->expireAt, at(kT0 + 99999, 7));
  ASSERT_OK(db_->setUploadExpireAt("u", std::nullopt));
  EXPECT_FALSE(unwrap(db_->getUpload("u", false))->expireAt.has_value());
  ASSERT_OK(db_->setUploadExpireAt("missing", at(kT0)));  // no-op
}

TEST_F(SqliteBackendTest, SoftDeleteUploadHidesItAndMarksFiles) {
  Upload u = makeUpload("del");
  u.files = {makeFile("m", "del", kT0, FileStatus::Missing),
             makeFile("ing", "del", kT0, FileStatus::Uploading),
             makeFile("ed", "del", kT0, FileStatus::Uploaded),
             makeFile("rem", "del", kT0, FileStatus::Removed),
             makeFile("gone", "del", kT0, FileStatus::Deleted)};
  ASSERT_OK(db_->createUpload(u));
  ASSERT_OK(db_->createUpload(makeUpload("other", kT0, 1)));

  EXPECT_TRUE(unwrap(db_->softDeleteUpload("del", at(kT0 + 10))));
  EXPECT_FALSE(unwrap(db_->getUpload("del", true)).has_value());
  EXPECT_EQ(statusOf("m"), FileStatus::Deleted);
  EXPECT_EQ(statusOf("ing"), FileStatus::Removed);
  EXPECT_EQ(statusOf("ed"), FileStatus::Removed);
  EXPECT_EQ(statusOf("rem"), FileStatus::Removed);
  EXPECT_EQ(statusOf("gone"), FileStatus::Deleted);
  EXPECT_EQ(statusOf("other-f0"), FileStatus::Missing);  // other uploads untouched

  EXPECT_FALSE(unwrap(db_->softDeleteUpload("del", at(kT0 + 20))));  // already deleted
  EXPECT_FALSE(unwrap(db_->softDeleteUpload("never", at(kT0 + 20))));
  // The deletion date is kept (visible to export).
  bool seen = false;
  ASSERT_OK(db_->forEachUpload([&](const Upload& x) -> Status {
    if (x.id == "del") {
      seen = true;
      EXPECT_EQ(x.deletedAt, at(kT0 + 10));
    }
    return {};
  }));
  EXPECT_TRUE(seen);
}

// ---------------------------------------------------------------- files

TEST_F(SqliteBackendTest, CreateAndGetFile) {
  ASSERT_OK(db_->createUpload(makeUpload("u")));
  File f = makeFile("f1", "u");
  ASSERT_OK(db_->createFile(f));
  auto got = unwrap(db_->getFile("f1"));
  ASSERT_TRUE(got.has_value());
  expectSameFile(f, *got);
  EXPECT_FALSE(unwrap(db_->getFile("nope")).has_value());
  EXPECT_FALSE(db_->createFile(f).ok());  // duplicate id

  File empty;  // empty strings are stored as '' (NOT NULL columns), not NULL
  empty.id = "empty";
  empty.uploadId = "u";
  ASSERT_OK(db_->createFile(empty));
  EXPECT_EQ(unwrap(db_->getFile("empty"))->name, "");
}

TEST_F(SqliteBackendTest, CreateFileIfBelow) {
  ASSERT_OK(db_->createUpload(makeUpload("u", kT0, 1)));
  EXPECT_TRUE(unwrap(db_->createFileIfBelow(makeFile("f2", "u"), 3)));
  EXPECT_TRUE(unwrap(db_->createFileIfBelow(makeFile("f3", "u"), 3)));
  EXPECT_FALSE(unwrap(db_->createFileIfBelow(makeFile("f4", "u"), 3)));
  EXPECT_FALSE(unwrap(db_->getFile("f4")).has_value());
  EXPECT_FALSE(unwrap(db_->createFileIfBelow(makeFile("f5", "u"), 0)));
  // Deleted files still count as rows (Plik counts every file of the upload).
  ASSERT_TRUE(unwrap(db_->casFileStatus("f2", FileStatus::Missing, FileStatus::Deleted)));
  EXPECT_FALSE(unwrap(db_->createFileIfBelow(makeFile("f6", "u"), 3)));
  EXPECT_FALSE(db_->createFileIfBelow(makeFile("f7", "no-upload"), 3).ok());
}

TEST_F(SqliteBackendTest, CasFileStatus) {
  ASSERT_OK(db_->createUpload(makeUpload("u", kT0, 1)));
  const std::string id = "u-f0";
  EXPECT_FALSE(unwrap(db_->casFileStatus(id, FileStatus::Uploaded, FileStatus::Removed)));
  EXPECT_EQ(statusOf(id), FileStatus::Missing);
  EXPECT_TRUE(unwrap(db_->casFileStatus(id, FileStatus::Missing, FileStatus::Uploading)));
  EXPECT_EQ(statusOf(id), FileStatus::Uploading);
  EXPECT_FALSE(unwrap(db_->casFileStatus(id, FileStatus::Missing, FileStatus::Uploading)));
  EXPECT_FALSE(unwrap(db_->casFileStatus("nope", FileStatus::Missing, FileStatus::Uploading)));
}

TEST_F(SqliteBackendTest, CompleteFile) {
  ASSERT_OK(db_->createUpload(makeUpload("u", kT0, 1)));
  const std::string id = "u-f0";
  FileUpdate up{"0123456789abcdef0123456789abcdef", "image/png", 1234, "details"};
  EXPECT_FALSE(unwrap(db_->completeFile(id, FileStatus::Uploading, FileStatus::Uploaded, up)));
  EXPECT_EQ(unwrap(db_->getFile(id))->md5, "");  // unchanged
  ASSERT_TRUE(unwrap(db_->beginFileUpload(id, "instance-a")));
  EXPECT_TRUE(unwrap(db_->completeFile(id, FileStatus::Uploading, FileStatus::Uploaded, up)));
  auto f = unwrap(db_->getFile(id));
  EXPECT_EQ(f->status, FileStatus::Uploaded);
  EXPECT_EQ(f->md5, up.md5);
  EXPECT_EQ(f->type, "image/png");
  EXPECT_EQ(f->size, 1234);
  EXPECT_EQ(f->backendDetails, "details");
}

TEST_F(SqliteBackendTest, BeginFileUploadAndCrashRecovery) {
  ASSERT_OK(db_->createUpload(makeUpload("u", kT0, 4)));
  EXPECT_TRUE(unwrap(db_->beginFileUpload("u-f0", "A")));
  EXPECT_FALSE(unwrap(db_->beginFileUpload("u-f0", "B")));  // not missing any more
  EXPECT_TRUE(unwrap(db_->beginFileUpload("u-f1", "A")));
  EXPECT_TRUE(unwrap(db_->beginFileUpload("u-f2", "B")));
  EXPECT_TRUE(unwrap(db_->beginFileUpload("u-f3", "A")));
  ASSERT_TRUE(unwrap(db_->completeFile("u-f3", FileStatus::Uploading, FileStatus::Uploaded, {})));

  auto reset = unwrap(db_->resetInterruptedUploads("A"));
  std::set<std::string> ids;
  for (const auto& f : reset) {
    ids.insert(f.id);
    EXPECT_EQ(f.uploadId, "u");
    EXPECT_EQ(f.status, FileStatus::Missing);
  }
  EXPECT_EQ(ids, (std::set<std::string>{"u-f0", "u-f1"}));
  EXPECT_EQ(statusOf("u-f0"), FileStatus::Missing);
  EXPECT_EQ(statusOf("u-f1"), FileStatus::Missing);
  EXPECT_EQ(statusOf("u-f2"), FileStatus::Uploading);  // instance B is still alive
  EXPECT_EQ(statusOf("u-f3"), FileStatus::Uploaded);
  EXPECT_TRUE(unwrap(db_->resetInterruptedUploads("A")).empty());
  // The file can be uploaded again.
  EXPECT_TRUE(unwrap(db_->beginFileUpload("u-f0", "A2")));
}

TEST_F(SqliteBackendTest, CasRaceHasExactlyOneWinner) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 25;
  Upload u = makeUpload("race");
  for (int r = 0; r < kRounds; ++r) u.files.push_back(makeFile("r" + std::to_string(r), "race"));
  ASSERT_OK(db_->createUpload(u));
  for (int r = 0; r < kRounds; ++r) {
    const std::string id = "r" + std::to_string(r);
    std::latch start(kThreads);
    std::atomic<int> wins{0}, errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        // Alternate two kinds of CAS on the same row: begin (missing->uploading) and plain CAS.
        auto res = t % 2 ? db_->beginFileUpload(id, "i" + std::to_string(t))
                         : db_->casFileStatus(id, FileStatus::Missing, FileStatus::Uploading);
        if (!res.ok()) {
          ++errors;
        } else if (res.value()) {
          ++wins;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(errors.load(), 0) << id;
    EXPECT_EQ(wins.load(), 1) << id;
    EXPECT_EQ(statusOf(id), FileStatus::Uploading);
  }
}

TEST_F(SqliteBackendTest, CreateFileIfBelowNeverExceedsLimitUnderConcurrency) {
  constexpr int kThreads = 8;
  constexpr int kAttempts = 5;
  constexpr int kLimit = 13;
  ASSERT_OK(db_->createUpload(makeUpload("lim", kT0, 1)));
  std::latch start(kThreads);
  std::atomic<int> created{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int a = 0; a < kAttempts; ++a) {
        auto r = db_->createFileIfBelow(
            makeFile("t" + std::to_string(t) + "a" + std::to_string(a), "lim"), kLimit);
        if (!r.ok()) {
          ++errors;
        } else if (r.value()) {
          ++created;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), kLimit - 1);
  EXPECT_EQ(unwrap(db_->getUpload("lim", true))->files.size(), static_cast<size_t>(kLimit));
}

// ---------------------------------------------------------------- cleaning

TEST_F(SqliteBackendTest, SoftDeleteExpiredUploads) {
  Upload expired = makeUpload("expired", kT0, 0);
  expired.expireAt = at(kT0 + 100);
  expired.files = {makeFile("e-missing", "expired", kT0, FileStatus::Missing),
                   makeFile("e-uploaded", "expired", kT0, FileStatus::Uploaded),
                   makeFile("e-uploading", "expired", kT0, FileStatus::Uploading)};
  Upload live = makeUpload("live", kT0, 1);
  live.expireAt = at(kT0 + 1000);
  Upload forever = makeUpload("forever", kT0, 1);
  forever.expireAt.reset();
  Upload exact = makeUpload("exact", kT0, 0);
  exact.expireAt = at(kT0 + 500);  // expire_at == now is not expired yet (strict <)
  for (const auto& u : {expired, live, forever, exact}) ASSERT_OK(db_->createUpload(u));

  EXPECT_EQ(unwrap(db_->softDeleteExpiredUploads(at(kT0 + 500))), 1);
  EXPECT_FALSE(unwrap(db_->getUpload("expired", false)).has_value());
  EXPECT_TRUE(unwrap(db_->getUpload("live", false)).has_value());
  EXPECT_TRUE(unwrap(db_->getUpload("forever", false)).has_value());
  EXPECT_TRUE(unwrap(db_->getUpload("exact", false)).has_value());
  EXPECT_EQ(statusOf("e-missing"), FileStatus::Deleted);
  EXPECT_EQ(statusOf("e-uploaded"), FileStatus::Removed);
  EXPECT_EQ(statusOf("e-uploading"), FileStatus::Removed);
  EXPECT_EQ(statusOf("live-f0"), FileStatus::Missing);
  EXPECT_EQ(unwrap(db_->softDeleteExpiredUploads(at(kT0 + 500))), 0);  // idempotent
}

TEST_F(SqliteBackendTest, CleaningCycle) {
  Upload a = makeUpload("a");
  a.files = {makeFile("a1", "a", kT0, FileStatus::Uploaded),
             makeFile("a2", "a", kT0, FileStatus::Missing)};
  Upload b = makeUpload("b");
  b.files = {makeFile("b1", "b", kT0 + 1, FileStatus::Uploaded)};
  Upload empty = makeUpload("empty");
  for (const auto& u : {a, b, empty}) ASSERT_OK(db_->createUpload(u));
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("a", at(kT0))));
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("b", at(kT0))));
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("empty", at(kT0))));

  auto removed = unwrap(db_->filesWithStatus(FileStatus::Removed, 100));
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].id, "a1");
  EXPECT_EQ(removed[1].id, "b1");
  EXPECT_EQ(unwrap(db_->filesWithStatus(FileStatus::Removed, 1)).size(), 1u);
  EXPECT_EQ(unwrap(db_->filesWithStatus(FileStatus::Removed, 0)).size(), 2u);  // 0 = no limit

  // Only "a" has its data deleted so far: "empty" (no files) and "a" are purged, "b" waits.
  ASSERT_TRUE(unwrap(db_->casFileStatus("a1", FileStatus::Removed, FileStatus::Deleted)));
  EXPECT_EQ(unwrap(db_->purgeDeletedUploads()), 2);
  EXPECT_FALSE(unwrap(db_->getFile("a1")).has_value());
  EXPECT_FALSE(unwrap(db_->getFile("a2")).has_value());
  EXPECT_TRUE(unwrap(db_->getFile("b1")).has_value());
  ASSERT_TRUE(unwrap(db_->casFileStatus("b1", FileStatus::Removed, FileStatus::Deleted)));
  EXPECT_EQ(unwrap(db_->purgeDeletedUploads()), 1);
  EXPECT_EQ(unwrap(db_->purgeDeletedUploads()), 0);
  EXPECT_EQ(rawQuery("SELECT count(*) FROM uploads"), "0");
  EXPECT_EQ(rawQuery("SELECT count(*) FROM files"), "0");
}

TEST_F(SqliteBackendTest, PurgeRemarksFilesAddedAfterDeletion) {
  ASSERT_OK(db_->createUpload(makeUpload("late")));
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("late", at(kT0))));
  // A request that resolved the upload before its deletion adds files afterwards.
  ASSERT_OK(db_->createFile(makeFile("late-missing", "late")));
  ASSERT_OK(db_->createFile(makeFile("late-up", "late", kT0, FileStatus::Uploaded)));
  EXPECT_EQ(unwrap(db_->purgeDeletedUploads()), 0);  // late-up must have its data removed first
  EXPECT_EQ(statusOf("late-missing"), FileStatus::Deleted);
  EXPECT_EQ(statusOf("late-up"), FileStatus::Removed);
  ASSERT_TRUE(unwrap(db_->casFileStatus("late-up", FileStatus::Removed, FileStatus::Deleted)));
  EXPECT_EQ(unwrap(db_->purgeDeletedUploads()), 1);
}

TEST_F(SqliteBackendTest, DeleteOrphanFiles) {
  ASSERT_OK(db_->createUpload(makeUpload("u", kT0, 1)));
  EXPECT_EQ(unwrap(db_->deleteOrphanFiles()), 0);
  // Orphans cannot be created through the backend (foreign keys): simulate an older database.
  rawExec(
      "INSERT INTO files (id, upload_id, status, created_at, updated_at) "
      "VALUES ('orphan1', 'gone', 'uploaded', 0, 0), ('orphan2', 'gone', 'deleted', 0, 0)");
  EXPECT_EQ(unwrap(db_->deleteOrphanFiles()), 2);
  EXPECT_TRUE(unwrap(db_->getFile("u-f0")).has_value());
  EXPECT_FALSE(unwrap(db_->getFile("orphan1")).has_value());
}

// ---------------------------------------------------------------- listings, stats, settings

TEST_F(SqliteBackendTest, ListUploadsPaginatesNewestFirst) {
  std::vector<std::string> expected;  // newest first
  for (int i = 0; i < 23; ++i) {
    Upload u = makeUpload("u" + std::string(i < 10 ? "0" : "") + std::to_string(i), kT0 + i, 1);
    u.user = i % 2 ? "local:odd" : "";
    u.token = i % 3 == 0 ? "t3" : "";
    ASSERT_OK(db_->createUpload(u));
  }
  // Two uploads created in the same nanosecond: ordered by id.
  Upload same1 = makeUpload("zz-same-a", kT0 + 100);
  Upload same2 = makeUpload("zz-same-b", kT0 + 100);
  ASSERT_OK(db_->createUpload(same1));
  ASSERT_OK(db_->createUpload(same2));
  ASSERT_OK(db_->createUpload(makeUpload("deleted", kT0 + 200)));
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("deleted", at(kT0 + 300))));
  expected = {"zz-same-b", "zz-same-a"};
  for (int i = 22; i >= 0; --i) {
    expected.push_back("u" + std::string(i < 10 ? "0" : "") + std::to_string(i));
  }

  std::vector<std::string> seen;
  UploadListQuery q;
  q.limit = 10;
  int pages = 0;
  for (;;) {
    auto page = unwrap(db_->listUploads(q));
    ++pages;
    for (const auto& u : page.results) {
      seen.push_back(u.id);
      if (u.id[0] == 'u') {
        EXPECT_EQ(u.files.size(), 1u);
      }
    }
    if (page.next.empty()) break;
    q.after = page.next;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, expected);

  UploadListQuery asc;
  asc.ascending = true;
  asc.limit = 100;
  auto ascPage = unwrap(db_->listUploads(asc));
  std::vector<std::string> ascIds;
  for (const auto& u : ascPage.results) ascIds.push_back(u.id);
  EXPECT_EQ(ascIds, std::vector<std::string>(expected.rbegin(), expected.rend()));
  EXPECT_TRUE(ascPage.next.empty());

  UploadListQuery byUser;
  byUser.user = "local:odd";
  byUser.limit = 100;
  auto users = unwrap(db_->listUploads(byUser));
  EXPECT_EQ(users.results.size(), 11u);
  for (const auto& u : users.results) EXPECT_EQ(u.user, "local:odd");

  UploadListQuery byToken;
  byToken.token = "t3";
  byToken.user = "local:odd";
  auto tokens = unwrap(db_->listUploads(byToken));
  EXPECT_EQ(tokens.results.size(), 4u);  // i in {3, 9, 15, 21}

  UploadListQuery bad;
  bad.after = "!!not a cursor!!";
  auto r = db_->listUploads(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);

  UploadListQuery defaults;  // limit <= 0 falls back to 20
  defaults.limit = 0;
  EXPECT_EQ(unwrap(db_->listUploads(defaults)).results.size(), 20u);
}

TEST_F(SqliteBackendTest, ListFiles) {
  ASSERT_OK(db_->createUpload(makeUpload("a", kT0, 2)));
  ASSERT_OK(db_->createUpload(makeUpload("b", kT0 + 10, 1)));
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("b", at(kT0))));
  EXPECT_EQ(unwrap(db_->listFiles("", "")).size(), 3u);  // any status, deleted uploads too
  EXPECT_EQ(unwrap(db_->listFiles("a", "")).size(), 2u);
  auto one = unwrap(db_->listFiles("", "b-f0"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].status, FileStatus::Deleted);
  EXPECT_EQ(unwrap(db_->listFiles("a", "b-f0")).size(), 0u);
}

TEST_F(SqliteBackendTest, ServerStats) {
  Upload anon = makeUpload("anon");
  anon.files = {makeFile("x1", "anon", kT0, FileStatus::Uploaded),
                makeFile("x2", "anon", kT0, FileStatus::Missing)};
  anon.files[0].size = 100;
  Upload owned = makeUpload("owned");
  owned.user = "local:bob";
  owned.files = {makeFile("y1", "owned", kT0, FileStatus::Uploaded)};
  owned.files[0].size = 1000;
  ASSERT_OK(db_->createUpload(anon));
  ASSERT_OK(db_->createUpload(owned));
  ASSERT_OK(db_->createUpload(makeUpload("gone")));
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("gone", at(kT0))));
  rawExec(
      "INSERT INTO users (id, provider, login, created_at) VALUES ('local:bob', 'local', "
      "'bob', 0)");
  auto s = unwrap(db_->serverStats());
  EXPECT_EQ(s.users, 1);
  EXPECT_EQ(s.uploads, 2);
  EXPECT_EQ(s.anonymousUploads, 1);
  EXPECT_EQ(s.files, 2);
  EXPECT_EQ(s.totalSize, 1100);
  EXPECT_EQ(s.anonymousTotalSize, 100);
}

TEST_F(SqliteBackendTest, Settings) {
  EXPECT_FALSE(unwrap(db_->getSetting("authentication_signature_key")).has_value());
  ASSERT_OK(db_->setSetting("authentication_signature_key", "abc"));
  EXPECT_EQ(unwrap(db_->getSetting("authentication_signature_key")), "abc");
  ASSERT_OK(db_->setSetting("authentication_signature_key", "def"));
  EXPECT_EQ(unwrap(db_->getSetting("authentication_signature_key")), "def");
  ASSERT_OK(db_->setSetting("empty", ""));
  EXPECT_EQ(unwrap(db_->getSetting("empty")), "");
  std::vector<std::pair<std::string, std::string>> all;
  ASSERT_OK(db_->forEachSetting([&](const std::string& k, const std::string& v) -> Status {
    all.emplace_back(k, v);
    return {};
  }));
  EXPECT_EQ(all.size(), 2u);
  // A callback error stops the iteration and is returned.
  auto s = db_->forEachSetting(
      [](const std::string&, const std::string&) -> Status { return Error::internal("stop"); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "stop");
}

TEST_F(SqliteBackendTest, ForEachUploadPagesThroughEverything) {
  constexpr int kCount = 250;  // more than one internal batch
  for (int i = 0; i < kCount; ++i) {
    ASSERT_OK(db_->createUpload(makeUpload("u" + std::to_string(i), kT0 + i % 7, i % 3)));
  }
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("u5", at(kT0))));
  std::set<std::string> ids;
  int files = 0;
  ASSERT_OK(db_->forEachUpload([&](const Upload& u) -> Status {
    EXPECT_TRUE(ids.insert(u.id).second) << "twice: " << u.id;
    files += static_cast<int>(u.files.size());
    return {};
  }));
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCount));
  int expectedFiles = 0;
  for (int i = 0; i < kCount; ++i) expectedFiles += i % 3;
  EXPECT_EQ(files, expectedFiles);
}

// ---------------------------------------------------------------- export / import

TEST_F(SqliteBackendTest, ExportThenImportGivesIdenticalUploads) {
  for (int i = 0; i < 120; ++i) {
    Upload u = makeUpload("u" + std::to_string(i), kT0 + i, i % 4);
    u.user = i % 5 ? "" : "google:someone@example.com";
    u.stream = i % 2;
    if (i % 7 == 0) u.expireAt.reset();
    if (!u.files.empty()) u.files[0].status = FileStatus::Uploaded;
    ASSERT_OK(db_->createUpload(u));
  }
  ASSERT_TRUE(unwrap(db_->softDeleteUpload("u3", at(kT0 + 5000, 42))));
  ASSERT_OK(db_->setSetting("authentication_signature_key", std::string(64, 'k')));
  ASSERT_OK(db_->setSetting("other", "with \"quotes\" and\nnewline"));

  std::stringstream dump;
  auto exported = unwrap(exportMetadata(*db_, dump));
  EXPECT_EQ(exported.uploads, 120);
  EXPECT_EQ(exported.settings, 2);
  EXPECT_EQ(exported.files, 30 * (0 + 1 + 2 + 3));

  auto fresh = open("fresh.db");
  std::stringstream in(dump.str());
  auto imported = unwrap(importMetadata(*fresh, in, false));
  EXPECT_EQ(imported.uploads, 120);
  EXPECT_EQ(imported.uploadsTotal, 120);
  EXPECT_EQ(imported.files, exported.files);
  EXPECT_EQ(imported.settings, 2);
  EXPECT_EQ(imported.errors, 0);

  std::vector<Upload> a, b;
  ASSERT_OK(db_->forEachUpload([&](const Upload& u) -> Status {
    a.push_back(u);
    return {};
  }));
  ASSERT_OK(fresh->forEachUpload([&](const Upload& u) -> Status {
    b.push_back(u);
    return {};
  }));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) expectSameUpload(a[i], b[i]);
  EXPECT_FALSE(unwrap(fresh->getUpload("u3", false)).has_value());  // still soft-deleted
  EXPECT_EQ(unwrap(fresh->getSetting("other")), "with \"quotes\" and\nnewline");

  // A second export of the imported database is byte-identical.
  std::stringstream dump2;
  unwrap(exportMetadata(*fresh, dump2));
  EXPECT_EQ(dump.str(), dump2.str());

  // Importing again: duplicates stop the import, or are counted with ignoreErrors.
  std::stringstream again(dump.str());
  auto dup = importMetadata(*fresh, again, false);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("line 2"), std::string::npos) << dup.error().message;
  std::stringstream again2(dump.str());
  auto ignored = unwrap(importMetadata(*fresh, again2, true));
  EXPECT_EQ(ignored.uploads, 0);
  EXPECT_EQ(ignored.uploadsTotal, 120);
  EXPECT_EQ(ignored.errors, 120);
  EXPECT_EQ(ignored.settings, 2);
}

TEST_F(SqliteBackendTest, ImportRejectsMalformedInput) {
  auto run = [&](const std::string& text, bool ignore) {
    std::stringstream in(text);
    return importMetadata(*db_, in, ignore);
  };
  auto bad = run("{\"type\":\"upload\",\"id\":\"a\"}\nnot json\n", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "import line 2 : invalid JSON");
  EXPECT_TRUE(unwrap(db_->getUpload("a", false)).has_value());  // line 1 was imported

  auto unknown = run("{\"type\":\"user\",\"id\":\"local:x\"}\n", false);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown record type \"user\""), std::string::npos);

  auto noId = run("{\"type\":\"upload\",\"ttl\":5}\n", false);
  EXPECT_FALSE(noId.ok());
  auto badStatus =
      run("{\"type\":\"upload\",\"id\":\"b\",\"files\":[{\"id\":\"bf\",\"status\":\"weird\"}]}\n",
          false);
  EXPECT_FALSE(badStatus.ok());
  auto wrongType = run("{\"type\":\"upload\",\"id\":\"c\",\"ttl\":\"long\"}\n", false);
  EXPECT_FALSE(wrongType.ok());
  auto header =
      run("{\"type\":\"header\",\"format\":\"plik-cpp-metadata\",\"version\":99}\n", true);
  EXPECT_FALSE(header.ok());  // an unknown format version is never ignored

  auto lenient =
      unwrap(run("\n{\"type\":\"header\",\"format\":\"plik-cpp-metadata\",\"version\":1}\n"
                 "garbage\n{\"type\":\"token\"}\n"
                 "{\"type\":\"setting\",\"key\":\"k\",\"value\":\"v\"}\r\n",
                 true));
  EXPECT_EQ(lenient.errors, 2);
  EXPECT_EQ(lenient.settings, 1);
  EXPECT_EQ(unwrap(db_->getSetting("k")), "v");
}

}  // namespace
}  // namespace plik
