// plikd.cfg loading: TOML (toml++) onto the defaults with Plik's case-insensitive key match,
// PLIKD_* environment overrides, then Plik's Initialize() derivations and checks (spec §4, §5).
#include "codec/config_loader.hpp"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <climits>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "codec/humanize.hpp"

extern char** environ;  // NOLINT: POSIX

namespace plik {

namespace {

using StringMap = std::map<std::string, std::string>;
using MemberPtr =
    std::variant<bool Config::*, int Config::*, int64_t Config::*, std::string Config::*,
                 std::vector<std::string> Config::*, StringMap Config::*>;

struct Field {
  std::string_view name;  // Plik's Go field name (env name is derived from it)
  MemberPtr member;
};

// Every key plikd.cfg may set, in Plik's order, then our own additions.
const std::vector<Field>& fields() {
  static const std::vector<Field> kFields = {
      {"Debug", &Config::debug},
      {"DebugRequests", &Config::debugRequests},
      {"LogLevel", &Config::logLevel},
      {"ListenAddress", &Config::listenAddress},
      {"ListenPort", &Config::listenPort},
      {"MetricsAddress", &Config::metricsAddress},
      {"MetricsPort", &Config::metricsPort},
      {"Path", &Config::path},
      {"MaxFileSizeStr", &Config::maxFileSizeStr},
      {"MaxFileSize", &Config::maxFileSize},
      {"MaxUserSizeStr", &Config::maxUserSizeStr},
      {"MaxUserSize", &Config::maxUserSize},
      {"MaxFilePerUpload", &Config::maxFilePerUpload},
      {"DefaultTTLStr", &Config::defaultTtlStr},
      {"DefaultTTL", &Config::defaultTtl},
      {"MaxTTLStr", &Config::maxTtlStr},
      {"MaxTTL", &Config::maxTtl},
      {"SslEnabled", &Config::sslEnabled},
      {"SslCert", &Config::sslCert},
      {"SslKey", &Config::sslKey},
      {"TlsVersion", &Config::tlsVersion},
      {"NoWebInterface", &Config::noWebInterface},
      {"DownloadDomain", &Config::downloadDomain},
      {"DownloadDomainAlias", &Config::downloadDomainAlias},
      {"EnhancedWebSecurity", &Config::enhancedWebSecurity},
      {"SessionTimeout", &Config::sessionTimeout},
      {"AbuseContact", &Config::abuseContact},
      {"WebappDirectory", &Config::webappDirectory},
      {"ClientsDirectory", &Config::clientsDirectory},
      {"ChangelogDirectory", &Config::changelogDirectory},
      {"SourceIPHeader", &Config::sourceIpHeader},
      {"UploadWhitelist", &Config::uploadWhitelist},
      {"FeatureAuthentication", &Config::featureAuthentication},
      {"FeatureOneShot", &Config::featureOneShot},
      {"FeatureRemovable", &Config::featureRemovable},
      {"FeatureStream", &Config::featureStream},
      {"FeaturePassword", &Config::featurePassword},
      {"FeatureComments", &Config::featureComments},
      {"FeatureSetTTL", &Config::featureSetTtl},
      {"FeatureExtendTTL", &Config::featureExtendTtl},
      {"FeatureClients", &Config::featureClients},
      {"FeatureGithub", &Config::featureGithub},
      {"FeatureText", &Config::featureText},
      {"Authentication", &Config::authentication},
      {"NoAnonymousUploads", &Config::noAnonymousUploads},
      {"OneShot", &Config::oneShot},
      {"Removable", &Config::removable},
      {"Stream", &Config::stream},
      {"ProtectedByPassword", &Config::protectedByPassword},
      {"GoogleAPIClientID", &Config::googleApiClientId},
      {"GoogleAPISecret", &Config::googleApiSecret},
      {"GoogleValidDomains", &Config::googleValidDomains},
      {"OvhAPIKey", &Config::ovhApiKey},
      {"OvhAPISecret", &Config::ovhApiSecret},
      {"OvhAPIEndpoint", &Config::ovhApiEndpoint},
      {"DataBackend", &Config::dataBackend},
      {"DataBackendConfig", &Config::dataBackendConfig},
      {"MetadataBackendConfig", &Config::metadataBackendConfig},
      // Our additions.
      {"StreamTimeoutStr", &Config::streamTimeoutStr},
      {"StreamTimeout", &Config::streamTimeout},
      {"Threads", &Config::threads},
      {"CleaningInterval", &Config::cleaningInterval},
      {"InstanceURL", &Config::instanceUrl},
      {"UnixSocket", &Config::unixSocket},
      {"LeaseInterval", &Config::leaseInterval},
      {"ReadTimeout", &Config::readTimeout},
      {"ShutdownTimeout", &Config::shutdownTimeout},
      {"MaxHeaderSize", &Config::maxHeaderSize},
  };
  return kFields;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const Field* findField(std::string_view key) {
  for (const auto& f : fields()) {
    if (iequals(f.name, key)) return &f;
  }
  return nullptr;
}

// iancoleman/strcase ToScreamingSnake for identifiers: "DefaultTTLStr" -> "DEFAULT_TTL_STR".
std::string screamingSnake(std::string_view name) {
  std::string out;
  auto isUpper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto isLower = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (i > 0 && isUpper(c)) {
      char prev = name[i - 1];
      bool nextLower = i + 1 < name.size() && isLower(name[i + 1]);
      if (isLower(prev) || (isUpper(prev) && nextLower)) out.push_back('_');
    }
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

// Sets `value` under `key`, replacing an existing key that differs only by case (so that
// `directory = "x"` overrides the default `Directory`).
void mergeKey(StringMap& map, const std::string& key, std::string value) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (iequals(it->first, key)) {
      it->second = std::move(value);
      return;
    }
  }
  map[key] = std::move(value);
}

// ---------------------------------------------------------------- TOML

std::string_view tomlTypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "datetime";
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    default:
      return "nothing";
  }
}

[[noreturn]] void typeError(std::string_view key, std::string_view expected, const toml::node& n) {
  std::ostringstream msg;
  msg << "invalid type for " << key << " : expected " << expected << ", got " << tomlTypeName(n);
  auto line = n.source().begin.line;
  if (line > 0) msg << " (line " << line << ")";
  throw ConfigError(msg.str());
}

nlohmann::json tomlToJson(const toml::node& n) {
  if (auto s = n.as_string()) return s->get();
  if (auto i = n.as_integer()) return i->get();
  if (auto f = n.as_floating_point()) return f->get();
  if (auto b = n.as_boolean()) return b->get();
  if (auto a = n.as_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : *a) out.push_back(tomlToJson(e));
    return out;
  }
  if (auto t = n.as_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : *t) out[std::string(k.str())] = tomlToJson(v);
    return out;
  }
  std::ostringstream os;  // dates and times: their TOML text
  if (auto d = n.as_date()) os << d->get();
  if (auto t = n.as_time()) os << t->get();
  if (auto dt = n.as_date_time()) os << dt->get();
  return os.str();
}

// Backend config values are strings whatever their TOML type (Plik keeps interface{}).
std::string scalarString(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_null()) return "";
  return j.dump();
}

void applyTomlValue(Config& cfg, const Field& field, const toml::node& node) {
  const std::string_view key = field.name;
  std::visit(
      [&](auto member) {
        using T = std::remove_reference_t<decltype(cfg.*member)>;
        if constexpr (std::is_same_v<T, bool>) {
          if (!node.is_boolean()) typeError(key, "a boolean", node);
          cfg.*member = node.as_boolean()->get();
        } else if constexpr (std::is_same_v<T, int>) {
          if (!node.is_integer()) typeError(key, "an integer", node);
          int64_t v = node.as_integer()->get();
          if (v < INT_MIN || v > INT_MAX) {
            throw ConfigError("invalid value for " + std::string(key) + " : " + std::to_string(v) +
                              " is out of range");
          }
          cfg.*member = static_cast<int>(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          if (!node.is_integer()) typeError(key, "an integer", node);
          cfg.*member = node.as_integer()->get();
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (!node.is_string()) typeError(key, "a string", node);
          cfg.*member = node.as_string()->get();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          if (!node.is_array()) typeError(key, "an array of strings", node);
          std::vector<std::string> out;
          for (const auto& e : *node.as_array()) {
            if (!e.is_string()) typeError(key, "an array of strings", e);
            out.push_back(e.as_string()->get());
          }
          cfg.*member = std::move(out);
        } else {
          static_assert(std::is_same_v<T, StringMap>);
          if (!node.is_table()) typeError(key, "a table", node);
          for (const auto& [k, v] : *node.as_table()) {
            mergeKey(cfg.*member, std::string(k.str()), scalarString(tomlToJson(v)));
          }
        }
      },
      field.member);
}

void applyToml(Config& cfg, const std::string& text) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(text), std::string_view("plikd.cfg"));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "unable to parse config : " << e.description() << " (line " << e.source().begin.line
        << ", column " << e.source().begin.column << ")";
    throw ConfigError(msg.str());
  }
  for (const auto& [k, v] : root) {
    const Field* field = findField(k.str());
    if (!field) continue;  // unknown keys are ignored, like Plik's TOML decoder
    applyTomlValue(cfg, *field, v);
  }
}

// ---------------------------------------------------------------- environment

[[noreturn]] void envError(const std::string& var, std::string_view key, std::string_view why) {
  throw ConfigError("invalid value for " + var + " (" + std::string(key) +
                    ") : " + std::string(why));
}

template <class Int>
Int parseEnvInt(const std::string& var, std::string_view key, std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  Int v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    envError(var, key, "expected a decimal integer, got \"" + std::string(text) + "\"");
  }
  return v;
}

void applyEnvValue(Config& cfg, const Field& field, const std::string& var,
                   const std::string& text) {
  const std::string_view key = field.name;
  std::visit(
      [&](auto member) {
        using T = std::remove_reference_t<decltype(cfg.*member)>;
        if constexpr (std::is_same_v<T, bool>) {
          std::string low = toLower(text);
          if (low == "true") {
            cfg.*member = true;
          } else if (low == "false") {
            cfg.*member = false;
          } else {
            envError(var, key, "expected true or false, got \"" + text + "\"");
          }
        } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t>) {
          cfg.*member = parseEnvInt<T>(var, key, text);
        } else if constexpr (std::is_same_v<T, std::string>) {
          cfg.*member = text;
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
          if (j.is_discarded() || !j.is_array())
            envError(var, key, "expected a JSON array of strings");
          std::vector<std::string> out;
          for (const auto& e : j) {
            if (!e.is_string()) envError(var, key, "expected a JSON array of strings");
            out.push_back(e.get<std::string>());
          }
          cfg.*member = std::move(out);
        } else {
          static_assert(std::is_same_v<T, StringMap>);
          nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
          if (j.is_discarded() || !j.is_object()) envError(var, key, "expected a JSON object");
          for (const auto& [k, v] : j.items()) mergeKey(cfg.*member, k, scalarString(v));
        }
      },
      field.member);
}

void applyEnvironment(Config& cfg, const std::map<std::string, std::string>& env) {
  for (const auto& field : fields()) {
    std::string var = "PLIKD_" + screamingSnake(field.name);
    auto it = env.find(var);
    if (it == env.end()) continue;
    applyEnvValue(cfg, field, var, it->second);
  }
}

// ---------------------------------------------------------------- initialisation

constexpr std::string_view kAllFlags = "disabled|enabled|default|forced";
constexpr std::string_view kOnOffFlags = "disabled|enabled";

std::optional<FeatureFlag> parseFlag(const std::string& v) {
  if (v == "disabled") return FeatureFlag::Disabled;
  if (v == "enabled") return FeatureFlag::Enabled;
  if (v == "default") return FeatureFlag::Default;
  if (v == "forced") return FeatureFlag::Forced;
  return std::nullopt;
}

bool isAvailable(FeatureFlag f) { return f != FeatureFlag::Disabled; }

// Resolves one Feature* key: `fallback` when empty, then validation against the allowed set.
FeatureFlag resolveFlag(std::string_view key, std::string& value, FeatureFlag fallback,
                        bool onOffOnly = false) {
  if (value.empty()) value = std::string(toString(fallback));
  auto f = parseFlag(value);
  if (!f || (onOffOnly && *f != FeatureFlag::Disabled && *f != FeatureFlag::Enabled)) {
    throw ConfigError("Invalid value for " + std::string(key) +
                      " : Invalid feature flag value. Expecting : " +
                      std::string(onOffOnly ? kOnOffFlags : kAllFlags));
  }
  return *f;
}

FeatureFlag legacy(bool on) { return on ? FeatureFlag::Enabled : FeatureFlag::Disabled; }

void initializeFeatureFlags(Config& c) {
  FeatureFlag authFallback = c.noAnonymousUploads ? FeatureFlag::Forced
                             : c.authentication   ? FeatureFlag::Enabled
                                                  : FeatureFlag::Disabled;
  c.fAuthentication = resolveFlag("FeatureAuthentication", c.featureAuthentication, authFallback);
  c.authentication = isAvailable(c.fAuthentication);
  c.noAnonymousUploads = c.fAuthentication == FeatureFlag::Forced;

  c.fOneShot = resolveFlag("FeatureOneShot", c.featureOneShot, legacy(c.oneShot));
  c.oneShot = isAvailable(c.fOneShot);
  c.fRemovable = resolveFlag("FeatureRemovable", c.featureRemovable, legacy(c.removable));
  c.removable = isAvailable(c.fRemovable);
  c.fStream = resolveFlag("FeatureStream", c.featureStream, legacy(c.stream));
  c.stream = isAvailable(c.fStream);
  c.fPassword = resolveFlag("FeaturePassword", c.featurePassword, legacy(c.protectedByPassword));
  c.protectedByPassword = isAvailable(c.fPassword);

  c.fComments = resolveFlag("FeatureComments", c.featureComments, FeatureFlag::Enabled);
  c.fSetTtl = resolveFlag("FeatureSetTTL", c.featureSetTtl, FeatureFlag::Enabled);
  c.fExtendTtl = resolveFlag("FeatureExtendTTL", c.featureExtendTtl, FeatureFlag::Disabled);
  c.fGithub = resolveFlag("FeatureGithub", c.featureGithub, FeatureFlag::Enabled, true);
  c.fClients = resolveFlag("FeatureClients", c.featureClients, FeatureFlag::Enabled, true);
  c.fText = resolveFlag("FeatureText", c.featureText, FeatureFlag::Enabled);
}

// Parses an absolute http(s) URL and returns its host[:port] (Go's url.URL.Host).
std::string urlHost(std::string_view key, const std::string& url) {
  auto fail = [&](std::string_view why) -> std::string {
    throw ConfigError("invalid " + std::string(key) + " URL " + url + " : " + std::string(why));
  };
  auto sep = url.find("://");
  if (sep == std::string::npos) return fail("expected http:// or https://");
  std::string scheme = toLower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return fail("expected http:// or https://");
  std::string rest = url.substr(sep + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  if (authority.empty()) return fail("missing host");
  for (char c : authority) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return fail("invalid character in host");
    }
  }
  std::string hostPart = authority;
  std::string port;
  if (authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return fail("missing ']' in host");
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail("invalid port");
      port = authority.substr(close + 2);
    }
    hostPart = authority.substr(0, close + 1);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    port = authority.substr(colon + 1);
    hostPart = authority.substr(0, colon);
    if (port.empty()) return fail("invalid port");
  }
  if (hostPart.empty() || hostPart == "[]") return fail("missing host");
  for (char c : port) {
    if (c < '0' || c > '9') return fail("invalid port \"" + port + "\"");
  }
  return authority;
}

int64_t parseSizeKey(std::string_view key, const std::string& value) {
  auto v = parseHumanSize(value);
  if (!v) {
    throw ConfigError("invalid value for " + std::string(key) + " : unable to parse size \"" +
                      value + "\"");
  }
  return *v;
}

int64_t parseTtlKey(std::string_view key, const std::string& value) {
  auto v = parseDuration(value);
  if (!v) {
    throw ConfigError("invalid value for " + std::string(key) + " : unable to parse TTL \"" +
                      value + "\"");
  }
  return *v;
}

void checkRange(std::string_view key, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    throw ConfigError("invalid value for " + std::string(key) + " : " + std::to_string(v) +
                      " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
}

std::string fileError(const std::string& path) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) return "open " + path + ": no such file or directory";
  if (std::filesystem::is_directory(st)) return "read " + path + ": is a directory";
  std::ifstream in(path);
  if (!in) return "open " + path + ": permission denied";
  return {};
}

}  // namespace

std::optional<std::string> locateConfigFile(const std::optional<std::string>& explicitPath,
                                            const std::map<std::string, std::string>& env) {
  auto mustExist = [](const std::string& p) {
    std::string err = fileError(p);
    if (!err.empty()) throw ConfigError("Unable to read config file " + p + " : " + err);
    return p;
  };
  if (explicitPath && !explicitPath->empty()) return mustExist(*explicitPath);
  if (auto it = env.find("PLIKD_CONFIG"); it != env.end() && !it->second.empty()) {
    return mustExist(it->second);
  }
  for (const char* candidate : {"./plikd.cfg", "/etc/plikd.cfg"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return std::string(candidate);
  }
  return std::nullopt;
}

std::string readConfigFile(const std::string& path) {
  std::string err = fileError(path);
  if (!err.empty()) throw ConfigError("Unable to read config file " + path + " : " + err);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ConfigError("Unable to read config file " + path + " : read error");
  return ss.str();
}

Config loadConfig(const std::optional<std::string>& tomlText,
                  const std::map<std::string, std::string>& env) {
  Config cfg;
  if (tomlText) applyToml(cfg, *tomlText);
  applyEnvironment(cfg, env);
  initializeConfig(cfg);
  return cfg;
}

void initializeConfig(Config& c) {
  if (c.logLevel == "DEBUG") {  // backward compatibility, as Plik
    c.debug = true;
    c.debugRequests = true;
  }
  if (!c.path.empty() && c.path.back() == '/') c.path.pop_back();

  c.whitelist.clear();
  for (const auto& entry : c.uploadWhitelist) {
    auto cidr = parseCidr(entry);
    if (!cidr) {
      throw ConfigError("invalid value for UploadWhitelist : failed to parse upload whitelist : " +
                        entry);
    }
    c.whitelist.push_back(std::move(*cidr));
  }

  initializeFeatureFlags(c);

  c.googleAuthentication = c.fAuthentication != FeatureFlag::Disabled &&
                           !c.googleApiClientId.empty() && !c.googleApiSecret.empty();
  c.ovhAuthentication =
      c.fAuthentication != FeatureFlag::Disabled && !c.ovhApiKey.empty() && !c.ovhApiSecret.empty();

  c.downloadHosts.clear();
  if (!c.downloadDomain.empty()) {
    c.downloadHosts.push_back(urlHost("DownloadDomain", c.downloadDomain));
    for (const auto& alias : c.downloadDomainAlias) {
      c.downloadHosts.push_back(urlHost("DownloadDomainAlias", alias));
    }
  }

  if (!c.maxFileSizeStr.empty()) c.maxFileSize = parseSizeKey("MaxFileSizeStr", c.maxFileSizeStr);
  if (!c.maxUserSizeStr.empty()) c.maxUserSize = parseSizeKey("MaxUserSizeStr", c.maxUserSizeStr);
  if (!c.defaultTtlStr.empty()) c.defaultTtl = parseTtlKey("DefaultTTLStr", c.defaultTtlStr);
  if (!c.maxTtlStr.empty()) c.maxTtl = parseTtlKey("MaxTTLStr", c.maxTtlStr);
  if (c.maxTtl > 0 && c.defaultTtl > c.maxTtl) {
    throw ConfigError("DefaultTTL should not be more than MaxTTL");
  }

  auto session = parseDuration(c.sessionTimeout);
  if (!session) {
    throw ConfigError("unable to parse SessionTimeout : unable to parse TTL \"" + c.sessionTimeout +
                      "\"");
  }
  if (*session <= 0) throw ConfigError("invalid negative or zero value for SessionTimeout");
  c.sessionTimeoutSeconds = *session;

  if (!c.streamTimeoutStr.empty()) {
    c.streamTimeout = parseTtlKey("StreamTimeoutStr", c.streamTimeoutStr);
  }
  if (c.streamTimeout < 0) c.streamTimeout = 0;  // negative = no timeout, like 0

  checkRange("ListenPort", c.listenPort, 0, 65535);
  checkRange("MetricsPort", c.metricsPort, 0, 65535);
  checkRange("Threads", c.threads, 0, 1024);
  checkRange("MaxFilePerUpload", c.maxFilePerUpload, 0, INT_MAX);
  checkRange("ReadTimeout", c.readTimeout, 0, INT64_MAX);
  checkRange("ShutdownTimeout", c.shutdownTimeout, 0, 86400);
  checkRange("LeaseInterval", c.leaseInterval, 1, 3600);
  if (!c.instanceUrl.empty() && c.instanceUrl.rfind("http://", 0) != 0 &&
      c.instanceUrl.rfind("https://", 0) != 0)
    throw ConfigError("invalid InstanceURL " + c.instanceUrl + " : expected http://host:port");
  while (!c.instanceUrl.empty() && c.instanceUrl.back() == '/') c.instanceUrl.pop_back();
  if (!c.unixSocket.empty() && (c.unixSocket[0] != '/' || c.unixSocket.size() > 107))
    throw ConfigError("invalid UnixSocket " + c.unixSocket + " : expected an absolute path of at most 107 bytes");
  checkRange("MaxHeaderSize", c.maxHeaderSize, 1024, 64 * 1024 * 1024);
}

std::string configSummary(const Config& c) {
  std::string s;
  if (!c.downloadDomain.empty()) {
    s += "Download domain : " + c.downloadDomain + "\n";
    if (!c.downloadDomainAlias.empty()) {
      s += "Download domain alias: [";
      for (size_t i = 0; i < c.downloadDomainAlias.size(); ++i) {
        if (i) s += " ";
        s += c.downloadDomainAlias[i];
      }
      s += "]\n";
    }
  }
  s += "Maximum file size : " +
       (c.maxFileSize < 0 ? std::string("unlimited") : humanizeBytes(c.maxFileSize)) + "\n";
  s += "Maximum files per upload : " + std::to_string(c.maxFilePerUpload) + "\n";
  s += "Default upload TTL : " +
       (c.defaultTtl > 0 ? humanizeDuration(c.defaultTtl) : std::string("unlimited")) + "\n";
  s += "Maximum upload TTL : " +
       (c.maxTtl > 0 ? humanizeDuration(c.maxTtl) : std::string("unlimited")) + "\n";
  auto flag = [&](const char* label, FeatureFlag f) {
    s += label;
    s += " : ";
    s += toString(f);
    s += "\n";
  };
  flag("One shot upload", c.fOneShot);
  flag("Removable upload", c.fRemovable);
  flag("Streaming upload", c.fStream);
  flag("Upload password", c.fPassword);
  flag("Upload comments", c.fComments);
  flag("Upload set TTL", c.fSetTtl);
  flag("Upload extend TTL", c.fExtendTtl);
  flag("Authentication", c.fAuthentication);
  if (c.fAuthentication != FeatureFlag::Disabled) {
    s += c.googleAuthentication ? "Google authentication : enabled\n"
                                : "Google authentication : disabled\n";
    if (c.ovhAuthentication) {
      s += "OVH authentication : enabled\n";
      if (!c.ovhApiEndpoint.empty()) s += "OVH API endpoint : " + c.ovhApiEndpoint + "\n";
    } else {
      s += "OVH authentication : disabled\n";
    }
  }
  return s;
}

std::map<std::string, std::string> currentEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::string environmentVariableFor(std::string_view key) {
  const Field* f = findField(key);
  return "PLIKD_" + screamingSnake(f ? f->name : key);
}

}  // namespace plik
