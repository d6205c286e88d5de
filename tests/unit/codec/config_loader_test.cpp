// Tests for codec/config_loader: defaults, Plik's own plikd.cfg, case-insensitive keys,
// PLIKD_* overrides, every error path naming its key, feature flag matrix, summary text.
#include "codec/config_loader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace plik {
namespace {

using Env = std::map<std::string, std::string>;

Config load(const std::string& toml, const Env& env = {}) { return loadConfig(toml, env); }

// Expects a ConfigError whose message contains every `needles`.
void expectError(const std::function<void()>& fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "expected ConfigError containing " << *needles.begin();
  } catch (const ConfigError& e) {
    for (const auto& n : needles) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
          << "message \"" << e.what() << "\" lacks \"" << n << "\"";
    }
  }
}

void expectTomlError(const std::string& toml, std::initializer_list<std::string> needles) {
  SCOPED_TRACE(toml);
  expectError([&] { load(toml); }, needles);
}

void expectEnvError(const Env& env, std::initializer_list<std::string> needles) {
  SCOPED_TRACE(env.begin()->first + "=" + env.begin()->second);
  expectError([&] { loadConfig(std::nullopt, env); }, needles);
}

// Plik 1.3.8's shipped server/plikd.cfg (values, layout and the tab before '=' kept).
const char* kPlikShippedCfg = R"(#####
##
#  Plik - Configuration File
#

Debug               = true            # Enable debug mode
DebugRequests       = false            # Log HTTP request and responses
LogLevel            = "INFO"           # Log level (DEBUG|INFO|WARNING|CRITICAL)

ListenPort          = 8080             # Port the HTTP server will listen on
ListenAddress       = "0.0.0.0"        # Address the HTTP server will bind on
Path                = ""               # HTTP root path
SslEnabled          = false            # Enable SSL
SslCert             = "plik.crt"       # Path to your certificate file
SslKey              = "plik.key"       # Path to your certificate private key file
NoWebInterface      = false            # Disable web user interface
DownloadDomain      = ""               # Enforce download domain
DownloadDomainAlias = []               # Set download domain alias
EnhancedWebSecurity = false            # Enable additional security headers
AbuseContact        = ""               # Abuse contact
WebappDirectory     = "../webapp/dist" # Root directory for webapp static content
ClientsDirectory    = "../clients"     # Root directory for client binaries
ChangelogDirectory  = "../changelog"   # Root directory for changelog
SourceIpHeader      = ""               # If behind reverse proxy ( ex : X-FORWARDED-FOR )
UploadWhitelist     = []               # Restrict upload and user creation to one or more IP range

MaxFileSizeStr      = "10GB"           # 10GB
MaxFilePerUpload    = 1000

DefaultTTLStr       = "30d"            # 30 days
MaxTTLStr           = "30d"            # 0 : No limit

FeatureAuthentication = "disabled"
FeatureOneShot        = "enabled"
FeatureRemovable      = "enabled"
FeatureStream         = "enabled"
FeaturePassword       = "enabled"
FeatureComments       = "enabled"
FeatureSetTTL         = "enabled"
FeatureExtendTTL      = "disabled"
FeatureClients        = "enabled"
FeatureGithub         = "enabled"

GoogleApiClientID   = ""               # Google api client ID
GoogleApiSecret     = ""               # Google api client secret
GoogleValidDomains  = []               # List of acceptable email domains for users
OvhApiKey           = ""               # OVH api application key
OvhApiSecret	    = ""               # OVH api application secret
OvhApiEndpoint      = ""               # OVH api endpoint to use. Defaults to https://eu.api.ovh.com/1.0

DataBackend = "file"
[DataBackendConfig]
    Directory = "files"

[MetadataBackendConfig]
    Driver = "sqlite3"
    ConnectionString = "plik.db"
    Debug = false # Log SQL requests
)";

TEST(ConfigLoader, Defaults) {
  Config c = loadConfig(std::nullopt, {});
  EXPECT_FALSE(c.debug);
  EXPECT_EQ(c.logLevel, "INFO");
  EXPECT_EQ(c.listenAddress, "0.0.0.0");
  EXPECT_EQ(c.listenPort, 8080);
  EXPECT_EQ(c.metricsPort, 0);
  EXPECT_EQ(c.maxFileSize, 10000000000);
  EXPECT_EQ(c.maxUserSize, -1);
  EXPECT_EQ(c.maxFilePerUpload, 1000);
  EXPECT_EQ(c.defaultTtl, 2592000);
  EXPECT_EQ(c.maxTtl, 2592000);
  EXPECT_EQ(c.streamTimeout, 300);
  EXPECT_EQ(c.sessionTimeoutSeconds, 365 * 86400);
  EXPECT_EQ(c.ovhApiEndpoint, "https://eu.api.ovh.com/1.0");
  EXPECT_EQ(c.dataBackend, "file");
  EXPECT_EQ(c.dataBackendConfig.at("Directory"), "files");
  EXPECT_EQ(c.metadataBackendConfig.at("Driver"), "sqlite3");
  EXPECT_EQ(c.metadataBackendConfig.at("ConnectionString"), "plik.db");
  EXPECT_EQ(c.fAuthentication, FeatureFlag::Disabled);
  EXPECT_EQ(c.fOneShot, FeatureFlag::Enabled);
  EXPECT_EQ(c.fRemovable, FeatureFlag::Enabled);
  EXPECT_EQ(c.fStream, FeatureFlag::Enabled);
  EXPECT_EQ(c.fPassword, FeatureFlag::Enabled);
  EXPECT_EQ(c.fComments, FeatureFlag::Enabled);
  EXPECT_EQ(c.fSetTtl, FeatureFlag::Enabled);
  EXPECT_EQ(c.fExtendTtl, FeatureFlag::Disabled);
  EXPECT_EQ(c.fClients, FeatureFlag::Enabled);
  EXPECT_EQ(c.fGithub, FeatureFlag::Enabled);
  EXPECT_EQ(c.fText, FeatureFlag::Enabled);
  EXPECT_EQ(c.featureAuthentication, "disabled");
  EXPECT_EQ(c.featureExtendTtl, "disabled");
  EXPECT_EQ(c.featureText, "enabled");
  EXPECT_FALSE(c.authentication);
  EXPECT_FALSE(c.noAnonymousUploads);
  EXPECT_TRUE(c.oneShot);
  EXPECT_TRUE(c.removable);
  EXPECT_TRUE(c.stream);
  EXPECT_TRUE(c.protectedByPassword);
  EXPECT_FALSE(c.googleAuthentication);
  EXPECT_FALSE(c.ovhAuthentication);
  EXPECT_TRUE(c.whitelist.empty());
  EXPECT_TRUE(c.downloadHosts.empty());
}

TEST(ConfigLoader, PlikShippedConfig) {
  Config c = load(kPlikShippedCfg);
  EXPECT_TRUE(c.debug);
  EXPECT_FALSE(c.debugRequests);
  EXPECT_EQ(c.sslCert, "plik.crt");
  EXPECT_EQ(c.sslKey, "plik.key");
  EXPECT_EQ(c.maxFileSize, 10000000000);
  EXPECT_EQ(c.defaultTtl, 2592000);
  EXPECT_EQ(c.maxTtl, 2592000);
  EXPECT_EQ(c.ovhApiEndpoint, "");  // the shipped file overrides the code default
  EXPECT_EQ(c.dataBackendConfig.at("Directory"), "files");
  EXPECT_EQ(c.metadataBackendConfig.at("Driver"), "sqlite3");
  EXPECT_EQ(c.metadataBackendConfig.at("Debug"), "false");
  EXPECT_EQ(c.fAuthentication, FeatureFlag::Disabled);
  EXPECT_EQ(c.fText, FeatureFlag::Enabled);
}

TEST(ConfigLoader, SampleConfigInDocsLoads) {
  auto path = std::filesystem::path(__FILE__).parent_path() / "../../../docs/plikd.cfg";
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  Config c = load(readConfigFile(path.string()));
  Config d = loadConfig(std::nullopt, {});
  EXPECT_EQ(c.maxFileSize, d.maxFileSize);
  EXPECT_EQ(c.maxUserSize, -1);
  EXPECT_EQ(c.defaultTtl, d.defaultTtl);
  EXPECT_EQ(c.streamTimeout, 300);
  EXPECT_EQ(c.fText, FeatureFlag::Enabled);
  EXPECT_EQ(c.fExtendTtl, FeatureFlag::Disabled);
  EXPECT_EQ(c.metadataBackendConfig.at("ConnectionString"), "plik.db");
  EXPECT_EQ(configSummary(c), configSummary(d));
}

TEST(ConfigLoader, KeysAreCaseInsensitive) {
  Config c = load(R"(
sourceipheader = "X-Forwarded-For"
MAXFILESIZESTR = "1MB"
defaultttlstr = "1h"
googleapiclientid = "id"
GoogleApiSecret = "secret"
featureauthentication = "enabled"
[databackendconfig]
directory = "/srv/files"
)");
  EXPECT_EQ(c.sourceIpHeader, "X-Forwarded-For");
  EXPECT_EQ(c.maxFileSize, 1000000);
  EXPECT_EQ(c.defaultTtl, 3600);
  EXPECT_EQ(c.googleApiClientId, "id");
  EXPECT_TRUE(c.googleAuthentication);
  // A backend key differing only by case replaces the default's entry.
  EXPECT_EQ(c.dataBackendConfig.size(), 1u);
  EXPECT_EQ(c.dataBackendConfig.at("Directory"), "/srv/files");
}

TEST(ConfigLoader, UnknownKeysAreIgnored) {
  Config c = load("NotAPlikKey = 3\n[SomeTable]\nx = 1\n");
  EXPECT_EQ(c.listenPort, 8080);
}

TEST(ConfigLoader, BackendConfigValuesBecomeStrings) {
  Config c = load(R"(
DataBackend = "s3"
[DataBackendConfig]
  Bucket = "plik"
  PartSize = 16000000
  UseSSL = true
  Ratio = 1.5
[MetadataBackendConfig]
  ConnectionString = "/var/lib/plik/plik.db"
  MaxOpenConns = 4
)");
  EXPECT_EQ(c.dataBackend, "s3");
  EXPECT_EQ(c.dataBackendConfig.at("Bucket"), "plik");
  EXPECT_EQ(c.dataBackendConfig.at("PartSize"), "16000000");
  EXPECT_EQ(c.dataBackendConfig.at("UseSSL"), "true");
  EXPECT_EQ(c.dataBackendConfig.at("Ratio"), "1.5");
  EXPECT_EQ(c.metadataBackendConfig.at("Driver"), "sqlite3");  // merged onto the default
  EXPECT_EQ(c.metadataBackendConfig.at("ConnectionString"), "/var/lib/plik/plik.db");
  EXPECT_EQ(c.metadataBackendConfig.at("MaxOpenConns"), "4");
}

TEST(ConfigLoader, EnvironmentVariableNames) {
  EXPECT_EQ(environmentVariableFor("DebugRequests"), "PLIKD_DEBUG_REQUESTS");
  EXPECT_EQ(environmentVariableFor("DefaultTTLStr"), "PLIKD_DEFAULT_TTL_STR");
  EXPECT_EQ(environmentVariableFor("DefaultTTL"), "PLIKD_DEFAULT_TTL");
  EXPECT_EQ(environmentVariableFor("SourceIpHeader"), "PLIKD_SOURCE_IP_HEADER");
  EXPECT_EQ(environmentVariableFor("FeatureExtendTTL"), "PLIKD_FEATURE_EXTEND_TTL");
  EXPECT_EQ(environmentVariableFor("MaxFileSizeStr"), "PLIKD_MAX_FILE_SIZE_STR");
  EXPECT_EQ(environmentVariableFor("GoogleApiClientID"), "PLIKD_GOOGLE_API_CLIENT_ID");
  EXPECT_EQ(environmentVariableFor("DataBackendConfig"), "PLIKD_DATA_BACKEND_CONFIG");
  EXPECT_EQ(environmentVariableFor("OvhApiEndpoint"), "PLIKD_OVH_API_ENDPOINT");
  EXPECT_EQ(environmentVariableFor("TlsVersion"), "PLIKD_TLS_VERSION");
  EXPECT_EQ(environmentVariableFor("StreamTimeoutStr"), "PLIKD_STREAM_TIMEOUT_STR");
}

TEST(ConfigLoader, EnvironmentOverridesScalars) {
  Config c =
      load("ListenPort = 8081\nDebugRequests = false\n", {{"PLIKD_DEBUG_REQUESTS", "TRUE"},
                                                          {"PLIKD_LISTEN_PORT", "9000"},
                                                          {"PLIKD_DEFAULT_TTL_STR", "7d"},
                                                          {"PLIKD_MAX_FILE_SIZE_STR", "1GiB"},
                                                          {"PLIKD_SOURCE_IP_HEADER", "X-Real-IP"},
                                                          {"PLIKD_FEATURE_EXTEND_TTL", "enabled"},
                                                          {"PLIKD_GOOGLE_API_CLIENT_ID", "gid"},
                                                          {"PLIKD_MAX_USER_SIZE", "-1"},
                                                          {"PLIKD_ONE_SHOT", "False"},
                                                          {"PLIKD_UNRELATED", "x"}});
  EXPECT_TRUE(c.debugRequests);
  EXPECT_EQ(c.listenPort, 9000);
  EXPECT_EQ(c.defaultTtl, 7 * 86400);
  EXPECT_EQ(c.maxFileSize, 1073741824);
  EXPECT_EQ(c.sourceIpHeader, "X-Real-IP");
  EXPECT_EQ(c.fExtendTtl, FeatureFlag::Enabled);
  EXPECT_EQ(c.googleApiClientId, "gid");
  EXPECT_EQ(c.fOneShot, FeatureFlag::Disabled);
  EXPECT_FALSE(c.oneShot);
}

TEST(ConfigLoader, EnvironmentArrayReplaces) {
  Config c = load(R"(UploadWhitelist = ["192.168.0.0/16", "10.0.0.1"])",
                  {{"PLIKD_UPLOAD_WHITELIST", R"(["127.0.0.1"])"}});
  ASSERT_EQ(c.uploadWhitelist.size(), 1u);
  EXPECT_EQ(c.uploadWhitelist[0], "127.0.0.1");
  ASSERT_EQ(c.whitelist.size(), 1u);
  EXPECT_EQ(c.whitelist[0].prefix, 32);

  Config empty = load(R"(UploadWhitelist = ["10.0.0.1"])", {{"PLIKD_UPLOAD_WHITELIST", "[]"}});
  EXPECT_TRUE(empty.whitelist.empty());
}

TEST(ConfigLoader, EnvironmentMapMerges) {
  Config c = load(
      R"(
[DataBackendConfig]
  Directory = "files"
  Other = "kept"
)",
      {{"PLIKD_DATA_BACKEND_CONFIG", R"({"Directory":"/var/files","PartSize":5,"UseSSL":true})"},
       {"PLIKD_METADATA_BACKEND_CONFIG", R"({"ConnectionString":"/tmp/x.db"})"}});
  EXPECT_EQ(c.dataBackendConfig.at("Directory"), "/var/files");
  EXPECT_EQ(c.dataBackendConfig.at("Other"), "kept");
  EXPECT_EQ(c.dataBackendConfig.at("PartSize"), "5");
  EXPECT_EQ(c.dataBackendConfig.at("UseSSL"), "true");
  EXPECT_EQ(c.metadataBackendConfig.at("Driver"), "sqlite3");
  EXPECT_EQ(c.metadataBackendConfig.at("ConnectionString"), "/tmp/x.db");
}

TEST(ConfigLoader, StrFieldsWin) {
  Config c = load(
      "MaxFileSize = 5000\nMaxFileSizeStr = \"1kB\"\nDefaultTTL = 60\nDefaultTTLStr = \"2h\"\n"
      "MaxTTLStr = \"0\"\n");
  EXPECT_EQ(c.maxFileSize, 1000);
  EXPECT_EQ(c.defaultTtl, 7200);
  EXPECT_EQ(c.maxTtl, 0);
  Config n = load("MaxFileSize = 5000\nMaxUserSize = 42\nDefaultTTL = 60\nMaxTTL = -1\n");
  EXPECT_EQ(n.maxFileSize, 5000);
  EXPECT_EQ(n.maxUserSize, 42);
  EXPECT_EQ(n.defaultTtl, 60);
  EXPECT_EQ(n.maxTtl, -1);
  EXPECT_EQ(load("MaxFileSizeStr = \"unlimited\"").maxFileSize, -1);
  EXPECT_EQ(load("MaxFileSizeStr = \"-1\"").maxFileSize, -1);
  EXPECT_EQ(load("MaxUserSizeStr = \"10 GiB\"").maxUserSize, 10737418240);
}

TEST(ConfigLoader, Ttls) {
  EXPECT_EQ(load("DefaultTTLStr = \"4w\"\nMaxTTLStr = \"0\"").defaultTtl, 28 * 86400);
  EXPECT_EQ(load("DefaultTTLStr = \"-10d\"\nMaxTTLStr = \"0\"").defaultTtl, -1);
  EXPECT_EQ(load("DefaultTTLStr = \"3600\"").defaultTtl, 3600);
  EXPECT_EQ(load("MaxTTLStr = \"-1\"\nDefaultTTLStr = \"400d\"").maxTtl, -1);
  EXPECT_EQ(load("StreamTimeoutStr = \"0\"").streamTimeout, 0);
  EXPECT_EQ(load("StreamTimeoutStr = \"30s\"").streamTimeout, 30);
  EXPECT_EQ(load("SessionTimeout = \"1h\"").sessionTimeoutSeconds, 3600);
}

TEST(ConfigLoader, DerivedValues) {
  Config c = load(R"(
Path = "/plik/"
LogLevel = "DEBUG"
DownloadDomain = "https://dl.example.com/"
DownloadDomainAlias = ["http://localhost:8080", "http://user@[::1]:8081/x"]
UploadWhitelist = ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1"]
)");
  EXPECT_EQ(c.path, "/plik");
  EXPECT_TRUE(c.debug);
  EXPECT_TRUE(c.debugRequests);
  EXPECT_EQ(c.downloadHosts,
            (std::vector<std::string>{"dl.example.com", "localhost:8080", "[::1]:8081"}));
  ASSERT_EQ(c.whitelist.size(), 4u);
  EXPECT_EQ(c.whitelist[1].prefix, 32);
  EXPECT_EQ(c.whitelist[3].prefix, 128);
  auto ip = [](const char* s) { return *parseIpAddress(s); };
  EXPECT_TRUE(c.whitelist[0].contains(ip("10.1.2.3")));
  EXPECT_FALSE(c.whitelist[0].contains(ip("11.0.0.1")));
  EXPECT_TRUE(c.whitelist[0].contains(ip("::ffff:10.9.9.9")));  // v4-mapped counts as v4
  EXPECT_TRUE(c.whitelist[1].contains(ip("192.168.1.7")));
  EXPECT_FALSE(c.whitelist[1].contains(ip("192.168.1.8")));
  EXPECT_TRUE(c.whitelist[2].contains(ip("2001:db8:1::5")));
  EXPECT_FALSE(c.whitelist[2].contains(ip("2001:db9::5")));
  EXPECT_FALSE(c.whitelist[2].contains(ip("10.1.2.3")));
  EXPECT_TRUE(c.whitelist[3].contains(ip("::1")));

  // Aliases are only considered with a DownloadDomain (Plik ignores them otherwise).
  Config noDomain = load(R"(DownloadDomainAlias = ["not a url"])");
  EXPECT_TRUE(noDomain.downloadHosts.empty());
}

TEST(ConfigLoader, CidrParsing) {
  auto c = parseCidr("10.1.2.3/8");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->addr, (std::vector<uint8_t>{10, 0, 0, 0}));
  EXPECT_FALSE(parseCidr("10.0.0.0/33"));
  EXPECT_FALSE(parseCidr("10.0.0.0/"));
  EXPECT_FALSE(parseCidr("10.0.0.0/a"));
  EXPECT_FALSE(parseCidr("300.0.0.1"));
  EXPECT_FALSE(parseCidr("::1/129"));
  EXPECT_FALSE(parseCidr(""));
  EXPECT_TRUE(parseCidr("0.0.0.0/0")->contains(*parseIpAddress("8.8.8.8")));
}

TEST(ConfigLoader, TomlTypeErrorsNameTheKey) {
  expectTomlError("ListenPort = \"80\"", {"ListenPort", "integer"});
  expectTomlError("listenport = 99999999999", {"ListenPort"});
  expectTomlError("Debug = \"yes\"", {"Debug", "boolean"});
  expectTomlError("LogLevel = 3", {"LogLevel", "string"});
  expectTomlError("MaxFileSize = \"10GB\"", {"MaxFileSize"});
  expectTomlError("UploadWhitelist = \"10.0.0.1\"", {"UploadWhitelist", "array"});
  expectTomlError("UploadWhitelist = [1, 2]", {"UploadWhitelist"});
  expectTomlError("DataBackendConfig = \"dir\"", {"DataBackendConfig", "table"});
  expectTomlError("MetadataBackendConfig = 1", {"MetadataBackendConfig"});
  expectTomlError("FeatureStream = true", {"FeatureStream"});
  expectTomlError("Threads = 1.5", {"Threads"});
  expectTomlError("ListenPort = = 3", {"unable to parse config", "line 1"});
}

TEST(ConfigLoader, EnvErrorsNameTheKey) {
  expectEnvError({{"PLIKD_DEBUG", "yes"}}, {"PLIKD_DEBUG", "Debug"});
  expectEnvError({{"PLIKD_DEBUG_REQUESTS", ""}}, {"PLIKD_DEBUG_REQUESTS"});
  expectEnvError({{"PLIKD_LISTEN_PORT", "abc"}}, {"PLIKD_LISTEN_PORT", "ListenPort"});
  expectEnvError({{"PLIKD_LISTEN_PORT", "80x"}}, {"ListenPort"});
  expectEnvError({{"PLIKD_MAX_FILE_SIZE", "99999999999999999999"}}, {"MaxFileSize"});
  expectEnvError({{"PLIKD_UPLOAD_WHITELIST", "127.0.0.1"}}, {"PLIKD_UPLOAD_WHITELIST", "JSON"});
  expectEnvError({{"PLIKD_UPLOAD_WHITELIST", "[1]"}}, {"UploadWhitelist"});
  expectEnvError({{"PLIKD_DATA_BACKEND_CONFIG", "[1]"}}, {"DataBackendConfig", "JSON object"});
  expectEnvError({{"PLIKD_DATA_BACKEND_CONFIG", "{"}}, {"DataBackendConfig"});
}

TEST(ConfigLoader, InitializationErrorsNameTheKey) {
  expectTomlError("MaxFileSizeStr = \"10 foo\"", {"MaxFileSizeStr"});
  expectTomlError("MaxUserSizeStr = \"lots\"", {"MaxUserSizeStr"});
  expectTomlError("DefaultTTLStr = \"abc\"", {"DefaultTTLStr"});
  expectTomlError("MaxTTLStr = \"1 d\"", {"MaxTTLStr"});
  expectTomlError("StreamTimeoutStr = \"x\"", {"StreamTimeoutStr"});
  expectTomlError("DefaultTTLStr = \"31d\"", {"DefaultTTL should not be more than MaxTTL"});
  expectTomlError("SessionTimeout = \"0\"", {"invalid negative or zero value for SessionTimeout"});
  expectTomlError("SessionTimeout = \"-1h\"", {"SessionTimeout"});
  expectTomlError("SessionTimeout = \"forever\"", {"unable to parse SessionTimeout"});
  expectTomlError("UploadWhitelist = [\"300.0.0.1\"]", {"UploadWhitelist", "300.0.0.1"});
  expectTomlError("UploadWhitelist = [\"10.0.0.0/40\"]", {"UploadWhitelist"});
  expectTomlError("DownloadDomain = \"ftp://dl.example.com\"", {"DownloadDomain"});
  expectTomlError("DownloadDomain = \"dl.example.com\"", {"DownloadDomain"});
  expectTomlError("DownloadDomain = \"https://\"", {"DownloadDomain"});
  expectTomlError("DownloadDomain = \"https://dl:port\"", {"DownloadDomain"});
  expectTomlError("DownloadDomain = \"https://dl\"\nDownloadDomainAlias = [\"nope\"]",
                  {"DownloadDomainAlias"});
  expectTomlError("Threads = -1", {"Threads"});
  expectTomlError("ListenPort = 70000", {"ListenPort"});
  expectTomlError("MetricsPort = -1", {"MetricsPort"});
  expectTomlError("ReadTimeout = -5", {"ReadTimeout"});
  expectTomlError("MaxHeaderSize = 0", {"MaxHeaderSize"});
  expectTomlError("ShutdownTimeout = -1", {"ShutdownTimeout"});
  expectTomlError("UnixSocket = \"plikd.sock\"", {"UnixSocket", "absolute"});
  expectTomlError("UnixSocket = \"/" + std::string(110, 'x') + "\"", {"UnixSocket"});
}

TEST(ConfigLoader, FeatureFlagErrors) {
  const std::string all =
      " : Invalid feature flag value. Expecting : disabled|enabled|default|forced";
  for (const char* key :
       {"FeatureAuthentication", "FeatureOneShot", "FeatureRemovable", "FeatureStream",
        "FeaturePassword", "FeatureComments", "FeatureSetTTL", "FeatureExtendTTL", "FeatureText"}) {
    std::string toml = std::string(key) + " = \"maybe\"";
    try {
      load(toml);
      ADD_FAILURE() << key;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), "Invalid value for " + std::string(key) + all);
    }
  }
  for (const char* key : {"FeatureClients", "FeatureGithub"}) {
    for (const char* v : {"forced", "default", "x"}) {
      try {
        load(std::string(key) + " = \"" + v + "\"");
        ADD_FAILURE() << key << "=" << v;
      } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "Invalid value for " + std::string(key) +
                                             " : Invalid feature flag value. Expecting : "
                                             "disabled|enabled");
      }
    }
  }
  // Values are case-sensitive, like Plik.
  expectTomlError("FeatureStream = \"Enabled\"", {"Invalid value for FeatureStream"});
}

struct LegacyCase {
  std::string toml;
  FeatureFlag auth;
  bool authentication, noAnonymous;
};

TEST(ConfigLoader, FeatureAuthenticationMatrix) {
  const LegacyCase cases[] = {
      {"", FeatureFlag::Disabled, false, false},
      {"Authentication = true", FeatureFlag::Enabled, true, false},
      {"NoAnonymousUploads = true", FeatureFlag::Forced, true, true},
      {"Authentication = true\nNoAnonymousUploads = true", FeatureFlag::Forced, true, true},
      {"Authentication = true\nFeatureAuthentication = \"disabled\"", FeatureFlag::Disabled, false,
       false},
      {"FeatureAuthentication = \"default\"", FeatureFlag::Default, true, false},
      {"FeatureAuthentication = \"forced\"", FeatureFlag::Forced, true, true},
      {"NoAnonymousUploads = true\nFeatureAuthentication = \"enabled\"", FeatureFlag::Enabled, true,
       false},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.toml);
    Config c = load(tc.toml);
    EXPECT_EQ(c.fAuthentication, tc.auth);
    EXPECT_EQ(c.featureAuthentication, toString(tc.auth));
    EXPECT_EQ(c.authentication, tc.authentication);
    EXPECT_EQ(c.noAnonymousUploads, tc.noAnonymous);
  }
}

TEST(ConfigLoader, LegacyBooleanFlagsMatrix) {
  struct Flag {
    const char* legacyKey;
    const char* featureKey;
    FeatureFlag Config::*flag;
    bool Config::*legacy;
  };
  const Flag flags[] = {
      {"OneShot", "FeatureOneShot", &Config::fOneShot, &Config::oneShot},
      {"Removable", "FeatureRemovable", &Config::fRemovable, &Config::removable},
      {"Stream", "FeatureStream", &Config::fStream, &Config::stream},
      {"ProtectedByPassword", "FeaturePassword", &Config::fPassword, &Config::protectedByPassword},
  };
  for (const auto& f : flags) {
    SCOPED_TRACE(f.featureKey);
    Config off = load(std::string(f.legacyKey) + " = false");
    EXPECT_EQ(off.*f.flag, FeatureFlag::Disabled);
    EXPECT_FALSE(off.*f.legacy);
    Config on = load(std::string(f.legacyKey) + " = true");
    EXPECT_EQ(on.*f.flag, FeatureFlag::Enabled);
    EXPECT_TRUE(on.*f.legacy);
    for (FeatureFlag v :
         {FeatureFlag::Disabled, FeatureFlag::Enabled, FeatureFlag::Default, FeatureFlag::Forced}) {
      // An explicit Feature* value wins over the legacy boolean, which is then recomputed.
      Config c = load(std::string(f.legacyKey) + " = false\n" + f.featureKey + " = \"" +
                      std::string(toString(v)) + "\"");
      EXPECT_EQ(c.*f.flag, v);
      EXPECT_EQ(c.*f.legacy, v != FeatureFlag::Disabled);
    }
  }
  Config c = load(R"(
FeatureComments = "disabled"
FeatureSetTTL = "forced"
FeatureExtendTTL = "default"
FeatureClients = "disabled"
FeatureGithub = "disabled"
FeatureText = "forced"
)");
  EXPECT_EQ(c.fComments, FeatureFlag::Disabled);
  EXPECT_EQ(c.fSetTtl, FeatureFlag::Forced);
  EXPECT_EQ(c.fExtendTtl, FeatureFlag::Default);
  EXPECT_EQ(c.fClients, FeatureFlag::Disabled);
  EXPECT_EQ(c.fGithub, FeatureFlag::Disabled);
  EXPECT_EQ(c.fText, FeatureFlag::Forced);
}

TEST(ConfigLoader, OAuthDerivation) {
  const char* keys =
      "GoogleApiClientID = \"id\"\nGoogleApiSecret = \"s\"\nOvhApiKey = \"k\"\n"
      "OvhApiSecret = \"s\"\n";
  Config disabled = load(keys);
  EXPECT_FALSE(disabled.googleAuthentication);
  EXPECT_FALSE(disabled.ovhAuthentication);
  Config enabled = load(std::string(keys) + "FeatureAuthentication = \"enabled\"");
  EXPECT_TRUE(enabled.googleAuthentication);
  EXPECT_TRUE(enabled.ovhAuthentication);
  Config half =
      load("FeatureAuthentication = \"forced\"\nGoogleApiClientID = \"id\"\nOvhApiKey = \"k\"");
  EXPECT_FALSE(half.googleAuthentication);
  EXPECT_FALSE(half.ovhAuthentication);
}

TEST(ConfigLoader, Summary) {
  Config d = loadConfig(std::nullopt, {});
  EXPECT_EQ(configSummary(d),
            "Maximum file size : 10 GB\n"
            "Maximum files per upload : 1000\n"
            "Default upload TTL : 30d\n"
            "Maximum upload TTL : 30d\n"
            "One shot upload : enabled\n"
            "Removable upload : enabled\n"
            "Streaming upload : enabled\n"
            "Upload password : enabled\n"
            "Upload comments : enabled\n"
            "Upload set TTL : enabled\n"
            "Upload extend TTL : disabled\n"
            "Authentication : disabled\n");
  Config c = load(R"(
DownloadDomain = "https://dl.example.com"
DownloadDomainAlias = ["http://a:1", "http://b:2"]
MaxFileSizeStr = "unlimited"
DefaultTTLStr = "-1"
MaxTTLStr = "0"
FeatureAuthentication = "enabled"
OvhApiKey = "k"
OvhApiSecret = "s"
)");
  std::string s = configSummary(c);
  EXPECT_NE(s.find("Download domain : https://dl.example.com\n"), std::string::npos) << s;
  EXPECT_NE(s.find("Download domain alias: [http://a:1 http://b:2]\n"), std::string::npos) << s;
  EXPECT_NE(s.find("Maximum file size : unlimited\n"), std::string::npos) << s;
  EXPECT_NE(s.find("Default upload TTL : unlimited\n"), std::string::npos) << s;
  EXPECT_NE(s.find("Maximum upload TTL : unlimited\n"), std::string::npos) << s;
  EXPECT_NE(s.find("Authentication : enabled\nGoogle authentication : disabled\n"
                   "OVH authentication : enabled\nOVH API endpoint : https://eu.api.ovh.com/1.0\n"),
            std::string::npos)
      << s;
}

class LocateConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("plik-cfg-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    old_ = std::filesystem::current_path();
  }
  void TearDown() override {
    std::filesystem::current_path(old_);
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_, old_;
};

TEST_F(LocateConfig, ExplicitAndEnvPaths) {
  auto file = (dir_ / "my.cfg").string();
  std::ofstream(file) << "ListenPort = 1234\n";
  EXPECT_EQ(locateConfigFile(file, {}), file);
  EXPECT_EQ(locateConfigFile(std::nullopt, {{"PLIKD_CONFIG", file}}), file);
  EXPECT_EQ(load(readConfigFile(file)).listenPort, 1234);

  auto missing = (dir_ / "missing.cfg").string();
  expectError([&] { (void)locateConfigFile(missing, {}); },
              {"Unable to read config file " + missing + " : "});
  expectError(
      [&] {
        (void)locateConfigFile(std::nullopt, {{"PLIKD_CONFIG", missing}});
      },
      {"Unable to read config file"});
  expectError([&] { (void)locateConfigFile(dir_.string(), {}); }, {"is a directory"});
  expectError([&] { (void)readConfigFile(missing); }, {"Unable to read config file"});
}

TEST_F(LocateConfig, CurrentDirectoryThenDefaults) {
  std::filesystem::current_path(dir_);
  auto found = locateConfigFile(std::nullopt, {});
  if (!std::filesystem::exists("/etc/plikd.cfg")) {
    EXPECT_EQ(found, std::nullopt);
  }
  std::ofstream("plikd.cfg") << "\n";
  EXPECT_EQ(locateConfigFile(std::nullopt, {}), std::string("./plikd.cfg"));
}

TEST(ConfigLoader, CurrentEnvironmentReadsProcessEnv) {
  ::setenv("PLIKD_TEST_ONLY_VARIABLE", "a=b", 1);
  auto env = currentEnvironment();
  EXPECT_EQ(env.at("PLIKD_TEST_ONLY_VARIABLE"), "a=b");
  ::unsetenv("PLIKD_TEST_ONLY_VARIABLE");
}

}  // namespace
}  // namespace plik
