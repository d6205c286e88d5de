// plikrc loading: toml++ over ClientConfig defaults, case-insensitive keys (Go toml semantics),
// lookup order $PLIKRC → ~/.plikrc → /etc/plik/plikrc, and rendering for the first-run wizard.
#include "client/plikrc.hpp"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace plik {
namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::tolower(c); });
  return r;
}

const toml::node* find(const toml::table& t, std::string_view key) {
  std::string k = lower(key);
  for (auto&& [name, node] : t) {
    if (lower(name.str()) == k) return &node;
  }
  return nullptr;
}

void getBool(const toml::table& t, std::string_view key, bool& out) {
  if (auto* n = find(t, key)) {
    if (auto v = n->value<bool>()) out = *v;
  }
}
void getString(const toml::table& t, std::string_view key, std::string& out) {
  if (auto* n = find(t, key)) {
    if (auto v = n->value<std::string>()) out = *v;
  }
}
void getInt(const toml::table& t, std::string_view key, int64_t& out) {
  if (auto* n = find(t, key)) {
    if (auto v = n->value<int64_t>()) out = *v;
  }
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::string q(const std::string& s) {  // TOML basic string
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + "\"";
}
const char* b(bool v) { return v ? "true" : "false"; }

}  // namespace

Result<ClientConfig> parsePlikrc(std::string_view text, std::string_view sourceName) {
  ClientConfig c;
  toml::table t;
  try {
    t = toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << e.description() << " (" << sourceName << " line " << e.source().begin.line << ")";
    return Error{0, os.str(), {}};
  }
  getBool(t, "Debug", c.debug);
  getBool(t, "Quiet", c.quiet);
  getString(t, "URL", c.url);
  getBool(t, "OneShot", c.oneShot);
  getBool(t, "Removable", c.removable);
  getBool(t, "Stream", c.stream);
  getBool(t, "Secure", c.secure);
  getString(t, "SecureMethod", c.secureMethod);
  getBool(t, "Archive", c.archive);
  getString(t, "ArchiveMethod", c.archiveMethod);
  getString(t, "DownloadBinary", c.downloadBinary);
  getString(t, "Comments", c.comments);
  getString(t, "Login", c.login);
  getString(t, "Password", c.password);
  getInt(t, "TTL", c.ttl);
  getBool(t, "ExtendTTL", c.extendTtl);
  getBool(t, "AutoUpdate", c.autoUpdate);
  getString(t, "Token", c.token);
  getBool(t, "DisableStdin", c.disableStdin);
  getBool(t, "Insecure", c.insecure);
  if (auto* n = find(t, "SecureOptions"); n && n->is_table()) {
    const auto& s = *n->as_table();
    getString(s, "Openssl", c.openssl);
    getString(s, "Cipher", c.cipher);
    getString(s, "Options", c.secureOptions);
    getString(s, "Gpg", c.gpg);
    getString(s, "Keyring", c.keyring);
    getString(s, "Recipient", c.recipient);
    getString(s, "Age", c.age);
  }
  if (auto* n = find(t, "ArchiveOptions"); n && n->is_table()) {
    const auto& a = *n->as_table();
    getString(a, "Tar", c.tar);
    getString(a, "Compress", c.compress);
    getString(a, "Options", c.archiveOptions);
    getString(a, "Zip", c.zip);
  }
  while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  return c;
}

Result<ClientConfig> loadPlikrc(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{0, "unable to open " + path, {}};
  std::stringstream ss;
  ss << in.rdbuf();
  return parsePlikrc(ss.str(), path);
}

Result<std::optional<std::string>> findPlikrc(const char* plikrcEnv, const char* home) {
  if (plikrcEnv && *plikrcEnv) {
    if (!exists(plikrcEnv))
      return Error{0, std::string("plikrc file ") + plikrcEnv + " (from $PLIKRC) not found", {}};
    return std::optional<std::string>(plikrcEnv);
  }
  if (home && *home) {
    std::string p = std::string(home) + "/.plikrc";
    if (exists(p)) return std::optional<std::string>(p);
  }
  if (exists("/etc/plik/plikrc")) return std::optional<std::string>("/etc/plik/plikrc");
  return std::optional<std::string>();
}

std::string renderPlikrc(const ClientConfig& c) {
  std::ostringstream o;
  o << "Debug = " << b(c.debug) << "\n"
    << "Quiet = " << b(c.quiet) << "\n"
    << "URL = " << q(c.url) << "\n"
    << "OneShot = " << b(c.oneShot) << "\n"
    << "Removable = " << b(c.removable) << "\n"
    << "Stream = " << b(c.stream) << "\n"
    << "Secure = " << b(c.secure) << "\n"
    << "SecureMethod = " << q(c.secureMethod) << "\n"
    << "Archive = " << b(c.archive) << "\n"
    << "ArchiveMethod = " << q(c.archiveMethod) << "\n"
    << "DownloadBinary = " << q(c.downloadBinary) << "\n"
    << "Comments = " << q(c.comments) << "\n"
    << "Login = " << q(c.login) << "\n"
    << "Password = " << q(c.password) << "\n"
    << "TTL = " << c.ttl << "\n"
    << "ExtendTTL = " << b(c.extendTtl) << "\n"
    << "AutoUpdate = " << b(c.autoUpdate) << "\n"
    << "Token = " << q(c.token) << "\n"
    << "DisableStdin = " << b(c.disableStdin) << "\n"
    << "Insecure = " << b(c.insecure) << "\n"
    << "\n[SecureOptions]\n"
    << "  Openssl = " << q(c.openssl) << "\n"
    << "  Cipher = " << q(c.cipher) << "\n"
    << "  Options = " << q(c.secureOptions) << "\n"
    << "\n[ArchiveOptions]\n"
    << "  Tar = " << q(c.tar) << "\n"
    << "  Compress = " << q(c.compress) << "\n"
    << "  Options = " << q(c.archiveOptions) << "\n";
  return o.str();
}

}  // namespace plik
