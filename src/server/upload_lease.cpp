// One round of the upload lease (see upload_lease.hpp).
#include "server/upload_lease.hpp"

#include <spdlog/spdlog.h>

#include <unordered_set>

namespace plik {

Result<LeaseRound> runLeaseRound(MetadataBackend& meta, DataBackend& data, StreamRegistry& streams,
                                 const std::string& instance, std::chrono::seconds expiry) {
  LeaseRound out;
  // Take the mark first: an uploader registered after it may not be in the database's answer
  // yet (beginFileUpload happens before the registry sees it) and must not be judged.
  uint64_t mark = streams.mark();
  auto owned = meta.renewUploadLease(instance);
  if (!owned.ok()) return std::move(owned).error();
  out.renewed = owned->size();
  std::unordered_set<std::string> leased(owned->begin(), owned->end());
  for (const auto& id : streams.uploadersOpenedBefore(mark)) {
    if (leased.count(id)) continue;
    if (streams.cancel(id, "stream cancelled")) ++out.cancelled;
  }
  auto reset = meta.resetExpiredLeases(now() - expiry);
  if (!reset.ok()) return std::move(reset).error();
  for (const auto& f : *reset) {
    auto st = data.removeBlocking(f);
    if (!st.ok()) spdlog::warn("lease: unable to remove partial data of {} : {}", f.id, st.error().detail);
  }
  out.reset = reset->size();
  if (out.cancelled || out.reset)
    spdlog::info("lease: {} stream(s) cancelled elsewhere, {} upload(s) of dead instances reset",
                 out.cancelled, out.reset);
  return out;
}

}  // namespace plik
