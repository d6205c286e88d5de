// Builds the data backend named by Plik's DataBackend setting from its DataBackendConfig table.
// Start-up only (may touch the disk); request paths receive the built backend.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "data/data_backend.hpp"

namespace plik {

// name: "file", "s3" (docs/s3.md) or "swift" (docs/swift.md). cfg: DataBackendConfig keys as
// written in plikd.cfg, matched case-insensitively like Go's mapstructure ("Directory" for
// "file", default "files").
// Errors: unknown name -> "invalid data backend <name>"; unusable directory -> its reason.
Result<std::unique_ptr<DataBackend>> openDataBackend(const std::string& name,
                                                     const std::map<std::string, std::string>& cfg);

}  // namespace plik
