// The admin listing's opaque cursor, shared by every SQL backend so a cursor means the same
// thing whatever the driver: base64url("<created_at ns>:<upload id>").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/types.hpp"

namespace plik {

// Cursor pointing just after `u` in created_at, id order.
std::string encodeListCursor(const Upload& u);
// (created_at ns, id), or nullopt for anything that is not a cursor we made.
std::optional<std::pair<int64_t, std::string>> decodeListCursor(const std::string& cursor);

}  // namespace plik
