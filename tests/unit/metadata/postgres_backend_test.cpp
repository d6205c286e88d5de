// PostgreSQL-only behaviours, on a real server started by the tests: several backend objects on
// one database (several plikd instances), the connection pool bound, surviving a server restart,
// the postgres factory, and moving metadata from SQLite to PostgreSQL with export/import.
#include "metadata/postgres/postgres_backend.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <set>
#include <sstream>
#include <thread>

#include "metadata/export_import.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "metadata_test_support.hpp"

namespace plik {
namespace {

namespace fs = std::filesystem;
using namespace plik::testing;

class PostgresBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = makeHarness("postgres");
    h_->setUp();
    if (HasFatalFailure()) return;
    url_ = h_->config("plik")["ConnectionString"];
  }

  std::unique_ptr<PostgresBackend> open(int maxOpen = 10) {
    PostgresOptions o;
    o.connectionString = url_;
    o.maxOpenConnections = maxOpen;
    o.maxIdleConnections = maxOpen;
    o.acquireTimeout = std::chrono::seconds(20);
    return unwrap(PostgresBackend::open(o));
  }

  std::unique_ptr<BackendHarness> h_;
  std::string url_;
};

TEST_F(PostgresBackendTest, SchemaVersionAndTypes) {
  auto db = open();
  EXPECT_EQ(unwrap(db->schemaVersion()), postgresMigrations().back().version);
  EXPECT_EQ(postgresMigrations().size(), sqliteMigrations().size());
  for (size_t i = 0; i < postgresMigrations().size(); ++i) {
    EXPECT_EQ(postgresMigrations()[i].version, sqliteMigrations()[i].version);
    EXPECT_EQ(postgresMigrations()[i].name, sqliteMigrations()[i].name);
  }
  EXPECT_EQ(pgQuery(url_,
                    "SELECT data_type FROM information_schema.columns WHERE table_name = "
                    "'uploads' AND column_name = 'created_at'"),
            "bigint");
  // Nanosecond timestamps beyond 2^53 round-trip exactly.
  Upload u = makeUpload("big");
  u.createdAt = at(4102444800, 999999999);  // 2100-01-01
  u.expireAt = at(4102444800 + 1, 1);
  ASSERT_OK(db->createUpload(u));
  expectSameUpload(u, *unwrap(db->getUpload("big", true)));
}

TEST_F(PostgresBackendTest, CasAcrossInstancesHasExactlyOneWinner) {
  // Three backend objects = three plikd instances, each with its own pool.
  std::vector<std::unique_ptr<PostgresBackend>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(open(4));
  constexpr int kThreads = 9;
  constexpr int kRounds = 30;
  Upload u = makeUpload("race");
  for (int r = 0; r < kRounds; ++r) u.files.push_back(makeFile("r" + std::to_string(r), "race"));
  ASSERT_OK(instances[0]->createUpload(u));
  for (int r = 0; r < kRounds; ++r) {
    const std::string id = "r" + std::to_string(r);
    std::latch start(kThreads);
    std::atomic<int> wins{0}, errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto& db = *instances[static_cast<size_t>(t) % instances.size()];
        start.arrive_and_wait();
        Result<bool> res = false;
        switch (t % 3) {
          case 0:
            res = db.casFileStatus(id, FileStatus::Missing, FileStatus::Uploading);
            break;
          case 1:
            res = db.beginFileUpload(id, "i" + std::to_string(t));
            break;
          default:
            res = db.completeFile(id, FileStatus::Missing, FileStatus::Uploaded,
                                  {"md5", "text/plain", 1, ""});
        }
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
  }
}

TEST_F(PostgresBackendTest, CreateFileIfBelowAcrossInstances) {
  std::vector<std::unique_ptr<PostgresBackend>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(open(3));
  constexpr int kThreads = 12;
  constexpr int kAttempts = 6;
  constexpr int kLimit = 17;
  ASSERT_OK(instances[0]->createUpload(makeUpload("lim", kT0, 2)));
  std::latch start(kThreads);
  std::atomic<int> created{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto& db = *instances[static_cast<size_t>(t) % instances.size()];
      start.arrive_and_wait();
      for (int a = 0; a < kAttempts; ++a) {
        auto r = db.createFileIfBelow(
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
  EXPECT_EQ(created.load(), kLimit - 2);
  EXPECT_EQ(pgQuery(url_, "SELECT count(*) FROM files WHERE upload_id = 'lim'"),
            std::to_string(kLimit));
}

TEST_F(PostgresBackendTest, ConcurrentCleanersAgree) {
  // Every instance runs the cleaner at the same time: each expired upload is counted once.
  auto seed = open();
  constexpr int kUploads = 60;
  for (int i = 0; i < kUploads; ++i) {
    Upload u = makeUpload("e" + std::to_string(i), kT0, 2);
    u.expireAt = at(kT0 + 10);
    u.files[0].status = FileStatus::Uploaded;
    ASSERT_OK(seed->createUpload(u));
  }
  std::vector<std::unique_ptr<PostgresBackend>> instances;
  for (int i = 0; i < 4; ++i) instances.push_back(open(2));
  std::latch start(static_cast<std::ptrdiff_t>(instances.size()));
  std::atomic<int64_t> total{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (auto& inst : instances) {
    threads.emplace_back([&, db = inst.get()] {
      start.arrive_and_wait();
      auto r = db->softDeleteExpiredUploads(at(kT0 + 100));
      if (!r.ok()) {
        ++errors;
        return;
      }
      total += r.value();
      if (!db->purgeDeletedUploads().ok()) ++errors;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(total.load(), kUploads);
  EXPECT_EQ(pgQuery(url_, "SELECT count(*) FROM files WHERE status = 'removed'"),
            std::to_string(kUploads));
  EXPECT_EQ(pgQuery(url_, "SELECT count(*) FROM files WHERE status = 'deleted'"),
            std::to_string(kUploads));
}

TEST_F(PostgresBackendTest, PoolNeverExceedsMaxOpenConns) {
  auto db = open(2);
  ASSERT_OK(db->createUpload(makeUpload("p", kT0, 1)));
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0}, maxSeen{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        if (!db->getUpload("p", true).ok()) ++errors;
      }
    });
  }
  std::thread watcher([&] {
    while (!stop) {
      int n = std::stoi(pgQuery(url_,
                                "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                "'plikd' AND datname = current_database()"));
      maxSeen = std::max(maxSeen.load(), n);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  watcher.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GE(maxSeen.load(), 1);
  EXPECT_LE(maxSeen.load(), 2);
}

TEST_F(PostgresBackendTest, SurvivesServerRestart) {
  PostgresServer server(false);  // private: stopping it must not disturb other test processes
  ASSERT_TRUE(server.ok()) << server.error();
  server.createDatabase("restart");
  PostgresOptions o;
  o.connectionString = server.url("restart");
  o.maxOpenConnections = 4;
  o.maxIdleConnections = 4;
  auto db = unwrap(PostgresBackend::open(o));
  ASSERT_OK(db->createUpload(makeUpload("before", kT0, 1)));
  // Fill the pool with several connections.
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10; ++i) (void)db->getUpload("before", true);
      });
    }
    for (auto& th : threads) th.join();
  }
  ASSERT_TRUE(server.stop());
  // While it is down: clean errors, quickly, never a hang or a crash.
  for (int i = 0; i < 6; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = db->getUpload("before", false);
    auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_FALSE(r.ok());
    if (!r.ok()) {
      EXPECT_EQ(r.error().status, 500);
      EXPECT_FALSE(r.error().message.empty());
    }
    EXPECT_LT(elapsed, std::chrono::seconds(10));
  }
  EXPECT_FALSE(db->casFileStatus("before-f0", FileStatus::Missing, FileStatus::Uploading).ok());
  ASSERT_TRUE(server.start()) << server.error();
  // Back: the very next calls work, from every pooled connection.
  auto again = db->getUpload("before", true);
  ASSERT_TRUE(again.ok()) << again.error().message << " : " << again.error().detail;
  ASSERT_TRUE(again.value().has_value());
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (!db->getUpload("before", true).ok()) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_TRUE(unwrap(db->casFileStatus("before-f0", FileStatus::Missing, FileStatus::Uploading)));
  ASSERT_OK(db->createUpload(makeUpload("after")));
}

TEST_F(PostgresBackendTest, KilledSessionsAreReplacedTransparently) {
  // An administrator (or an idle-session timeout, or a failover proxy) closes the pooled
  // connections: the next calls notice it when leasing and reconnect, without an error.
  auto db = open(4);
  ASSERT_OK(db->createUpload(makeUpload("k", kT0, 1)));
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10; ++i) (void)db->getUpload("k", true);
      });
    }
    for (auto& th : threads) th.join();
  }
  std::string killed = pgQuery(url_,
                               "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE application_name = 'plikd' AND datname = current_database()");
  EXPECT_NE(killed, "0");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < 8; ++i) {
    auto r = db->getUpload("k", true);
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().message << " : " << r.error().detail;
    EXPECT_TRUE(r.value().has_value());
  }
}

TEST_F(PostgresBackendTest, DeadlockVictimIsRetried) {
  // Another session (another instance, an admin) locks rows in the opposite order of
  // softDeleteUpload: PostgreSQL aborts the backend's transaction (40P01), which is retried.
  auto db = open(2);
  ASSERT_OK(db->createUpload(makeUpload("dl", kT0, 2)));
  PGconn* raw = PQconnectdb(url_.c_str());
  ASSERT_EQ(PQstatus(raw), CONNECTION_OK) << PQerrorMessage(raw);
  auto exec = [&](const char* sql) {
    PGresult* r = PQexec(raw, sql);
    std::string err = PQresultStatus(r) == PGRES_COMMAND_OK ? "" : PQresultErrorMessage(r);
    PQclear(r);
    return err;
  };
  // The other session must not be the victim: it checks for deadlocks much later.
  ASSERT_EQ(exec("SET deadlock_timeout = '30s'"), "");
  ASSERT_EQ(exec("BEGIN"), "");
  ASSERT_EQ(exec("UPDATE files SET md5 = 'other' WHERE id = 'dl-f1'"), "");
  Result<bool> deleted = false;
  std::thread t([&] { deleted = db->softDeleteUpload("dl", at(kT0 + 1)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // t now waits for dl-f1
  EXPECT_EQ(exec("UPDATE uploads SET comments = 'other' WHERE id = 'dl'"), "");  // deadlock
  EXPECT_EQ(exec("COMMIT"), "");
  t.join();
  PQfinish(raw);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message << " : " << deleted.error().detail;
  EXPECT_TRUE(deleted.value());
  EXPECT_EQ(pgQuery(url_, "SELECT comments FROM uploads WHERE id = 'dl'"), "other");
  EXPECT_EQ(pgQuery(url_,
                    "SELECT count(*) FROM files WHERE upload_id = 'dl' AND status = "
                    "'deleted'"),
            "2");
  EXPECT_NE(pgQuery(url_, "SELECT deleted_at FROM uploads WHERE id = 'dl'"), "NULL");
}

TEST_F(PostgresBackendTest, OpenMetadataBackendPostgres) {
  auto b = openMetadataBackend({{"driver", "postgres"},
                                {"connectionstring", url_},
                                {"MaxOpenConns", "3"},
                                {"MaxIdleConns", "1"}});
  ASSERT_TRUE(b.ok()) << b.error().message << b.error().detail;
  ASSERT_OK(b.value()->createUpload(makeUpload("x")));
  b.value().reset();

  // Plik's conninfo form works too.
  auto kv = openMetadataBackend(
      {{"Driver", "postgres"},
       {"ConnectionString",
        "host=127.0.0.1 port=" + std::to_string(PostgresServer::instance().port()) +
            " user=plik dbname=" +
            url_.substr(url_.rfind('/') + 1, url_.find('?') - url_.rfind('/') - 1) +
            " sslmode=disable"}});
  ASSERT_TRUE(kv.ok()) << kv.error().message << kv.error().detail;
  EXPECT_TRUE(unwrap(kv.value()->getUpload("x", false)).has_value());
  kv.value().reset();

  // EraseFirst (tests) starts from an empty database.
  auto erased = openMetadataBackend(
      {{"Driver", "postgres"}, {"ConnectionString", url_}, {"EraseFirst", "true"}});
  ASSERT_TRUE(erased.ok()) << erased.error().message << erased.error().detail;
  EXPECT_FALSE(unwrap(erased.value()->getUpload("x", false)).has_value());

  auto badConns = openMetadataBackend(
      {{"Driver", "postgres"}, {"ConnectionString", url_}, {"MaxOpenConns", "many"}});
  EXPECT_FALSE(badConns.ok());
  auto missing = openMetadataBackend({{"Driver", "postgres"}});
  EXPECT_FALSE(missing.ok());

  // Nobody listening: a clean error, quickly.
  auto t0 = std::chrono::steady_clock::now();
  auto down = openMetadataBackend(
      {{"Driver", "postgres"},
       {"ConnectionString", "postgres://plik@127.0.0.1:1/none?sslmode=disable"}});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().message, "unable to connect to metadata database");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_F(PostgresBackendTest, ExportFromSqliteImportIntoPostgres) {
  const fs::path dir =
      fs::temp_directory_path() / ("plik-sqlite-to-pg-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  SqliteOptions so;
  so.path = (dir / "plik.db").string();
  auto sqlite = unwrap(SqliteBackend::open(so));
  for (int i = 0; i < 150; ++i) {
    Upload u = makeUpload("u" + std::to_string(i), kT0 + i % 11, i % 4);
    u.user = i % 5 ? "" : "google:someone@example.com";
    u.stream = i % 2;
    if (i % 7 == 0) u.expireAt.reset();
    if (!u.files.empty()) u.files[0].status = FileStatus::Uploaded;
    ASSERT_OK(sqlite->createUpload(u));
  }
  ASSERT_TRUE(unwrap(sqlite->softDeleteUpload("u3", at(kT0 + 5000, 42))));
  ASSERT_OK(sqlite->setSetting("authentication_signature_key", std::string(64, 'k')));
  std::stringstream dump;
  auto exported = unwrap(exportMetadata(*sqlite, dump));
  EXPECT_EQ(exported.uploads, 150);

  auto pg = open();
  std::stringstream in(dump.str());
  auto imported = unwrap(importMetadata(*pg, in, false));
  EXPECT_EQ(imported.uploads, 150);
  EXPECT_EQ(imported.files, exported.files);
  EXPECT_EQ(imported.settings, 1);

  auto a = allUploads(*sqlite);
  auto b = allUploads(*pg);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) expectSameUpload(a[i], b[i]);
  EXPECT_FALSE(unwrap(pg->getUpload("u3", false)).has_value());
  EXPECT_TRUE(unwrap(pg->getUpload("u4", true)).has_value());
  EXPECT_EQ(unwrap(pg->getSetting("authentication_signature_key")), std::string(64, 'k'));

  // Back from PostgreSQL: the same bytes.
  std::stringstream dump2;
  unwrap(exportMetadata(*pg, dump2));
  EXPECT_EQ(dump.str(), dump2.str());

  // And PostgreSQL -> a fresh SQLite gives the same again.
  SqliteOptions so2;
  so2.path = (dir / "back.db").string();
  auto back = unwrap(SqliteBackend::open(so2));
  std::stringstream in2(dump2.str());
  unwrap(importMetadata(*back, in2, false));
  std::stringstream dump3;
  unwrap(exportMetadata(*back, dump3));
  EXPECT_EQ(dump.str(), dump3.str());
  sqlite.reset();
  back.reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace plik
