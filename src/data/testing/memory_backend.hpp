// In-memory DataBackend test double for handler tests: file bytes in a map keyed by file id,
// plus failure injection (next write, commit, open, remove) and counters to assert on.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "data/data_backend.hpp"

namespace plik {

// Contract: the backend outlives every writer and reader it hands out. All members are safe to
// call from any thread (one mutex); writers and readers belong to one coroutine each.
// Semantics mirror FileBackend: data is invisible until commit(), abort()/destroying an
// uncommitted writer discards it, removing missing data is fine, out-of-range opens are 416.
class MemoryBackend : public DataBackend {
 public:
  asio::awaitable<Result<std::unique_ptr<DataWriter>>> create(const File& file) override;
  asio::awaitable<Result<std::unique_ptr<DataReader>>> open(const File& file, int64_t offset,
                                                            int64_t length) override;
  asio::awaitable<Status> remove(const File& file) override;
  Status removeBlocking(const File& file) override;

  // Failure injection: each armed failure fires once, then disarms. failNextWrite also drops
  // what the writer had buffered (like FileBackend removing its partial file).
  void failNextWrite(Error e = Error{507, "not enough space on the data backend", "injected"});
  void failCommit(Error e = Error::internal("unable to save file", "injected"));
  void failNextOpen(Error e = Error::internal("unable to get file from data backend", "injected"));
  void failNextRemove(Error e = Error::internal("unable to remove file from data backend",
                                                "injected"));

  // Inspection / seeding.
  bool contains(const std::string& fileId) const;
  std::optional<std::string> data(const std::string& fileId) const;
  void put(const std::string& fileId, std::string bytes);
  size_t fileCount() const;
  int openWriters() const;  // created and neither committed nor discarded yet
  int commits() const;
  int aborts() const;   // explicit abort() or destroyed without commit
  int removes() const;  // remove()/removeBlocking() calls, found or not

 private:
  friend class MemoryWriter;
  std::optional<Error> takeFailure(std::optional<Error>& slot);

  mutable std::mutex mutex_;
  std::map<std::string, std::string> files_;  // committed data by file id
  std::optional<Error> failNextWrite_;
  std::optional<Error> failCommit_;
  std::optional<Error> failNextOpen_;
  std::optional<Error> failNextRemove_;
  int openWriters_ = 0;
  int commits_ = 0;
  int aborts_ = 0;
  int removes_ = 0;
};

}  // namespace plik
