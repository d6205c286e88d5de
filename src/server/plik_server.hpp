// PlikServer wires a Config into running services: backends, stream registry, blocking pool,
// network threads, the HTTP listener, the metrics listener and the cleaner. Used by plikd's
// main and by the in-process HTTP tests (port 0).
#pragma once

#include <memory>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"
#include "server/services.hpp"

namespace plik {

class PlikServer {
 public:
  // Opens the metadata and data backends and runs crash recovery. Throws std::runtime_error
  // with a readable message when a backend cannot be opened (start-up only).
  explicit PlikServer(Config cfg);
  ~PlikServer();
  // Binds the listeners and starts the network threads; returns the bound HTTP port.
  Result<uint16_t> start();
  // Blocks until stop() (or a signal handler calling stop()).
  void wait();
  // Ends open streams with an error, closes connections, joins threads. Idempotent.
  void stop();
  uint16_t port() const;
  uint16_t metricsPort() const;
  Services& services();
  const Config& config() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// How this instance names itself in the database and how other instances reach it: InstanceURL,
// or http(s)://<ListenAddress, the host name for a wildcard address>:<port>.
std::string instanceUrlOf(const Config& cfg, uint16_t port);

// One cleaning pass (spec §8.9), synchronous: for `plikd clean` and the periodic cleaner.
struct CleanResult {
  int64_t removedUploads = 0, deletedFiles = 0, deletedUploads = 0, orphanFiles = 0;
};
Result<CleanResult> runCleaning(MetadataBackend& meta, DataBackend& data);

}  // namespace plik
