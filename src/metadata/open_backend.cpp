// openMetadataBackend: picks the SQL backend named by MetadataBackendConfig.Driver and opens it
// (migrations included). Keys of the config map are matched case-insensitively.
#include <cctype>
#include <filesystem>

#include "metadata/metadata_backend.hpp"
#include "metadata/postgres/postgres_backend.hpp"
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
  if (driver == "postgres") {
    PostgresOptions options;
    options.connectionString = lookup(config, "ConnectionString", "");
    if (options.connectionString.empty()) {
      return Error::internal("missing metadata backend ConnectionString for driver postgres");
    }
    auto toInt = [&](std::string_view key, int& out) -> Status {
      std::string v = lookup(config, key, "");
      if (v.empty()) return {};
      try {
        out = std::stoi(v);
      } catch (const std::exception&) {
        return Error::internal("invalid metadata backend " + std::string(key) + " " + v);
      }
      return {};
    };
    // Go's database/sql: MaxOpenConns 0 = unlimited, which a bounded pool cannot be: keep the
    // default then. MaxIdleConns defaults to MaxOpenConns.
    int maxOpen = 0, maxIdle = -1;
    if (auto s = toInt("MaxOpenConns", maxOpen); !s.ok()) return std::move(s).error();
    if (auto s = toInt("MaxIdleConns", maxIdle); !s.ok()) return std::move(s).error();
    if (maxOpen > 0) options.maxOpenConnections = maxOpen;
    options.maxIdleConnections = maxIdle > 0 ? maxIdle : options.maxOpenConnections;
    if (lookup(config, "EraseFirst", "false") == "true") {  // tests only, like Plik
      if (auto s = PostgresBackend::eraseAll(options.connectionString); !s.ok()) {
        return std::move(s).error();
      }
    }
    auto backend = PostgresBackend::open(options);
    if (!backend.ok()) return std::move(backend).error();
    return std::unique_ptr<MetadataBackend>(std::move(backend).value());
  }
  return Error::internal("invalid metadata backend driver " + driver);
}

}  // namespace plik
