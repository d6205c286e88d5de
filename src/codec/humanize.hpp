// Human sizes and durations the way Plik prints and parses them (go-humanize, Go durations).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plik {

// go-humanize Bytes: SI base 1000, "5 B", "1.5 kB", "14 MB", "10 GB".
std::string humanizeBytes(int64_t bytes);
// "10GB", "10 GiB", "512", "1.5MB", "unlimited"/"-1" -> -1. nullopt when malformed.
std::optional<int64_t> parseHumanSize(std::string_view s);
// "30d", "1d12h", "4w", "90" (seconds), "5m", "0"; negative -> -1. nullopt when malformed.
std::optional<int64_t> parseDuration(std::string_view s);
// Plik's short TTL rendering for logs/--info: "30d", "1h", "unlimited" ...
std::string humanizeDuration(int64_t seconds);

}  // namespace plik
