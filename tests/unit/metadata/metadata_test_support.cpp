#include "metadata_test_support.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>

namespace plik::testing {

namespace fs = std::filesystem;

File makeFile(const std::string& id, const std::string& uploadId, int64_t createdSec,
              FileStatus status) {
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

Upload makeUpload(const std::string& id, int64_t createdSec, int nFiles) {
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

void expectSameUpload(const Upload& a, const Upload& b, bool compareFiles) {
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

std::vector<Upload> allUploads(MetadataBackend& db) {
  std::vector<Upload> out;
  auto s = db.forEachUpload([&](const Upload& u) -> Status {
    out.push_back(u);
    return {};
  });
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message + " : " + s.error().detail);
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// ------------------------------------------------------------------------------------------------
// PostgreSQL server.

namespace {

int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string findBinDir() {
  if (const char* env = std::getenv("PLIK_PG_BINDIR"); env && *env) return env;
  for (const char* dir :
       {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin",
        "/usr/lib/postgresql/14/bin", "/usr/local/pgsql/bin", "/usr/bin"}) {
    if (fs::exists(fs::path(dir) / "initdb") && fs::exists(fs::path(dir) / "pg_ctl")) return dir;
  }
  return "";
}

}  // namespace

PostgresServer& PostgresServer::instance() {
  static PostgresServer server(true);
  return server;
}

std::string PostgresServer::bin(const std::string& name) const {
  return (fs::path(binDir_) / name).string();
}

std::string PostgresServer::run(const std::string& cmd, int* status) {
  std::string full = (::geteuid() == 0 ? "runuser -u postgres -- " : "") + cmd + " 2>&1";
  std::string out;
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) {
    *status = -1;
    return "popen failed";
  }
  std::array<char, 512> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  *status = ::pclose(p);
  return out;
}

namespace {

// An flock'ed file descriptor (close-on-exec: postgres must not inherit it).
int lockFile(const fs::path& path, int op) {
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (::flock(fd, op) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool chownToPostgres(const fs::path& path) {
  if (::geteuid() != 0) return true;
  std::string chown = "chown postgres: '" + path.string() + "'";
  return std::system(chown.c_str()) == 0;
}

}  // namespace

bool PostgresServer::prepareTemplate() {
  // initdb takes seconds, and ctest runs every test case in a process of its own: the first
  // process initialises a template cluster (under an flock), the others copy it.
  template_ = fs::temp_directory_path() / ("plik-pg-template-" + std::to_string(::geteuid()) + "-" +
                                           std::to_string(std::hash<std::string>{}(binDir_)));
  int lockFd = lockFile(template_.string() + ".lock", LOCK_EX);
  if (lockFd < 0) {
    error_ = "cannot lock " + template_.string() + ".lock";
    return false;
  }
  bool ok = true;
  if (!fs::exists(template_ / "data" / ".plik-complete")) {
    std::error_code ec;
    fs::remove_all(template_, ec);
    fs::create_directories(template_, ec);
    int status = chownToPostgres(template_) ? 0 : 1;
    std::string out = "chown failed";
    if (status == 0) {
      out = run("'" + bin("initdb") + "' -D '" + (template_ / "data").string() +
                    "' -A trust -U plik --no-sync -E UTF8 --locale=C --no-instructions",
                &status);
    }
    if (status == 0) {
      out = run("touch '" + (template_ / "data" / ".plik-complete").string() + "'", &status);
    }
    if (status != 0) {
      error_ = "initdb failed: " + out;
      ok = false;
    }
  }
  ::close(lockFd);
  return ok;
}

bool PostgresServer::freshCluster() {
  std::error_code ec;
  fs::remove_all(base_ / "data", ec);
  std::string cp =
      "cp -a '" + (template_ / "data").string() + "' '" + (base_ / "data").string() + "'";
  if (std::system(cp.c_str()) != 0) {
    error_ = "cannot copy the template cluster " + template_.string();
    return false;
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = freePort();
    if (start()) return true;
  }
  return false;
}

bool PostgresServer::answers() const {
  if (port_ <= 0) return false;
  return PQping(url("postgres").c_str()) == PQPING_OK;
}

PostgresServer::PostgresServer(bool shared) : shared_(shared) {
  binDir_ = findBinDir();
  if (binDir_.empty()) {
    error_ =
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql-15 "
        "(scripts/setup.sh) or set PLIK_PG_BINDIR";
    return;
  }
  if (!prepareTemplate()) return;
  if (!shared_) {
    std::string tmpl = (fs::temp_directory_path() / "plik-pg-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      error_ = "mkdtemp failed";
      return;
    }
    base_ = tmpl;
    if (!chownToPostgres(base_)) {
      error_ = "cannot give " + base_.string() + " to the postgres user";
      return;
    }
    ok_ = freshCluster();
    return;
  }
  // Shared by the test processes of this user: whoever comes first starts it, the last one to
  // leave stops it. controlFd_ serialises joining and leaving; usersFd_ holds a shared lock per
  // process using the server (released by the kernel if a process dies).
  base_ = template_.string() + "-shared";
  std::error_code ec;
  fs::create_directories(base_, ec);
  if (!chownToPostgres(base_)) {
    error_ = "cannot give " + base_.string() + " to the postgres user";
    return;
  }
  int control = lockFile(base_ / "control.lock", LOCK_EX);
  if (control < 0) {
    error_ = "cannot lock " + (base_ / "control.lock").string();
    return;
  }
  usersFd_ = lockFile(base_ / "users.lock", LOCK_SH);
  if (usersFd_ < 0) {
    error_ = "cannot lock " + (base_ / "users.lock").string();
  } else {
    std::ifstream portFile(base_ / "port");
    if (!(portFile >> port_) || !answers()) {
      if (fs::exists(base_ / "data" / "postmaster.pid")) {  // a dead or stale server
        int status = 0;
        run("'" + bin("pg_ctl") + "' -D '" + (base_ / "data").string() + "' -m immediate stop",
            &status);
      }
      if (freshCluster()) {
        std::ofstream(base_ / "port") << port_;
        ok_ = true;
      }
    } else {
      ok_ = true;
    }
  }
  ::close(control);
}

PostgresServer::~PostgresServer() {
  if (!shared_) {
    if (ok_) stop();
    if (!base_.empty()) {
      std::error_code ec;
      fs::remove_all(base_, ec);
    }
    return;
  }
  if (usersFd_ < 0) return;
  ::close(usersFd_);
  // The server outlives this process by a few seconds, so that the next test process (ctest
  // runs them one after the other) finds it running: a detached reaper stops it then, unless
  // some process uses it again (holds a shared lock on users.lock).
  const std::string data = (base_ / "data").string();
  const std::string stopCmd = (::geteuid() == 0 ? "runuser -u postgres -- '" : "'") +
                              bin("pg_ctl") + "' -D '" + data + "' -m fast -w -t 30 stop";
  const std::string inner = "flock -xn '" + (base_ / "users.lock").string() + "' true && { " +
                            stopCmd + "; rm -f '" + (base_ / "port").string() + "'; rm -rf '" +
                            data + "'; }";
  std::string reaper =
      "sleep 3; flock -x '" + (base_ / "control.lock").string() + "' sh -c \"" + inner + "\"";
  std::string cmd = "setsid sh -c \"";
  for (char c : reaper) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') cmd += '\\';
    cmd += c;
  }
  cmd += "\" </dev/null >/dev/null 2>&1 &";
  if (std::system(cmd.c_str()) != 0) {
    // Could not start the reaper: stop now if nobody else uses the server.
    int control = lockFile(base_ / "control.lock", LOCK_EX);
    int users = lockFile(base_ / "users.lock", LOCK_EX | LOCK_NB);
    if (users >= 0) {
      stop();
      std::error_code ec;
      fs::remove(base_ / "port", ec);
      ::close(users);
    }
    if (control >= 0) ::close(control);
  }
}

bool PostgresServer::start() {
  int status = 0;
  std::string opts = "-p " + std::to_string(port_) + " -k '" + base_.string() +
                     "' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                     "-c full_page_writes=off -c max_connections=300";
  std::string out =
      run("'" + bin("pg_ctl") + "' -D '" + (base_ / "data").string() + "' -l '" +
              (base_ / "server.log").string() + "' -o \"" + opts + "\" -w -t 30 start",
          &status);
  if (status != 0) {
    error_ = "pg_ctl start failed: " + out;
    return false;
  }
  error_.clear();
  return true;
}

bool PostgresServer::stop() {
  int status = 0;
  run("'" + bin("pg_ctl") + "' -D '" + (base_ / "data").string() + "' -m fast -w -t 30 stop",
      &status);
  return status == 0;
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgres://plik@127.0.0.1:" + std::to_string(port_) + "/" + database + "?sslmode=disable";
}

void PostgresServer::dropDatabase(const std::string& database) {
  {
    std::lock_guard lk(mu_);
    if (!databases_.erase(database)) return;
  }
  pgQuery(url("postgres"), "DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
}

void PostgresServer::createDatabase(const std::string& database) {
  std::lock_guard lk(mu_);
  if (databases_.count(database)) return;
  // Identifiers are ours (letters, digits, underscores): quoted for safety all the same.
  pgQuery(url("postgres"), "CREATE DATABASE \"" + database + "\" STRATEGY FILE_COPY");
  databases_.insert(database);
}

std::string pgQuery(const std::string& url, const std::string& sql, bool disableForeignKeys) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    ADD_FAILURE() << "connect " << url << ": " << PQerrorMessage(c);
    PQfinish(c);
    return "";
  }
  if (disableForeignKeys) PQclear(PQexec(c, "SET session_replication_role = replica"));
  PGresult* r = PQexec(c, sql.c_str());
  std::string out;
  auto st = PQresultStatus(r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
  } else if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) {
    out = PQgetisnull(r, 0, 0) ? "NULL" : PQgetvalue(r, 0, 0);
  }
  PQclear(r);
  PQfinish(c);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Harnesses.

namespace {

std::atomic<int> gCounter{0};

class SqliteHarness final : public BackendHarness {
 public:
  std::string kind() const override { return "sqlite"; }
  void setUp() override {
    dir_ = fs::temp_directory_path() /
           ("plik-meta-test-" + std::to_string(::getpid()) + "-" + std::to_string(gCounter++));
    fs::create_directories(dir_);
  }
  void tearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) { return (dir_ / (name + ".db")).string(); }
  std::map<std::string, std::string> config(const std::string& name) override {
    return {{"Driver", "sqlite3"}, {"ConnectionString", path(name)}};
  }
  void rawExec(const std::string& sql, const std::string& name) override {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path(name).c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  std::string rawQuery(const std::string& sql, const std::string& name) override {
    return sqliteScalar(path(name), sql);
  }
  std::string tableExistsSql(const std::string& table) const override {
    return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'";
  }

 private:
  fs::path dir_;
};

class PostgresHarness final : public BackendHarness {
 public:
  std::string kind() const override { return "postgres"; }
  void setUp() override {
    auto& server = PostgresServer::instance();
    ASSERT_TRUE(server.ok()) << server.error();
    prefix_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(gCounter++) + "_";
  }
  void tearDown() override {
    for (const auto& d : created_) PostgresServer::instance().dropDatabase(d);
  }
  std::string db(const std::string& name) {
    std::string d = prefix_;
    for (char c : name) d += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    PostgresServer::instance().createDatabase(d);
    created_.insert(d);
    return d;
  }
  std::string url(const std::string& name) { return PostgresServer::instance().url(db(name)); }
  std::map<std::string, std::string> config(const std::string& name) override {
    return {{"Driver", "postgres"}, {"ConnectionString", url(name)}};
  }
  void rawExec(const std::string& sql, const std::string& name) override {
    pgQuery(url(name), sql, true);
  }
  std::string rawQuery(const std::string& sql, const std::string& name) override {
    return pgQuery(url(name), sql);
  }
  std::string tableExistsSql(const std::string& table) const override {
    return "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND "
           "table_name = '" +
           table + "'";
  }

 private:
  std::string prefix_;
  std::set<std::string> created_;
};

}  // namespace

std::string sqliteScalar(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
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

std::unique_ptr<BackendHarness> makeHarness(const std::string& kind) {
  if (kind == "postgres") return std::make_unique<PostgresHarness>();
  return std::make_unique<SqliteHarness>();
}

}  // namespace plik::testing
