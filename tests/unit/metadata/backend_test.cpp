// The metadata backend suite, run on every backend: SQLite (a file in a temporary directory) and
// PostgreSQL (a real server started by the tests, one database per test). Every method, CAS races,
// concurrent migrations, cleaning, listings, and the JSON-lines export/import.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <latch>
#include <set>
#include <sstream>
#include <thread>

#include "metadata/export_import.hpp"
#include "metadata/migrations.hpp"
#include "metadata_test_support.hpp"

namespace plik {
namespace {

using namespace plik::testing;

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    h_ = makeHarness(GetParam());
    h_->setUp();
    if (HasFatalFailure()) return;
    db_ = openDb();
  }
  void TearDown() override {
    db_.reset();
    if (h_) h_->tearDown();
  }

  std::unique_ptr<MetadataBackend> openDb(const std::string& name = "plik") {
    return unwrap(h_->open(name));
  }
  void rawExec(const std::string& sql, const std::string& name = "plik") { h_->rawExec(sql, name); }
  std::string rawQuery(const std::string& sql, const std::string& name = "plik") {
    return h_->rawQuery(sql, name);
  }
  std::string latestVersion() { return std::to_string(sqliteMigrations().back().version); }

  FileStatus statusOf(const std::string& fileId) {
    auto f = unwrap(db_->getFile(fileId));
    EXPECT_TRUE(f.has_value()) << fileId;
    return f ? f->status : FileStatus::Missing;
  }

  std::unique_ptr<BackendHarness> h_;
  std::unique_ptr<MetadataBackend> db_;
};

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// ---------------------------------------------------------------- opening, migrations

TEST_P(BackendTest, OpenAppliesMigrationsAndForeignKeys) {
  EXPECT_EQ(rawQuery("SELECT max(version) FROM schema_migrations"), latestVersion());
  EXPECT_EQ(rawQuery("SELECT count(*) FROM schema_migrations"),
            std::to_string(sqliteMigrations().size()));
  EXPECT_EQ(rawQuery("SELECT name FROM schema_migrations WHERE version = 1"), "0001-initial");
  for (const char* table : {"uploads", "files", "users", "tokens", "settings"}) {
    EXPECT_EQ(rawQuery(h_->tableExistsSql(table)), "1") << table;
  }
  // Foreign keys are enforced on the backend's connections.
  auto s = db_->createFile(makeFile("orphan", "no-such-upload"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error().status, 500);
  EXPECT_NE(lower(s.error().detail).find("foreign key"), std::string::npos) << s.error().detail;
}

TEST_P(BackendTest, ReopenIsIdempotent) {
  ASSERT_OK(db_->createUpload(makeUpload("u1", kT0, 1)));
  db_.reset();
  db_ = openDb();
  db_.reset();
  db_ = openDb();
  EXPECT_EQ(rawQuery("SELECT count(*) FROM schema_migrations"),
            std::to_string(sqliteMigrations().size()));
  EXPECT_TRUE(unwrap(db_->getUpload("u1", true)).has_value());
}

TEST_P(BackendTest, NewerSchemaIsRefused) {
  rawExec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
  auto r = h_->open();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("999"), std::string::npos) << r.error().message;
}

TEST_P(BackendTest, ConcurrentOpensMigrateOnce) {
  for (int round = 0; round < 3; ++round) {
    const std::string name = "concurrent" + std::to_string(round);
    (void)h_->config(name);  // creates the PostgreSQL database before the race
    constexpr int kOpeners = 4;
    std::latch start(kOpeners);
    std::atomic<int> ok{0};
    std::vector<std::string> errors(kOpeners);
    std::vector<std::thread> threads;
    for (int i = 0; i < kOpeners; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        auto r = h_->open(name);
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

TEST_P(BackendTest, ConcurrentProcessesMigrateOnce) {
  // Real processes (separate file locks / server sessions), all opening a fresh database at the
  // same moment, like several plikd instances starting together.
  constexpr int kChildren = 4;
  const std::string name = "processes";
  auto config = h_->config(name);  // creates the PostgreSQL database before forking
  const auto startAt = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  std::vector<pid_t> children;
  for (int i = 0; i < kChildren; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::this_thread::sleep_until(startAt);
      auto r = openMetadataBackend(config);
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
  EXPECT_EQ(rawQuery("SELECT count(*) FROM schema_migrations", name),
            std::to_string(sqliteMigrations().size()));
  EXPECT_EQ(rawQuery("SELECT count(*) FROM uploads", name), std::to_string(kChildren));
}

TEST_P(BackendTest, OddIdsAndTextRoundTrip) {
  // Values that would break string-built SQL or array literals: quotes, backslashes, braces,
  // commas, SQL fragments, non-ASCII.
  const std::vector<std::string> ids = {"a'b", "c\"d", "e\\f", "{g,h}", "i; DROP TABLE uploads; --",
                                        "ü-ñ", "NULL", " sp "};
  for (size_t i = 0; i < ids.size(); ++i) {
    Upload u = makeUpload(ids[i], kT0 + static_cast<int64_t>(i));
    u.files = {makeFile(ids[i] + "/file'\"\\", ids[i])};
    u.comments = ids[i] + "\n\t'\"\\";
    ASSERT_OK(db_->createUpload(u));
  }
  for (const auto& id : ids) {
    auto got = unwrap(db_->getUpload(id, true));
    ASSERT_TRUE(got.has_value()) << id;
    EXPECT_EQ(got->comments, id + "\n\t'\"\\");
    ASSERT_EQ(got->files.size(), 1u) << id;
    EXPECT_EQ(got->files[0].id, id + "/file'\"\\");
  }
  UploadListQuery q;
  q.limit = 100;
  auto page = unwrap(db_->listUploads(q));
  ASSERT_EQ(page.results.size(), ids.size());
  for (const auto& u : page.results) EXPECT_EQ(u.files.size(), 1u) << u.id;
  auto all = allUploads(*db_);
  ASSERT_EQ(all.size(), ids.size());
  for (const auto& u : all) EXPECT_EQ(u.files.size(), 1u) << u.id;
  EXPECT_EQ(rawQuery("SELECT count(*) FROM uploads"), std::to_string(ids.size()));
}

// ---------------------------------------------------------------- uploads

TEST_P(BackendTest, CreateAndGetUpload) {
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

TEST_P(BackendTest, CreateUploadIsAtomic) {
  ASSERT_OK(db_->createUpload(makeUpload("dup")));
  auto again = db_->createUpload(makeUpload("dup"));
  EXPECT_FALSE(again.ok());
  EXPECT_NE(lower(again.error().detail).find("unique"), std::string::npos) << again.error().detail;

  Upload broken = makeUpload("broken", kT0, 2);
  broken.files[1].id = broken.files[0].id;  // second insert fails
  EXPECT_FALSE(db_->createUpload(broken).ok());
  EXPECT_FALSE(unwrap(db_->getUpload("broken", false)).has_value());
  EXPECT_FALSE(unwrap(db_->getFile(broken.files[0].id)).has_value());
}

TEST_P(BackendTest, FilesAreOrderedByCreationThenId) {
  Upload u = makeUpload("ord");
  u.files = {makeFile("c", "ord", kT0 + 1), makeFile("b", "ord", kT0), makeFile("a", "ord", kT0)};
  ASSERT_OK(db_->createUpload(u));
  auto got = unwrap(db_->getUpload("ord", true));
  ASSERT_EQ(got->files.size(), 3u);
  EXPECT_EQ(got->files[0].id, "a");
  EXPECT_EQ(got->files[1].id, "b");
  EXPECT_EQ(got->files[2].id, "c");
}

TEST_P(BackendTest, SetUploadExpireAt) {
  ASSERT_OK(db_->createUpload(makeUpload("u")));
  ASSERT_OK(db_->setUploadExpireAt("u", at(kT0 + 99999, 7)));
  EXPECT_EQ(unwrap(db_->getUpload("u", false))->expireAt, at(kT0 + 99999, 7));
  ASSERT_OK(db_->setUploadExpireAt("u", std::nullopt));
  EXPECT_FALSE(unwrap(db_->getUpload("u", false))->expireAt.has_value());
  ASSERT_OK(db_->setUploadExpireAt("missing", at(kT0)));  // no-op
}

TEST_P(BackendTest, SoftDeleteUploadHidesItAndMarksFiles) {
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

TEST_P(BackendTest, CreateAndGetFile) {
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

TEST_P(BackendTest, CreateFileIfBelow) {
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

TEST_P(BackendTest, CasFileStatus) {
  ASSERT_OK(db_->createUpload(makeUpload("u", kT0, 1)));
  const std::string id = "u-f0";
  EXPECT_FALSE(unwrap(db_->casFileStatus(id, FileStatus::Uploaded, FileStatus::Removed)));
  EXPECT_EQ(statusOf(id), FileStatus::Missing);
  EXPECT_TRUE(unwrap(db_->casFileStatus(id, FileStatus::Missing, FileStatus::Uploading)));
  EXPECT_EQ(statusOf(id), FileStatus::Uploading);
  EXPECT_FALSE(unwrap(db_->casFileStatus(id, FileStatus::Missing, FileStatus::Uploading)));
  EXPECT_FALSE(unwrap(db_->casFileStatus("nope", FileStatus::Missing, FileStatus::Uploading)));
}

TEST_P(BackendTest, CompleteFile) {
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

TEST_P(BackendTest, BeginFileUploadAndCrashRecovery) {
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

// The upload lease: an instance renews the files it receives and learns which ones were taken
// away; files whose lease is older than the cut-off (a dead instance) go back to `missing`.
TEST_P(BackendTest, UploadLeaseRenewsAndExpires) {
  Upload u = makeUpload("l", kT0, 3);  // l-f0..l-f2
  ASSERT_OK(db_->createUpload(u));
  EXPECT_TRUE(unwrap(db_->beginFileUpload("l-f0", "http://a:1")));
  EXPECT_TRUE(unwrap(db_->beginFileUpload("l-f1", "http://a:1")));
  EXPECT_TRUE(unwrap(db_->beginFileUpload("l-f2", "http://b:2")));
  EXPECT_EQ(unwrap(db_->getFile("l-f0"))->instance, "http://a:1");

  auto ids = unwrap(db_->renewUploadLease("http://a:1"));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()),
            (std::set<std::string>{"l-f0", "l-f1"}));
  // Taken away elsewhere (e.g. a DELETE through another instance): no longer in A's lease.
  ASSERT_TRUE(unwrap(db_->casFileStatus("l-f1", FileStatus::Uploading, FileStatus::Missing)));
  ids = unwrap(db_->renewUploadLease("http://a:1"));
  EXPECT_EQ(ids, std::vector<std::string>{"l-f0"});

  // Nothing is older than a cut-off in the past.
  EXPECT_TRUE(unwrap(db_->resetExpiredLeases(now() - std::chrono::hours(1))).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto cut = now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  (void)unwrap(db_->renewUploadLease("http://b:2"));  // B is alive, A stopped renewing
  auto reset = unwrap(db_->resetExpiredLeases(cut));
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0].id, "l-f0");
  EXPECT_EQ(reset[0].status, FileStatus::Missing);
  EXPECT_EQ(statusOf("l-f0"), FileStatus::Missing);
  EXPECT_EQ(statusOf("l-f2"), FileStatus::Uploading);
  EXPECT_EQ(unwrap(db_->getFile("l-f0"))->instance, "");
  EXPECT_TRUE(unwrap(db_->renewUploadLease("http://a:1")).empty());
}

TEST_P(BackendTest, CasRaceHasExactlyOneWinner) {
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

TEST_P(BackendTest, CreateFileIfBelowNeverExceedsLimitUnderConcurrency) {
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

TEST_P(BackendTest, SoftDeleteExpiredUploads) {
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

TEST_P(BackendTest, CleaningCycle) {
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

TEST_P(BackendTest, PurgeRemarksFilesAddedAfterDeletion) {
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

TEST_P(BackendTest, DeleteOrphanFiles) {
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

TEST_P(BackendTest, ListUploadsPaginatesNewestFirst) {
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

TEST_P(BackendTest, ListFiles) {
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

TEST_P(BackendTest, ServerStats) {
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

TEST_P(BackendTest, Settings) {
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

TEST_P(BackendTest, ForEachUploadPagesThroughEverything) {
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

TEST_P(BackendTest, ExportThenImportGivesIdenticalUploads) {
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

  auto fresh = openDb("fresh");
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

TEST_P(BackendTest, ImportRejectsMalformedInput) {
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
