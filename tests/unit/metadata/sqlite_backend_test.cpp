// SQLite-only behaviours (WAL, in-memory databases, the sqlite3 factory). Everything the
// backends share runs on both in backend_test.cpp.
#include "metadata/sqlite/sqlite_backend.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "metadata/migrations.hpp"
#include "metadata_test_support.hpp"

namespace plik {
namespace {

namespace fs = std::filesystem;
using namespace plik::testing;

class SqliteBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("plik-sqlite-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    SqliteOptions o;
    o.path = path();
    db_ = unwrap(SqliteBackend::open(o));
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  std::string path(const std::string& name = "plik.db") { return (dir_ / name).string(); }

  std::string rawQuery(const std::string& sql) { return plik::testing::sqliteScalar(path(), sql); }

  fs::path dir_;
  std::unique_ptr<SqliteBackend> db_;
};

TEST_F(SqliteBackendTest, OpenEnablesWalAndRecordsSchemaVersion) {
  EXPECT_EQ(unwrap(db_->schemaVersion()), sqliteMigrations().back().version);
  EXPECT_EQ(rawQuery("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteBackendTest, OpenMetadataBackendDrivers) {
  auto b = openMetadataBackend({{"driver", "sqlite3"}, {"connectionstring", path("other.db")}});
  ASSERT_TRUE(b.ok()) << b.error().message << b.error().detail;
  ASSERT_OK(b.value()->createUpload(makeUpload("x")));
  EXPECT_TRUE(fs::exists(path("other.db")));

  auto bad = openMetadataBackend({{"Driver", "mysql"}, {"ConnectionString", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "invalid metadata backend driver mysql");

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

}  // namespace
}  // namespace plik
