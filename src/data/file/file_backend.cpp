// Local-disk data backend: part-file writer with atomic rename on commit, pread/sendfile reader,
// removal of both layouts. See file_backend.hpp for the threading and crash-safety contract.
#include "data/file/file_backend.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <string_view>
#include <system_error>
#include <utility>

namespace plik {

namespace {

constexpr mode_t kDirMode = 0750;
constexpr mode_t kFileMode = 0640;

std::string errnoText(int err) { return std::strerror(err); }

bool isSpaceError(int err) { return err == ENOSPC || err == EDQUOT; }

Error spaceError(int err) {
  return Error{507, "not enough space on the data backend", errnoText(err)};
}

Error getError(int err) {
  return Error::internal("unable to get file from data backend", errnoText(err));
}

// An id usable as one path component: at least 2 chars (the prefix directory), no separator.
bool safeComponent(std::string_view id) {
  return id.size() >= 2 && id != ".." && id.find('/') == std::string_view::npos &&
         id.find('\0') == std::string_view::npos;
}

// Suffix of a part file name. Uniqueness matters, not secrecy (O_EXCL catches collisions).
std::string partSuffix() {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{
      std::random_device{}() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  uint64_t v = rng() ^ (counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ULL);
  std::string s;
  for (int i = 0; i < 10; ++i) {
    s.push_back(kAlphabet[v % 62]);
    v /= 62;
  }
  return s;
}

std::string parentOf(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

// mkdir -p with kDirMode; returns 0 or an errno.
int makeDirs(const std::string& path) {
  if (path.empty() || path == "." || path == "/") return 0;
  if (::mkdir(path.c_str(), kDirMode) == 0) return 0;
  int err = errno;
  if (err == EEXIST) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    return ENOTDIR;
  }
  if (err != ENOENT) return err;
  if (int perr = makeDirs(parentOf(path)); perr != 0) return perr;
  if (::mkdir(path.c_str(), kDirMode) == 0 || errno == EEXIST) return 0;
  return errno;
}

void closeQuietly(int fd) {
  if (fd >= 0) ::close(fd);  // close(2) must not be retried on EINTR on Linux
}

// Unlinks path (ENOENT is success), then tries to rmdir its now-empty parent. Returns 0 or errno.
int unlinkAndPruneParent(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    int err = errno;
    return err == ENOENT ? 0 : err;
  }
  ::rmdir(parentOf(path).c_str());  // best effort: fails with ENOTEMPTY when shared
  return 0;
}

// One upload into `<final>.part.<suffix>`. Owned by one coroutine; not thread-safe.
class FileWriter final : public DataWriter {
 public:
  FileWriter(int fd, std::string partPath, std::string finalPath, bool syncOnCommit)
      : fd_(fd),
        partPath_(std::move(partPath)),
        finalPath_(std::move(finalPath)),
        syncOnCommit_(syncOnCommit) {}

  ~FileWriter() override { discard(); }

  asio::awaitable<Status> write(std::span<const char> bytes) override { co_return writeAll(bytes); }

  asio::awaitable<Result<std::string>> commit() override {
    if (fd_ < 0) co_return Error::internal("unable to save file", "data writer is closed");
    if (syncOnCommit_ && ::fdatasync(fd_) != 0) co_return fail(errno);
    int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0 && errno != EINTR) {  // NFS reports delayed write errors here
      int err = errno;
      ::unlink(partPath_.c_str());
      co_return failed(err);
    }
    if (::rename(partPath_.c_str(), finalPath_.c_str()) != 0) {
      int err = errno;
      ::unlink(partPath_.c_str());
      co_return failed(err);
    }
    if (syncOnCommit_) {
      int dirFd = ::open(parentOf(finalPath_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
      }
    }
    co_return std::string{};
  }

  asio::awaitable<void> abort() override {
    discard();
    co_return;
  }

 private:
  Status writeAll(std::span<const char> bytes) {
    if (fd_ < 0) return Error::internal("unable to save file", "data writer is closed");
    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(errno);
      }
      if (n == 0) return fail(ENOSPC);  // a regular file only returns 0 when it cannot grow
      p += n;
      left -= static_cast<size_t>(n);
    }
    return {};
  }

  // Drops the partial file and maps errno to Plik's error.
  Error fail(int err) {
    discard();
    return failed(err);
  }

  static Error failed(int err) {
    if (isSpaceError(err)) return spaceError(err);
    return Error::internal("unable to save file", errnoText(err));
  }

  void discard() {
    if (fd_ < 0) return;
    closeQuietly(std::exchange(fd_, -1));
    ::unlink(partPath_.c_str());
  }

  int fd_;  // -1 once committed, aborted or failed
  std::string partPath_;
  std::string finalPath_;
  bool syncOnCommit_;
};

// One ranged read. The fd stays open for the reader's lifetime (sendfile by the HTTP layer).
class FileReader final : public DataReader {
 public:
  FileReader(int fd, int64_t offset, int64_t length)
      : fd_(fd), offset_(offset), pos_(offset), end_(offset + length) {}
  ~FileReader() override { closeQuietly(fd_); }

  asio::awaitable<Result<size_t>> read(std::span<char> out) override {
    size_t want =
        static_cast<size_t>(std::min<int64_t>(end_ - pos_, static_cast<int64_t>(out.size())));
    while (want > 0) {
      ssize_t n = ::pread(fd_, out.data(), want, pos_);
      if (n < 0) {
        if (errno == EINTR) continue;
        co_return getError(errno);
      }
      if (n == 0) co_return getError(EIO);  // the file shrank under us (truncated by hand)
      pos_ += n;
      co_return static_cast<size_t>(n);
    }
    co_return size_t{0};
  }

  int nativeFd() const override { return fd_; }
  int64_t offset() const override { return offset_; }

 private:
  int fd_;
  int64_t offset_;  // start of the range (sendfile starts here)
  int64_t pos_;     // next byte read() returns
  int64_t end_;     // one past the last byte of the range
};

}  // namespace

FileBackend::FileBackend(std::string directory, bool syncOnCommit)
    : directory_(std::move(directory)), syncOnCommit_(syncOnCommit) {
  while (directory_.size() > 1 && directory_.back() == '/') directory_.pop_back();
  if (directory_.empty()) directory_ = ".";
  if (int err = makeDirs(directory_); err != 0) {
    throw std::system_error(err, std::generic_category(),
                            "unable to create data directory " + directory_);
  }
}

std::string FileBackend::pathOf(const File& file) const {
  if (!safeComponent(file.id)) return {};
  return directory_ + "/" + file.id.substr(0, 2) + "/" + file.id;
}

std::string FileBackend::legacyPathOf(const File& file) const {
  if (!safeComponent(file.id) || !safeComponent(file.uploadId)) return {};
  return directory_ + "/" + file.uploadId.substr(0, 2) + "/" + file.uploadId + "/" + file.id;
}

asio::awaitable<Result<std::unique_ptr<DataWriter>>> FileBackend::create(const File& file) {
  std::string finalPath = pathOf(file);
  if (finalPath.empty()) co_return Error::internal("unable to save file", "invalid file id");
  std::string dir = parentOf(finalPath);
  // A concurrent remove() may rmdir the prefix directory between our mkdir and open: retry.
  int err = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (err = makeDirs(dir); err != 0) break;
    std::string partPath = finalPath + ".part." + partSuffix();
    int fd = ::open(partPath.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, kFileMode);
    if (fd >= 0) {
      co_return std::unique_ptr<DataWriter>(std::make_unique<FileWriter>(
          fd, std::move(partPath), std::move(finalPath), syncOnCommit_));
    }
    err = errno;
    if (err != ENOENT && err != EEXIST && err != EINTR) break;
  }
  if (isSpaceError(err)) co_return spaceError(err);
  co_return Error::internal("unable to save file", errnoText(err));
}

asio::awaitable<Result<std::unique_ptr<DataReader>>> FileBackend::open(const File& file,
                                                                       int64_t offset,
                                                                       int64_t length) {
  std::string path = pathOf(file);
  if (path.empty()) co_return getError(ENOENT);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    if (std::string legacy = legacyPathOf(file); !legacy.empty()) {
      fd = ::open(legacy.c_str(), O_RDONLY | O_CLOEXEC);
    } else {
      errno = ENOENT;
    }
  }
  if (fd < 0) co_return getError(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    closeQuietly(fd);
    co_return getError(err);
  }
  if (!S_ISREG(st.st_mode)) {
    closeQuietly(fd);
    co_return getError(EISDIR);
  }
  const int64_t size = st.st_size;
  if (length < 0 && offset >= 0 && offset <= size) length = size - offset;
  if (offset < 0 || offset > size || length < 0 || length > size - offset) {
    closeQuietly(fd);
    co_return Error{416, "requested range not satisfiable",
                    "offset " + std::to_string(offset) + " length " + std::to_string(length) +
                        " size " + std::to_string(size)};
  }
  co_return std::unique_ptr<DataReader>(std::make_unique<FileReader>(fd, offset, length));
}

asio::awaitable<Status> FileBackend::remove(const File& file) {
  // unlink of a big file can take a few ms on some filesystems; accepted like the writes.
  co_return removeBlocking(file);
}

Status FileBackend::removeBlocking(const File& file) {
  std::string path = pathOf(file);
  if (path.empty()) return {};  // such an id never had data here
  removePartFilesOf(path);  // an interrupted upload's leftovers (crash, dead instance)
  if (int err = unlinkAndPruneParent(path); err != 0) {
    return Error::internal("unable to remove file from data backend", errnoText(err));
  }
  if (std::string legacy = legacyPathOf(file); !legacy.empty()) {
    if (int err = unlinkAndPruneParent(legacy); err != 0 && err != ENOTDIR) {
      return Error::internal("unable to remove file from data backend", errnoText(err));
    }
    ::rmdir(parentOf(parentOf(legacy)).c_str());  // the legacy `<uploadId[0:2]>` level too
  }
  return {};
}

void FileBackend::removePartFilesOf(const std::string& path) {
  std::string dir = parentOf(path);
  std::string prefix = path.substr(dir.size() + 1) + ".part.";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.substr(0, prefix.size()) == prefix) ::unlink((dir + "/" + std::string(name)).c_str());
  }
  ::closedir(d);
}

size_t FileBackend::removeStalePartFiles(const std::string& directory, std::chrono::seconds minAge) {
  size_t removed = 0;
  const auto cutoff = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - minAge);
  DIR* d = ::opendir(directory.c_str());
  if (d == nullptr) return 0;
  std::string base = directory;
  if (base.size() > 1 && base.back() == '/') base.pop_back();
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = base + "/" + std::string(name);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      removed += removeStalePartFiles(path, minAge);
    } else if (S_ISREG(st.st_mode) && name.find(".part.") != std::string_view::npos &&
               st.st_mtime <= cutoff) {
      if (::unlink(path.c_str()) == 0) ++removed;
    }
  }
  ::closedir(d);
  return removed;
}

}  // namespace plik
