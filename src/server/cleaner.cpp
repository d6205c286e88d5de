// The cleaning pass (spec §8.9): expire uploads, delete removed files' data, hard-delete
// purged uploads, drop orphans. Every step is a conditional update, so several instances
// may clean the same database at once.
#include <spdlog/spdlog.h>

#include "server/plik_server.hpp"

namespace plik {

Result<CleanResult> runCleaning(MetadataBackend& meta, DataBackend& data) {
  CleanResult out;
  auto expired = meta.softDeleteExpiredUploads(now());
  if (!expired.ok()) return std::move(expired).error();
  out.removedUploads = *expired;
  for (;;) {
    auto files = meta.filesWithStatus(FileStatus::Removed, 500);
    if (!files.ok()) return std::move(files).error();
    if (files->empty()) break;
    int64_t progressed = 0;
    for (const auto& f : *files) {
      auto st = data.removeBlocking(f);
      if (!st.ok()) {
        spdlog::warn("cleaning: unable to delete file {} : {}", f.id, st.error().detail);
        continue;  // retried next run
      }
      auto r = meta.casFileStatus(f.id, FileStatus::Removed, FileStatus::Deleted);
      if (r.ok() && *r) {
        ++out.deletedFiles;
        ++progressed;
      }
    }
    if (progressed == 0 || files->size() < 500) break;
  }
  auto purged = meta.purgeDeletedUploads();
  if (!purged.ok()) return std::move(purged).error();
  out.deletedUploads = *purged;
  auto orphans = meta.deleteOrphanFiles();
  if (!orphans.ok()) return std::move(orphans).error();
  out.orphanFiles = *orphans;
  return out;
}

}  // namespace plik
