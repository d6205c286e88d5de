// Prometheus text rendering of the counters kept by Metrics.
#include "server/metrics.hpp"

#include <chrono>
#include <sstream>

namespace plik {

namespace {
double nowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
std::string escapeLabel(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') { o += "\\n"; continue; }
    o += c;
  }
  return o;
}
}  // namespace

void Metrics::countRequest(const std::string& method, const std::string& path, int code) {
  std::lock_guard lk(mu_);
  ++requests_[{method, path, code}];
}

void Metrics::setServerStats(const ServerStats& s) {
  std::lock_guard lk(mu_);
  stats_ = s;
  lastStatsRefresh_ = nowSeconds();
}

void Metrics::cleaningRun(double seconds, int64_t removedUploads, int64_t deletedFiles,
                          int64_t deletedUploads, int64_t orphanFiles) {
  std::lock_guard lk(mu_);
  lastCleaning_ = nowSeconds();
  lastCleaningDuration_ = seconds;
  ++cleaningRuns_;
  removedUploads_ += removedUploads;
  deletedFiles_ += deletedFiles;
  deletedUploads_ += deletedUploads;
  orphanFiles_ += orphanFiles;
}

std::string Metrics::render() const {
  std::lock_guard lk(mu_);
  std::ostringstream o;
  o << "# HELP plik_http_request_total Number of HTTP requests\n"
       "# TYPE plik_http_request_total counter\n";
  for (const auto& [k, v] : requests_) {
    o << "plik_http_request_total{code=\"" << std::get<2>(k) << "\",method=\""
      << escapeLabel(std::get<0>(k)) << "\",path=\"" << escapeLabel(std::get<1>(k)) << "\"} " << v
      << "\n";
  }
  o << "# HELP plik_stream_bytes_total Stream bytes relayed to downloaders, by path\n"
       "# TYPE plik_stream_bytes_total counter\n"
       "plik_stream_bytes_total{path=\"copy\"} "
    << streamCopied_.load(std::memory_order_relaxed) << "\n"
    << "plik_stream_bytes_total{path=\"splice\"} "
    << streamSpliced_.load(std::memory_order_relaxed) << "\n";
  auto gauge = [&](const char* name, double v) {
    o << "# TYPE " << name << " gauge\n" << name << " " << v << "\n";
  };
  auto counter = [&](const char* name, double v) {
    o << "# TYPE " << name << " counter\n" << name << " " << v << "\n";
  };
  gauge("plik_uploads_count", static_cast<double>(stats_.uploads));
  gauge("plik_anonymous_uploads_count", static_cast<double>(stats_.anonymousUploads));
  gauge("plik_users_count", static_cast<double>(stats_.users));
  gauge("plik_files_count", static_cast<double>(stats_.files));
  gauge("plik_size_bytes", static_cast<double>(stats_.totalSize));
  gauge("plik_anonymous_size_bytes", static_cast<double>(stats_.anonymousTotalSize));
  gauge("plik_last_stats_refresh_timestamp", lastStatsRefresh_);
  gauge("plik_last_cleaning_timestamp", lastCleaning_);
  gauge("plik_cleaning_duration_last_second", lastCleaningDuration_);
  counter("plik_cleaning_runs", static_cast<double>(cleaningRuns_));
  counter("plik_cleaning_removed_uploads", static_cast<double>(removedUploads_));
  counter("plik_cleaning_deleted_files", static_cast<double>(deletedFiles_));
  counter("plik_cleaning_deleted_uploads", static_cast<double>(deletedUploads_));
  counter("plik_cleaning_removed_orphan_files", static_cast<double>(orphanFiles_));
  return o.str();
}

}  // namespace plik
