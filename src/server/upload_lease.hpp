// The upload lease: how several instances sharing one database stay consistent about files in
// `uploading` state. Each instance renews the lease (updated_at) of the files it receives every
// LeaseInterval; a stream this instance holds whose file is no longer leased to it (removed,
// cancelled through another instance, reset) is cancelled here; and files whose lease expired
// (their instance died and never came back) go back to `missing`, so they can be uploaded again.
#pragma once

#include <chrono>
#include <string>

#include "core/result.hpp"
#include "data/data_backend.hpp"
#include "data/stream/stream_registry.hpp"
#include "metadata/metadata_backend.hpp"

namespace plik {

// A lease is expired after this many missed renewals.
inline constexpr int kLeaseExpiryIntervals = 12;

struct LeaseRound {
  size_t renewed = 0;    // files still leased to this instance
  size_t cancelled = 0;  // local streams whose file was taken away
  size_t reset = 0;      // files of dead instances put back to `missing`
};

// One round, synchronous (run it on the blocking pool, never on a network thread). Streams are
// cancelled with 404 "stream cancelled". Partial data of reset files is removed (best effort).
Result<LeaseRound> runLeaseRound(MetadataBackend& meta, DataBackend& data, StreamRegistry& streams,
                                 const std::string& instance, std::chrono::seconds expiry);

}  // namespace plik
