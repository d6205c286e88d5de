// Fixture for the in-process HTTP tests: a PlikServer on 127.0.0.1:<ephemeral> with sqlite
// metadata and a file data backend in a fresh temp dir. Tests tweak `cfg` (then call
// startServer()) or rely on SetUp starting it with the defaults when autoStart() is true.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/config.hpp"
#include "http/http_client.hpp"
#include "server/plik_server.hpp"

namespace plik::test {

using Json = nlohmann::json;

class PlikTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Override to return false for tests that tweak cfg and call startServer() themselves.
  virtual bool autoStart() const { return true; }
  void startServer();
  void stopServer();

  // --- request helpers (fresh connection each) ---
  Response get(const std::string& target, const Headers& h = {}) {
    return request(port_, "GET", target, h);
  }
  Response head(const std::string& target, const Headers& h = {}) {
    return request(port_, "HEAD", target, h);
  }
  Response del(const std::string& target, const Headers& h = {}) {
    return request(port_, "DELETE", target, h);
  }
  Response post(const std::string& target, std::string_view body, const Headers& h = {}) {
    return request(port_, "POST", target, h, body);
  }
  // POST /upload with a JSON body; ASSERTs 200 is up to the caller. Returns the parsed JSON
  // (null on non-200).
  Json createUpload(const std::string& json = "{}", Response* raw = nullptr, const Headers& h = {});
  // Uploads `content` as file `name` of upload `up` (JSON from createUpload), declared file
  // `fileId` if non-empty (else POST /file/{id}). Returns the response.
  Response uploadFile(const Json& up, const std::string& name, std::string_view content,
                      const std::string& fileId = "", const std::string& prefix = "file");
  // Creates an upload with one declared file and uploads it. Returns the upload JSON with the
  // file at files[0] (as returned by creation), asserting success.
  Json uploadOne(const std::string& name, std::string_view content,
                 const std::string& options = "");
  std::string fileUrl(const Json& up, const std::string& prefix = "file", size_t i = 0) const;
  std::string fileStatus(const Json& up, const std::string& fileId);  // via GET /upload (admin)
  // Number of regular files under the data directory.
  size_t dataFileCount() const;

  Config cfg;
  std::filesystem::path dir_;
  std::filesystem::path dataDir_;
  std::unique_ptr<PlikServer> server_;
  uint16_t port_ = 0;
};

// Fixture variant that does not start automatically.
class PlikConfigTest : public PlikTest {
 protected:
  bool autoStart() const override { return false; }
};

}  // namespace plik::test
