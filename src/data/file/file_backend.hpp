// Local-disk data backend (Plik's "file" backend): one file per Plik file under a directory,
// `<dir>/<fileId[0:2]>/<fileId>`, reading the pre-1.3 `<dir>/<uploadId[0:2]>/<uploadId>/<fileId>`
// too.
//
// Threading contract: every disk call (open, write, pread, rename, unlink) runs on the calling
// coroutine's thread, one buffer at a time. Such calls are short on a local disk and blocking
// them is accepted by design (a thread pool hop would cost more than the write itself); the
// caller awaiting each write() is what bounds memory. Network bytes never wait on a queue here.
//
// Crash safety: a writer writes `<final>.part.<random>` and commit() renames it onto the final
// path, so a crash mid-upload never leaves a complete-looking file; `removeStalePartFiles()`
// deletes the leftovers at start-up. No fsync by default (Plik never synced either): a power
// loss may lose the tail of recently committed files; `syncOnCommit` trades speed for that.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "data/data_backend.hpp"

namespace plik {

class FileBackend : public DataBackend {
 public:
  // Creates `directory` (and its parents, mode 0750) if missing; throws std::system_error when
  // that fails (start-up only). An empty directory means the current directory, like Go's
  // filepath.Join("", ...). syncOnCommit: fdatasync the data and fsync the parent directory on
  // commit.
  explicit FileBackend(std::string directory, bool syncOnCommit = false);

  asio::awaitable<Result<std::unique_ptr<DataWriter>>> create(const File& file) override;
  asio::awaitable<Result<std::unique_ptr<DataReader>>> open(const File& file, int64_t offset,
                                                            int64_t length) override;
  asio::awaitable<Status> remove(const File& file) override;
  // Also deletes the file's partial `.part.*` data left by an interrupted upload.
  Status removeBlocking(const File& file) override;

  const std::string& directory() const { return directory_; }

  // Paths of a file's data (current and pre-1.3 layout); empty when the ids cannot form a safe
  // path (shorter than 2 chars, or containing '/' or NUL, or "." / "..").
  std::string pathOf(const File& file) const;
  std::string legacyPathOf(const File& file) const;

  // Deletes every regular file whose name contains ".part." under `directory` (recursively) and
  // that was not modified for minAge: orphans of interrupted uploads. Run at start-up before
  // serving. On a directory shared by several instances, younger ones may be uploads in flight
  // elsewhere: the partial files of this instance's own interrupted uploads (and of dead
  // instances, whose leases expire) go through removeBlocking() instead. Returns how many were
  // removed; a missing directory counts as 0.
  static size_t removeStalePartFiles(const std::string& directory, std::chrono::seconds minAge);

 private:
  static void removePartFilesOf(const std::string& path);

  std::string directory_;  // without trailing '/'
  bool syncOnCommit_;
};

}  // namespace plik
