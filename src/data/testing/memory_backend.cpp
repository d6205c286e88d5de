// In-memory DataBackend test double (see memory_backend.hpp): a writer buffers into its own
// string and publishes it on commit; a reader serves a snapshot of the requested range.
#include "data/testing/memory_backend.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace plik {

class MemoryWriter final : public DataWriter {
 public:
  MemoryWriter(MemoryBackend* backend, std::string fileId)
      : backend_(backend), fileId_(std::move(fileId)) {}
  ~MemoryWriter() override { discard(); }

  asio::awaitable<Status> write(std::span<const char> bytes) override {
    if (!open_) co_return Error::internal("unable to save file", "data writer is closed");
    if (auto e = backend_->takeFailure(backend_->failNextWrite_)) {
      discard();
      co_return std::move(*e);
    }
    buffer_.append(bytes.data(), bytes.size());
    co_return Status{};
  }

  asio::awaitable<Result<std::string>> commit() override {
    if (!open_) co_return Error::internal("unable to save file", "data writer is closed");
    if (auto e = backend_->takeFailure(backend_->failCommit_)) {
      discard();
      co_return std::move(*e);
    }
    open_ = false;
    std::lock_guard lock(backend_->mutex_);
    backend_->files_[fileId_] = std::move(buffer_);
    --backend_->openWriters_;
    ++backend_->commits_;
    co_return std::string{};
  }

  asio::awaitable<void> abort() override {
    discard();
    co_return;
  }

 private:
  void discard() {
    if (!open_) return;
    open_ = false;
    buffer_.clear();
    std::lock_guard lock(backend_->mutex_);
    --backend_->openWriters_;
    ++backend_->aborts_;
  }

  MemoryBackend* backend_;
  std::string fileId_;
  std::string buffer_;
  bool open_ = true;  // false once committed, aborted or failed
};

namespace {

class MemoryReader final : public DataReader {
 public:
  explicit MemoryReader(std::string bytes) : bytes_(std::move(bytes)) {}

  asio::awaitable<Result<size_t>> read(std::span<char> out) override {
    size_t n = std::min(out.size(), bytes_.size() - pos_);
    std::memcpy(out.data(), bytes_.data() + pos_, n);
    pos_ += n;
    co_return n;
  }

 private:
  std::string bytes_;  // the requested range only
  size_t pos_ = 0;
};

}  // namespace

std::optional<Error> MemoryBackend::takeFailure(std::optional<Error>& slot) {
  std::lock_guard lock(mutex_);
  return std::exchange(slot, std::nullopt);
}

asio::awaitable<Result<std::unique_ptr<DataWriter>>> MemoryBackend::create(const File& file) {
  {
    std::lock_guard lock(mutex_);
    ++openWriters_;
  }
  co_return std::unique_ptr<DataWriter>(std::make_unique<MemoryWriter>(this, file.id));
}

asio::awaitable<Result<std::unique_ptr<DataReader>>> MemoryBackend::open(const File& file,
                                                                         int64_t offset,
                                                                         int64_t length) {
  if (auto e = takeFailure(failNextOpen_)) co_return std::move(*e);
  std::string range;
  {
    std::lock_guard lock(mutex_);
    auto it = files_.find(file.id);
    if (it == files_.end()) {
      co_return Error::internal("unable to get file from data backend", "no such file");
    }
    const int64_t size = static_cast<int64_t>(it->second.size());
    if (length < 0 && offset >= 0 && offset <= size) length = size - offset;
    if (offset < 0 || offset > size || length < 0 || length > size - offset) {
      co_return Error{416, "requested range not satisfiable", "out of range"};
    }
    range = it->second.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  co_return std::unique_ptr<DataReader>(std::make_unique<MemoryReader>(std::move(range)));
}

asio::awaitable<Status> MemoryBackend::remove(const File& file) { co_return removeBlocking(file); }

Status MemoryBackend::removeBlocking(const File& file) {
  if (auto e = takeFailure(failNextRemove_)) return std::move(*e);
  std::lock_guard lock(mutex_);
  ++removes_;
  files_.erase(file.id);
  return {};
}

void MemoryBackend::failNextWrite(Error e) {
  std::lock_guard lock(mutex_);
  failNextWrite_ = std::move(e);
}
void MemoryBackend::failCommit(Error e) {
  std::lock_guard lock(mutex_);
  failCommit_ = std::move(e);
}
void MemoryBackend::failNextOpen(Error e) {
  std::lock_guard lock(mutex_);
  failNextOpen_ = std::move(e);
}
void MemoryBackend::failNextRemove(Error e) {
  std::lock_guard lock(mutex_);
  failNextRemove_ = std::move(e);
}

bool MemoryBackend::contains(const std::string& fileId) const {
  std::lock_guard lock(mutex_);
  return files_.count(fileId) != 0;
}
std::optional<std::string> MemoryBackend::data(const std::string& fileId) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(fileId);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}
void MemoryBackend::put(const std::string& fileId, std::string bytes) {
  std::lock_guard lock(mutex_);
  files_[fileId] = std::move(bytes);
}
size_t MemoryBackend::fileCount() const {
  std::lock_guard lock(mutex_);
  return files_.size();
}
int MemoryBackend::openWriters() const {
  std::lock_guard lock(mutex_);
  return openWriters_;
}
int MemoryBackend::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}
int MemoryBackend::aborts() const {
  std::lock_guard lock(mutex_);
  return aborts_;
}
int MemoryBackend::removes() const {
  std::lock_guard lock(mutex_);
  return removes_;
}

}  // namespace plik
