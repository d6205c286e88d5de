// openMetadataBackend: picks the SQL backend named by MetadataBackendConfig.Driver and opens it
// (migrations included). Keys of the config map are matched case-insensitively.
#include <cctype>
#include <filesystem>

#include "metadata/metadata_backend.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"

namespace plik {

namespace {

std::string lookup(const std::map<std::string, std::string>& config, std::string_view key,
                   std::string fallback) {
  for (const auto& [k, v] : config) {
    if (k.size() != key.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(key[i]));
    }
    if (same) return v;
  }
  return fallback;
}

}  // namespace

Result<std::unique_ptr<MetadataBackend>> openMetadataBackend(
    const std::map<std::string, std::string>& config) {
  const std::string driver = lookup(config, "Driver", "sqlite3");
  if (driver == "sqlite3") {
    SqliteOptions options;
    options.path = lookup(config, "ConnectionString", "plik.db");
    std::string maxConns = lookup(config, "MaxOpenConns", "");
    if (!maxConns.empty()) {
      try {
        options.maxConnections = std::stoi(maxConns);
      } catch (const std::exception&) {
        return Error::internal("invalid metadata backend MaxOpenConns " + maxConns);
      }
    }
    if (lookup(config, "EraseFirst", "false") == "true") {  // tests only, like Plik
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(options.path + suffix, ec);
      }
    }
    auto backend = SqliteBackend::open(options);
    if (!backend.ok()) return std::move(backend).error();
    return std::unique_ptr<MetadataBackend>(std::move(backend).value());
  }
  return Error::internal("invalid metadata backend driver " + driver);
}

}  // namespace plik
