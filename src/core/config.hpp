// The server configuration model: Plik's plikd.cfg keys with their defaults (spec §5),
// plus the values derived at initialisation. Loading lives in codec/config_loader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plik {

enum class FeatureFlag { Disabled, Enabled, Default, Forced };

std::string_view toString(FeatureFlag f);

struct Cidr {
  std::vector<uint8_t> addr;  // 4 or 16 bytes, host bits cleared
  int prefix = 0;
  // Like Go's IPNet.Contains: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is treated as IPv4;
  // an address of the other family never matches.
  bool contains(const std::vector<uint8_t>& ip) const;
};

// Parses "1.2.3.4" or "2001:db8::1" into 4 or 16 bytes (inet_pton rules). nullopt when invalid.
std::optional<std::vector<uint8_t>> parseIpAddress(std::string_view s);
// Parses "10.0.0.0/8", "2001:db8::/32"; a bare address is a host route (/32 or /128).
std::optional<Cidr> parseCidr(std::string_view s);

struct Config {
  // --- keys, as in plikd.cfg ---
  bool debug = false;
  bool debugRequests = false;
  std::string logLevel = "INFO";
  std::string listenAddress = "0.0.0.0";
  int listenPort = 8080;
  std::string metricsAddress = "0.0.0.0";
  int metricsPort = 0;
  std::string path;  // URL prefix, trailing '/' stripped
  std::string maxFileSizeStr;
  int64_t maxFileSize = 10000000000;  // -1 / <=0 unlimited
  std::string maxUserSizeStr;
  int64_t maxUserSize = -1;
  int maxFilePerUpload = 1000;
  std::string defaultTtlStr;
  int64_t defaultTtl = 2592000;
  std::string maxTtlStr;
  int64_t maxTtl = 2592000;
  std::string streamTimeoutStr = "5m";
  int64_t streamTimeout = 300;  // seconds, 0 = none
  bool sslEnabled = false;
  std::string sslCert;
  std::string sslKey;
  std::string tlsVersion = "tlsv10";
  bool noWebInterface = false;
  std::string downloadDomain;
  std::vector<std::string> downloadDomainAlias;
  bool enhancedWebSecurity = false;
  std::string sessionTimeout = "365d";
  std::string abuseContact;
  std::string webappDirectory = "../webapp/dist";
  std::string clientsDirectory = "../clients";
  std::string changelogDirectory = "../changelog";
  std::string sourceIpHeader;
  std::vector<std::string> uploadWhitelist;

  std::string featureAuthentication;
  std::string featureOneShot;
  std::string featureRemovable;
  std::string featureStream;
  std::string featurePassword;
  std::string featureComments;
  std::string featureSetTtl;
  std::string featureExtendTtl;
  std::string featureClients;
  std::string featureGithub;
  std::string featureText;

  // legacy booleans (fallbacks for empty Feature* keys; recomputed at init)
  bool authentication = false;
  bool noAnonymousUploads = false;
  bool oneShot = true;
  bool removable = true;
  bool stream = true;
  bool protectedByPassword = true;

  std::string googleApiClientId, googleApiSecret;
  std::vector<std::string> googleValidDomains;
  std::string ovhApiKey, ovhApiSecret, ovhApiEndpoint = "https://eu.api.ovh.com/1.0";

  std::string dataBackend = "file";
  std::map<std::string, std::string> dataBackendConfig{{"Directory", "files"}};
  std::map<std::string, std::string> metadataBackendConfig{{"Driver", "sqlite3"},
                                                            {"ConnectionString", "plik.db"}};

  // Our additions (documented in docs/compat.md).
  int threads = 0;                     // network threads, 0 = number of cores
  int64_t cleaningInterval = 0;        // seconds; 0 = random 300..599 like Plik, <0 = never
  // How other instances reach this one (cross-instance stream relay) and how the database
  // names it (files.instance). "" = http(s)://<ListenAddress, or the host name for 0.0.0.0>:<ListenPort>.
  std::string instanceUrl;
  // Also serve plain HTTP on this Unix domain socket (absolute path, mode 0660), for a proxy on
  // the same host: cheaper per byte than loopback TCP. "" = none.
  std::string unixSocket;
  // Seconds between this instance's lease refreshes of the files it is receiving; files whose
  // lease is 6 intervals old (their instance died) go back to `missing` in any instance's cleaner.
  int64_t leaseInterval = 5;
  int64_t readTimeout = 60;            // seconds a client may stay silent mid-request (slowloris)
  // Seconds SIGTERM/SIGINT lets requests in flight end (Plik's 1 minute grace); streams end at
  // once, idle connections close at once. 0 = cut everything at once.
  int64_t shutdownTimeout = 60;
  int64_t maxHeaderSize = 16384;       // bytes of request line + headers

  // --- derived at initialisation ---
  FeatureFlag fAuthentication = FeatureFlag::Disabled;
  FeatureFlag fOneShot = FeatureFlag::Enabled;
  FeatureFlag fRemovable = FeatureFlag::Enabled;
  FeatureFlag fStream = FeatureFlag::Enabled;
  FeatureFlag fPassword = FeatureFlag::Enabled;
  FeatureFlag fComments = FeatureFlag::Enabled;
  FeatureFlag fSetTtl = FeatureFlag::Enabled;
  FeatureFlag fExtendTtl = FeatureFlag::Disabled;
  FeatureFlag fClients = FeatureFlag::Enabled;
  FeatureFlag fGithub = FeatureFlag::Enabled;
  FeatureFlag fText = FeatureFlag::Enabled;
  bool googleAuthentication = false;
  bool ovhAuthentication = false;
  std::vector<Cidr> whitelist;
  std::vector<std::string> downloadHosts;  // host[:port] of DownloadDomain and aliases
  int64_t sessionTimeoutSeconds = 365 * 86400;
};

}  // namespace plik
