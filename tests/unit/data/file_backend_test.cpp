// Unit tests of the local-disk data backend (layout, part files, ranges, removal, disk full),
// the backend factory and the in-memory test double.
#include "data/file/file_backend.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/data_backend_factory.hpp"
#include "data/testing/memory_backend.hpp"
#include "run_sync.hpp"

namespace plik {
namespace {

namespace fs = std::filesystem;
using testing::runSync;

File makeFile(std::string id, std::string uploadId = "UpLoAdIdUpLoAdId") {
  File f;
  f.id = std::move(id);
  f.uploadId = std::move(uploadId);
  return f;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void spit(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::vector<std::string> listDir(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename());
  return names;
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

class FileBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/plik-file-backend-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ / "data" / "files";
    backend_ = std::make_unique<FileBackend>(dir_.string());
  }
  void TearDown() override {
    backend_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  Status writeAndCommit(const File& f, const std::string& bytes, size_t chunk = 4096) {
    auto w = runSync(io_, backend_->create(f));
    if (!w) return w.error();
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      std::span<const char> part(bytes.data() + i, std::min(chunk, bytes.size() - i));
      if (auto st = runSync(io_, (*w)->write(part)); !st) return st;
    }
    auto details = runSync(io_, (*w)->commit());
    if (!details) return details.error();
    EXPECT_EQ(*details, "");
    return {};
  }

  Result<std::string> readAll(const File& f, int64_t offset = 0, int64_t length = -1,
                              size_t bufSize = 1000) {
    auto r = runSync(io_, backend_->open(f, offset, length));
    if (!r) return r.error();
    std::string out;
    std::vector<char> buf(bufSize);
    for (;;) {
      auto n = runSync(io_, (*r)->read(buf));
      if (!n) return n.error();
      if (*n == 0) break;
      out.append(buf.data(), *n);
    }
    return out;
  }

  asio::io_context io_;
  fs::path root_;
  fs::path dir_;
  std::unique_ptr<FileBackend> backend_;
};

TEST_F(FileBackendTest, ConstructorCreatesDirectoryWithMode0750) {
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0750 & ~mask);
  EXPECT_EQ(backend_->directory(), dir_.string());
  FileBackend again(dir_.string() + "/");  // existing directory, trailing slash
  EXPECT_EQ(again.directory(), dir_.string());
}

TEST_F(FileBackendTest, ConstructorThrowsWhenDirectoryIsAFile) {
  spit(root_ / "plain", "x");
  EXPECT_THROW(FileBackend((root_ / "plain").string()), std::system_error);
}

TEST_F(FileBackendTest, LayoutUsesTwoCharPrefix) {
  File f = makeFile("abcdefghijklmnop", "UPLOADxxxxxxxxxx");
  EXPECT_EQ(backend_->pathOf(f), dir_.string() + "/ab/abcdefghijklmnop");
  EXPECT_EQ(backend_->legacyPathOf(f), dir_.string() + "/UP/UPLOADxxxxxxxxxx/abcdefghijklmnop");
}

TEST_F(FileBackendTest, WriteCommitReadBack) {
  File f = makeFile("abcdefghijklmnop");
  const std::string data = pattern(300000);
  ASSERT_TRUE(writeAndCommit(f, data, 65536));
  fs::path finalPath = dir_ / "ab" / "abcdefghijklmnop";
  EXPECT_EQ(slurp(finalPath), data);
  EXPECT_EQ(listDir(dir_ / "ab"), std::vector<std::string>{"abcdefghijklmnop"});
  struct stat st {};
  ASSERT_EQ(::stat(finalPath.c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0640 & ~mask);

  auto all = readAll(f);
  ASSERT_TRUE(all) << all.error().detail;
  EXPECT_EQ(*all, data);

  auto middle = readAll(f, 12345, 50000, 777);
  ASSERT_TRUE(middle);
  EXPECT_EQ(*middle, data.substr(12345, 50000));

  auto tail = readAll(f, 299990, -1);
  ASSERT_TRUE(tail);
  EXPECT_EQ(*tail, data.substr(299990));

  auto atEnd = readAll(f, 300000, -1);
  ASSERT_TRUE(atEnd);
  EXPECT_EQ(*atEnd, "");

  auto exact = readAll(f, 0, 300000);
  ASSERT_TRUE(exact);
  EXPECT_EQ(*exact, data);
}

TEST_F(FileBackendTest, ReaderExposesFdAndOffsetForSendfile) {
  File f = makeFile("abcdefghijklmnop");
  const std::string data = pattern(10000);
  ASSERT_TRUE(writeAndCommit(f, data));
  auto r = runSync(io_, backend_->open(f, 100, 50));
  ASSERT_TRUE(r);
  int fd = (*r)->nativeFd();
  ASSERT_GE(fd, 0);
  EXPECT_EQ((*r)->offset(), 100);
  EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  char buf[50];
  ASSERT_EQ(::pread(fd, buf, sizeof buf, (*r)->offset()), 50);
  EXPECT_EQ(std::string(buf, 50), data.substr(100, 50));
}

TEST_F(FileBackendTest, OutOfRangeIs416) {
  File f = makeFile("abcdefghijklmnop");
  ASSERT_TRUE(writeAndCommit(f, pattern(100)));
  for (auto [off, len] : std::vector<std::pair<int64_t, int64_t>>{
           {101, -1}, {101, 0}, {50, 51}, {-1, 10}, {0, 101}}) {
    auto r = runSync(io_, backend_->open(f, off, len));
    ASSERT_FALSE(r) << off << " " << len;
    EXPECT_EQ(r.error().status, 416) << off << " " << len;
  }
  auto ok = runSync(io_, backend_->open(f, 50, 50));
  EXPECT_TRUE(ok);
}

TEST_F(FileBackendTest, EmptyFile) {
  File f = makeFile("emptyemptyempty0");
  ASSERT_TRUE(writeAndCommit(f, ""));
  auto all = readAll(f);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, "");
}

TEST_F(FileBackendTest, MissingFileIsInternalError) {
  auto r = runSync(io_, backend_->open(makeFile("nosuchfilexxxxxx"), 0, -1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_EQ(r.error().message, "unable to get file from data backend");
  EXPECT_EQ(r.error().detail, std::strerror(ENOENT));
}

TEST_F(FileBackendTest, NotVisibleBeforeCommit) {
  File f = makeFile("abcdefghijklmnop");
  auto w = runSync(io_, backend_->create(f));
  ASSERT_TRUE(w);
  std::string data = "hello world";
  ASSERT_TRUE(runSync(io_, (*w)->write(data)));
  auto r = runSync(io_, backend_->open(f, 0, -1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_FALSE(fs::exists(dir_ / "ab" / "abcdefghijklmnop"));
  auto names = listDir(dir_ / "ab");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0].rfind("abcdefghijklmnop.part.", 0), 0u) << names[0];
  EXPECT_EQ(slurp(dir_ / "ab" / names[0]), data);

  ASSERT_TRUE(runSync(io_, (*w)->commit()));
  auto all = readAll(f);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, data);
  EXPECT_EQ(listDir(dir_ / "ab"), std::vector<std::string>{"abcdefghijklmnop"});
}

TEST_F(FileBackendTest, AbortRemovesPartFileAndIsIdempotent) {
  File f = makeFile("abcdefghijklmnop");
  auto w = runSync(io_, backend_->create(f));
  ASSERT_TRUE(w);
  ASSERT_TRUE(runSync(io_, (*w)->write(std::string("partial"))));
  EXPECT_EQ(listDir(dir_ / "ab").size(), 1u);
  runSync(io_, (*w)->abort());
  EXPECT_TRUE(listDir(dir_ / "ab").empty());
  runSync(io_, (*w)->abort());
  auto st = runSync(io_, (*w)->write(std::string("more")));
  EXPECT_FALSE(st);
  EXPECT_FALSE(runSync(io_, (*w)->commit()));
  EXPECT_TRUE(listDir(dir_ / "ab").empty());
}

TEST_F(FileBackendTest, DestructorWithoutCommitRemovesPartFile) {
  File f = makeFile("abcdefghijklmnop");
  {
    auto w = runSync(io_, backend_->create(f));
    ASSERT_TRUE(w);
    ASSERT_TRUE(runSync(io_, (*w)->write(std::string("partial"))));
    EXPECT_EQ(listDir(dir_ / "ab").size(), 1u);
  }
  EXPECT_TRUE(listDir(dir_ / "ab").empty());
}

TEST_F(FileBackendTest, DestructorAfterCommitKeepsFile) {
  File f = makeFile("abcdefghijklmnop");
  ASSERT_TRUE(writeAndCommit(f, "kept"));
  EXPECT_EQ(slurp(dir_ / "ab" / "abcdefghijklmnop"), "kept");
}

TEST_F(FileBackendTest, ConcurrentWritersOfSameFileLastCommitWins) {
  File f = makeFile("abcdefghijklmnop");
  auto w1 = runSync(io_, backend_->create(f));
  auto w2 = runSync(io_, backend_->create(f));
  ASSERT_TRUE(w1);
  ASSERT_TRUE(w2);
  ASSERT_TRUE(runSync(io_, (*w1)->write(std::string("first"))));
  ASSERT_TRUE(runSync(io_, (*w2)->write(std::string("second"))));
  EXPECT_EQ(listDir(dir_ / "ab").size(), 2u);
  ASSERT_TRUE(runSync(io_, (*w1)->commit()));
  ASSERT_TRUE(runSync(io_, (*w2)->commit()));
  EXPECT_EQ(readAll(f).value(), "second");
  EXPECT_EQ(listDir(dir_ / "ab").size(), 1u);
}

TEST_F(FileBackendTest, LegacyPathFallback) {
  File f = makeFile("fileidfileidfile", "UPLOADxxxxxxxxxx");
  fs::path legacy = dir_ / "UP" / "UPLOADxxxxxxxxxx" / "fileidfileidfile";
  spit(legacy, "legacy bytes");
  auto all = readAll(f);
  ASSERT_TRUE(all) << all.error().detail;
  EXPECT_EQ(*all, "legacy bytes");
  auto part = readAll(f, 7, 5);
  ASSERT_TRUE(part);
  EXPECT_EQ(*part, "bytes");

  // The current layout wins when both exist.
  spit(dir_ / "fi" / "fileidfileidfile", "current");
  EXPECT_EQ(readAll(f).value(), "current");

  ASSERT_TRUE(runSync(io_, backend_->remove(f)));
  EXPECT_FALSE(fs::exists(legacy));
  EXPECT_FALSE(fs::exists(dir_ / "UP"));  // both empty legacy levels pruned
  EXPECT_FALSE(fs::exists(dir_ / "fi"));
  EXPECT_TRUE(fs::exists(dir_));
  EXPECT_FALSE(readAll(f));
}

TEST_F(FileBackendTest, RemoveTwiceIsOk) {
  File f = makeFile("abcdefghijklmnop");
  ASSERT_TRUE(writeAndCommit(f, "data"));
  EXPECT_TRUE(runSync(io_, backend_->remove(f)));
  EXPECT_TRUE(runSync(io_, backend_->remove(f)));
  EXPECT_TRUE(backend_->removeBlocking(f));
  EXPECT_TRUE(backend_->removeBlocking(makeFile("neverexistedxxxx")));
  EXPECT_FALSE(readAll(f));
}

TEST_F(FileBackendTest, EmptyParentDirRemovedSharedOneKept) {
  File a = makeFile("abAAAAAAAAAAAAAA");
  File b = makeFile("abBBBBBBBBBBBBBB");
  ASSERT_TRUE(writeAndCommit(a, "a"));
  ASSERT_TRUE(writeAndCommit(b, "b"));
  ASSERT_TRUE(backend_->removeBlocking(a));
  EXPECT_TRUE(fs::exists(dir_ / "ab"));
  EXPECT_EQ(readAll(b).value(), "b");
  ASSERT_TRUE(backend_->removeBlocking(b));
  EXPECT_FALSE(fs::exists(dir_ / "ab"));
  EXPECT_TRUE(fs::exists(dir_));
  // The prefix directory is recreated on the next upload.
  ASSERT_TRUE(writeAndCommit(a, "again"));
  EXPECT_EQ(readAll(a).value(), "again");
}

TEST_F(FileBackendTest, UnsafeIdsAreRejected) {
  for (const std::string& id :
       std::vector<std::string>{"", "a", "..", "../etc/passwd", std::string("ab\0cd", 5)}) {
    File f = makeFile(id);
    EXPECT_EQ(backend_->pathOf(f), "") << id;
    EXPECT_FALSE(runSync(io_, backend_->create(f))) << id;
    EXPECT_FALSE(runSync(io_, backend_->open(f, 0, -1))) << id;
    EXPECT_TRUE(backend_->removeBlocking(f)) << id;
  }
  File badUpload = makeFile("abcdefghijklmnop", "../x");
  EXPECT_EQ(backend_->legacyPathOf(badUpload), "");
  EXPECT_NE(backend_->pathOf(badUpload), "");
}

TEST_F(FileBackendTest, RemoveStalePartFiles) {
  File f = makeFile("abcdefghijklmnop");
  ASSERT_TRUE(writeAndCommit(f, "kept"));
  spit(dir_ / "ab" / "abXXXXXXXXXXXXXX.part.123abc", "stale");
  spit(dir_ / "cd" / "cdXXXXXXXXXXXXXX.part.zzz", "stale");
  spit(dir_ / "UP" / "UPLOADxxxxxxxxxx" / "legacyfileidxxxx", "legacy kept");
  // Young part files may be uploads in flight on another instance sharing the directory.
  EXPECT_EQ(FileBackend::removeStalePartFiles(dir_.string(), std::chrono::hours(1)), 0u);
  EXPECT_EQ(listDir(dir_ / "cd").size(), 1u);
  EXPECT_EQ(FileBackend::removeStalePartFiles(dir_.string(), std::chrono::seconds(0)), 2u);
  EXPECT_EQ(listDir(dir_ / "ab"), std::vector<std::string>{"abcdefghijklmnop"});
  EXPECT_TRUE(listDir(dir_ / "cd").empty());
  EXPECT_TRUE(fs::exists(dir_ / "UP" / "UPLOADxxxxxxxxxx" / "legacyfileidxxxx"));
  EXPECT_EQ(FileBackend::removeStalePartFiles(dir_.string(), std::chrono::seconds(0)), 0u);
  EXPECT_EQ(FileBackend::removeStalePartFiles((root_ / "missing").string(), std::chrono::seconds(0)), 0u);
}

TEST_F(FileBackendTest, RemoveStalePartFilesCleansAnInterruptedWriter) {
  File f = makeFile("abcdefghijklmnop");
  auto w = runSync(io_, backend_->create(f));
  ASSERT_TRUE(w);
  ASSERT_TRUE(runSync(io_, (*w)->write(std::string("in flight"))));
  // Simulates a crash: the part file exists, nobody will commit or abort it.
  EXPECT_EQ(FileBackend::removeStalePartFiles(dir_.string(), std::chrono::seconds(0)), 1u);
  EXPECT_TRUE(listDir(dir_ / "ab").empty());
}

// Crash recovery / an expired lease removes the interrupted upload's partial data by file.
TEST_F(FileBackendTest, RemoveBlockingAlsoRemovesPartialData) {
  File f = makeFile("abcdefghijklmnop");
  File other = makeFile("abcdefghijklmnoq");
  auto w = runSync(io_, backend_->create(f));
  ASSERT_TRUE(w);
  ASSERT_TRUE(runSync(io_, (*w)->write(std::string("in flight"))));
  auto w2 = runSync(io_, backend_->create(other));
  ASSERT_TRUE(w2);
  ASSERT_TRUE(runSync(io_, (*w2)->write(std::string("someone else's"))));
  EXPECT_EQ(listDir(dir_ / "ab").size(), 2u);
  EXPECT_TRUE(backend_->removeBlocking(f));
  auto left = listDir(dir_ / "ab");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].rfind("abcdefghijklmnoq.part.", 0), 0u);
}

TEST_F(FileBackendTest, SyncOnCommit) {
  FileBackend synced(dir_.string(), /*syncOnCommit=*/true);
  File f = makeFile("syncsyncsyncsync");
  auto w = runSync(io_, synced.create(f));
  ASSERT_TRUE(w);
  ASSERT_TRUE(runSync(io_, (*w)->write(std::string("durable"))));
  ASSERT_TRUE(runSync(io_, (*w)->commit()));
  EXPECT_EQ(slurp(dir_ / "sy" / "syncsyncsyncsync"), "durable");
}

// Disk full: needs root to mount a 1 MiB tmpfs; skipped otherwise.
TEST_F(FileBackendTest, DiskFullIs507AndRemovesPartialFile) {
  fs::path mnt = root_ / "tiny";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs (" << std::strerror(errno) << ")";
  }
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};

  FileBackend small((mnt / "files").string());
  File f = makeFile("bigbigbigbigbigb");
  auto w = runSync(io_, small.create(f));
  ASSERT_TRUE(w);
  const std::string chunk = pattern(64 * 1024);
  Status st;
  int written = 0;
  for (; written < 64 && st; ++written) st = runSync(io_, (*w)->write(chunk));
  ASSERT_FALSE(st) << "1 MiB tmpfs accepted 4 MiB";
  EXPECT_EQ(st.error().status, 507);
  EXPECT_EQ(st.error().message, "not enough space on the data backend");
  EXPECT_EQ(st.error().detail, std::strerror(ENOSPC));
  EXPECT_TRUE(listDir(mnt / "files" / "bi").empty());
  EXPECT_FALSE(runSync(io_, (*w)->commit()));
  EXPECT_FALSE(runSync(io_, small.open(f, 0, -1)));

  // Space is back: a small upload works.
  EXPECT_FALSE(runSync(io_, (*w)->write(chunk)));  // a failed writer stays failed
  auto w2 = runSync(io_, small.create(f));
  ASSERT_TRUE(w2);
  ASSERT_TRUE(runSync(io_, (*w2)->write(chunk)));
  ASSERT_TRUE(runSync(io_, (*w2)->commit()));
}

// --- factory ---

TEST_F(FileBackendTest, FactoryBuildsFileBackend) {
  fs::path d = root_ / "factory" / "dir";
  auto b = openDataBackend("file", {{"Directory", d.string()}});
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_TRUE(fs::is_directory(d));
  auto* fb = dynamic_cast<FileBackend*>(b->get());
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(fb->directory(), d.string());

  fs::path d2 = root_ / "factory" / "lower";
  auto b2 = openDataBackend("file", {{"directory", d2.string()}});
  ASSERT_TRUE(b2);
  EXPECT_TRUE(fs::is_directory(d2));
}

TEST_F(FileBackendTest, FactoryDefaultsToFilesInWorkingDirectory) {
  fs::path old = fs::current_path();
  fs::current_path(root_);
  auto b = openDataBackend("file", {});
  fs::current_path(old);
  ASSERT_TRUE(b);
  EXPECT_TRUE(fs::is_directory(root_ / "files"));
}

TEST_F(FileBackendTest, FactoryErrors) {
  auto bad = openDataBackend("s3x", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().status, 500);
  EXPECT_EQ(bad.error().message, "invalid data backend s3x");

  spit(root_ / "plain", "x");
  auto notDir = openDataBackend("file", {{"Directory", (root_ / "plain").string()}});
  ASSERT_FALSE(notDir);
  EXPECT_EQ(notDir.error().status, 500);
}

// --- memory test double ---

class MemoryBackendTest : public ::testing::Test {
 protected:
  Result<std::string> readAll(const File& f, int64_t offset = 0, int64_t length = -1) {
    auto r = runSync(io_, backend_.open(f, offset, length));
    if (!r) return r.error();
    EXPECT_EQ((*r)->nativeFd(), -1);
    std::string out;
    char buf[3];
    for (;;) {
      auto n = runSync(io_, (*r)->read(buf));
      if (!n) return n.error();
      if (*n == 0) break;
      out.append(buf, *n);
    }
    return out;
  }

  asio::io_context io_;
  MemoryBackend backend_;
};

TEST_F(MemoryBackendTest, WriteCommitReadRemove) {
  File f = makeFile("memmemmemmemmemm");
  auto w = runSync(io_, backend_.create(f));
  ASSERT_TRUE(w);
  EXPECT_EQ(backend_.openWriters(), 1);
  ASSERT_TRUE(runSync(io_, (*w)->write(std::string("hello "))));
  ASSERT_TRUE(runSync(io_, (*w)->write(std::string("world"))));
  EXPECT_FALSE(backend_.contains(f.id));
  EXPECT_FALSE(readAll(f));
  auto details = runSync(io_, (*w)->commit());
  ASSERT_TRUE(details);
  EXPECT_EQ(*details, "");
  EXPECT_EQ(backend_.openWriters(), 0);
  EXPECT_EQ(backend_.commits(), 1);
  EXPECT_EQ(backend_.data(f.id), "hello world");
  EXPECT_EQ(readAll(f).value(), "hello world");
  EXPECT_EQ(readAll(f, 6, 3).value(), "wor");
  EXPECT_EQ(readAll(f, 11).value(), "");
  auto r = runSync(io_, backend_.open(f, 5, 7));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 416);

  EXPECT_TRUE(runSync(io_, backend_.remove(f)));
  EXPECT_TRUE(backend_.removeBlocking(f));
  EXPECT_EQ(backend_.removes(), 2);
  EXPECT_EQ(backend_.fileCount(), 0u);
  auto missing = runSync(io_, backend_.open(f, 0, -1));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "unable to get file from data backend");
}

TEST_F(MemoryBackendTest, AbortAndDestructorDiscard) {
  File f = makeFile("memmemmemmemmemm");
  {
    auto w = runSync(io_, backend_.create(f));
    ASSERT_TRUE(runSync(io_, (*w)->write(std::string("x"))));
  }
  EXPECT_EQ(backend_.aborts(), 1);
  auto w = runSync(io_, backend_.create(f));
  runSync(io_, (*w)->abort());
  runSync(io_, (*w)->abort());
  EXPECT_EQ(backend_.aborts(), 2);
  EXPECT_EQ(backend_.openWriters(), 0);
  EXPECT_FALSE(backend_.contains(f.id));
  EXPECT_FALSE(runSync(io_, (*w)->commit()));
}

TEST_F(MemoryBackendTest, FailureInjectionFiresOnce) {
  File f = makeFile("memmemmemmemmemm");
  backend_.failNextWrite();
  auto w = runSync(io_, backend_.create(f));
  ASSERT_FALSE(runSync(io_, (*w)->write(std::string("a"))));
  auto again = runSync(io_, backend_.create(f));
  ASSERT_TRUE(runSync(io_, (*again)->write(std::string("b"))));

  backend_.failCommit(Error::internal("boom"));
  auto c = runSync(io_, (*again)->commit());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "boom");
  EXPECT_FALSE(backend_.contains(f.id));
  EXPECT_EQ(backend_.openWriters(), 0);

  backend_.put(f.id, "seeded");
  backend_.failNextOpen();
  EXPECT_FALSE(readAll(f));
  EXPECT_EQ(readAll(f).value(), "seeded");
  backend_.failNextRemove();
  EXPECT_FALSE(backend_.removeBlocking(f));
  EXPECT_TRUE(backend_.contains(f.id));
  EXPECT_TRUE(backend_.removeBlocking(f));
}

TEST_F(MemoryBackendTest, FailNextWriteDefaultIs507) {
  backend_.failNextWrite();
  auto w = runSync(io_, backend_.create(makeFile("memmemmemmemmemm")));
  Status st = runSync(io_, (*w)->write(std::string("a")));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().status, 507);
  EXPECT_EQ(backend_.openWriters(), 0);
}

}  // namespace
}  // namespace plik
