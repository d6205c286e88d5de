// The client's configuration: ~/.plikrc / /etc/plik/plikrc / $PLIKRC in the original Go client's
// TOML format and keys (spec §12.2), with its defaults. Pure parsing/rendering plus file lookup.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace plik {

struct ClientConfig {
  bool debug = false;
  bool quiet = false;
  std::string url = "http://127.0.0.1:8080";  // trailing '/' stripped
  bool oneShot = false;
  bool removable = false;
  bool stream = false;
  bool secure = false;
  std::string secureMethod = "openssl";
  bool archive = false;
  std::string archiveMethod = "tar";
  std::string downloadBinary = "curl";
  std::string comments;
  std::string login;
  std::string password;
  int64_t ttl = 0;
  bool extendTtl = false;
  bool autoUpdate = false;
  std::string token;
  bool disableStdin = false;
  bool insecure = false;
  // [SecureOptions]
  std::string openssl = "/usr/bin/openssl";
  std::string cipher = "aes-256-cbc";
  std::string secureOptions = "-md sha512 -pbkdf2 -iter 120000";
  std::string gpg = "/usr/bin/gpg";
  std::string keyring;
  std::string recipient;
  std::string age = "age";  // [SecureOptions] Age: the age binary (extension)
  // [ArchiveOptions]
  std::string tar = "/bin/tar";
  std::string compress = "gzip";
  std::string archiveOptions;
  std::string zip = "/usr/bin/zip";
};

// Parses plikrc TOML text over the defaults. Keys are matched case-insensitively like Go's
// BurntSushi/toml; unknown keys are ignored. Error (status 0) with the TOML parser's message.
Result<ClientConfig> parsePlikrc(std::string_view text, std::string_view sourceName = "plikrc");
Result<ClientConfig> loadPlikrc(const std::string& path);

// Which rc file to read: $PLIKRC (error if set but missing), ~/.plikrc, /etc/plik/plikrc.
// nullopt when none exists. `env`/`home` are injectable for tests (nullptr = real environment).
Result<std::optional<std::string>> findPlikrc(const char* plikrcEnv, const char* home);

// TOML text of a config (as written by the first-run wizard).
std::string renderPlikrc(const ClientConfig& c);

}  // namespace plik
