// Builds the configured data backend (see data_backend_factory.hpp); converts the backends'
// start-up exceptions into Errors.
#include "data/data_backend_factory.hpp"

#include <cctype>
#include <exception>
#include <optional>
#include <string_view>

#include "data/file/file_backend.hpp"
#include "data/s3/s3_backend.hpp"
#include "data/swift/swift_backend.hpp"

namespace plik {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> lookup(const std::map<std::string, std::string>& cfg,
                                  std::string_view key) {
  if (auto it = cfg.find(std::string(key)); it != cfg.end()) return it->second;
  for (const auto& [k, v] : cfg) {
    if (equalsIgnoreCase(k, key)) return v;
  }
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<DataBackend>> openDataBackend(
    const std::string& name, const std::map<std::string, std::string>& cfg) {
  if (name == "file") {
    std::string directory = lookup(cfg, "Directory").value_or("files");
    try {
      return std::unique_ptr<DataBackend>(std::make_unique<FileBackend>(std::move(directory)));
    } catch (const std::exception& e) {
      return Error::internal("unable to initialize data backend", e.what());
    }
  }
  if (name == "swift") {
    try {
      return std::unique_ptr<DataBackend>(
          std::make_unique<SwiftBackend>(SwiftConfig::fromMap(cfg)));
    } catch (const std::exception& e) {
      return Error::internal("unable to initialize data backend", e.what());
    }
  }
  if (name == "s3") return openS3Backend(cfg);
  return Error::internal("invalid data backend " + name);
}

}  // namespace plik
