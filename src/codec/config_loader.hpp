// Loads plikd.cfg (TOML, case-insensitive keys) onto the defaults, applies PLIKD_* environment
// overrides (JSON for arrays and maps) and derives the computed values (spec §5).
// Throws ConfigError (message names the key) on any bad value: start-up only.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/config.hpp"

namespace plik {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Finds the file: explicit path, else $PLIKD_CONFIG, else ./plikd.cfg, else /etc/plikd.cfg,
// else nullopt (defaults only). A given path that does not exist is an error.
std::optional<std::string> locateConfigFile(const std::optional<std::string>& explicitPath,
                                            const std::map<std::string, std::string>& env);

// Reads the file found by locateConfigFile; throws "Unable to read config file <p> : <err>".
std::string readConfigFile(const std::string& path);

// Parses TOML text onto a default Config, applies env, initialises.
Config loadConfig(const std::optional<std::string>& tomlText,
                  const std::map<std::string, std::string>& env);

// Validates and derives feature flags, whitelist, download hosts, sizes, TTLs.
void initializeConfig(Config& cfg);

// Human summary printed at start-up and by `plik --info` (one line per setting).
std::string configSummary(const Config& cfg);

std::map<std::string, std::string> currentEnvironment();

// The PLIKD_* variable that overrides a key: "DefaultTTLStr" -> "PLIKD_DEFAULT_TTL_STR".
std::string environmentVariableFor(std::string_view key);

}  // namespace plik
