// Prometheus metrics in the text exposition format: request counters by method, route
// template and code, plus cleaning/stat gauges. Lock-free on the request path except the
// first sighting of a label set.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "core/types.hpp"

namespace plik {

class Metrics {
 public:
  void countRequest(const std::string& method, const std::string& path, int code);
  void setServerStats(const ServerStats& s);
  void cleaningRun(double seconds, int64_t removedUploads, int64_t deletedFiles,
                   int64_t deletedUploads, int64_t orphanFiles);
  // Stream bytes sent to downloaders, by how they crossed plikd: copied through its memory,
  // or spliced socket to socket (the zero-copy path). Lock-free.
  void streamBytes(bool spliced, int64_t n) {
    (spliced ? streamSpliced_ : streamCopied_).fetch_add(static_cast<uint64_t>(n),
                                                         std::memory_order_relaxed);
  }
  std::string render() const;  // text/plain; version=0.0.4

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  ServerStats stats_;
  double lastStatsRefresh_ = 0;
  double lastCleaning_ = 0;
  double lastCleaningDuration_ = 0;
  uint64_t cleaningRuns_ = 0;
  std::atomic<uint64_t> streamCopied_{0}, streamSpliced_{0};
  int64_t removedUploads_ = 0, deletedFiles_ = 0, deletedUploads_ = 0, orphanFiles_ = 0;
};

}  // namespace plik
