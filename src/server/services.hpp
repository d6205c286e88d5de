// Process-wide services every request can reach: configuration, the metadata and data
// backends, the stream registry, the blocking pool and metrics. Built once at start-up by
// PlikServer; immutable afterwards (the backends are thread-safe themselves).
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <string>

#include "core/config.hpp"
#include "data/data_backend.hpp"
#include "data/stream/stream_registry.hpp"
#include "metadata/metadata_backend.hpp"
#include "server/metrics.hpp"

namespace plik {

struct Services {
  const Config& config;
  MetadataBackend& meta;
  DataBackend& data;
  StreamRegistry& streams;
  asio::thread_pool& pool;
  Metrics& metrics;
  std::string instanceId;  // this instance's URL: files.instance, where other instances relay from
  std::string version = "1.3.8";
  int64_t buildDate = 0;
};

}  // namespace plik
