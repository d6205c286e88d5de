// The in-process server fixture (see test_server.hpp).
#include "http/test_server.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <random>

#include "codec/config_loader.hpp"

namespace plik::test {

namespace fs = std::filesystem;

void PlikTest::SetUp() {
  static std::atomic<int> seq{0};
  // As plikd's main does: sendfile() to a peer that reset raises SIGPIPE otherwise.
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::set_level(spdlog::level::warn);
  dir_ = fs::temp_directory_path() /
         ("plik_http_" + std::to_string(::getpid()) + "_" + std::to_string(seq++) + "_" +
          std::to_string(std::random_device{}()));
  fs::create_directories(dir_);
  dataDir_ = dir_ / "files";
  fs::create_directories(dataDir_);
  cfg = Config{};
  cfg.listenAddress = "127.0.0.1";
  cfg.listenPort = 0;
  cfg.dataBackend = "file";
  cfg.dataBackendConfig = {{"Directory", dataDir_.string()}};
  cfg.metadataBackendConfig = {{"Driver", "sqlite3"},
                               {"ConnectionString", (dir_ / "plik.db").string()}};
  cfg.cleaningInterval = -1;
  cfg.threads = 2;
  cfg.shutdownTimeout = 1;  // a test left with a request in flight does not wait a minute
  cfg.webappDirectory = (dir_ / "webapp").string();
  cfg.streamTimeoutStr = "";
  cfg.streamTimeout = 20;
  cfg.debug = false;
  if (autoStart()) startServer();
}

void PlikTest::startServer() {
  initializeConfig(cfg);
  server_ = std::make_unique<PlikServer>(cfg);
  auto p = server_->start();
  ASSERT_TRUE(p.ok()) << p.error().message;
  port_ = *p;
}

void PlikTest::stopServer() {
  if (server_) server_->stop();
  server_.reset();
}

void PlikTest::TearDown() {
  stopServer();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Json PlikTest::createUpload(const std::string& json, Response* raw, const Headers& h) {
  auto r = post("/upload", json, h);
  if (raw) *raw = r;
  if (r.status != 200) return Json();
  return Json::parse(r.body, nullptr, false);
}

Response PlikTest::uploadFile(const Json& up, const std::string& name, std::string_view content,
                              const std::string& fileId, const std::string& prefix) {
  auto mp = multipartFile(name, content);
  Headers h{{"Content-Type", mp.contentType()}};
  if (up.contains("uploadToken")) h.emplace("X-UploadToken", up["uploadToken"].get<std::string>());
  std::string target = "/" + prefix + "/" + up["id"].get<std::string>();
  if (!fileId.empty()) target += "/" + fileId + "/" + name;
  return post(target, mp.body, h);
}

Json PlikTest::uploadOne(const std::string& name, std::string_view content,
                         const std::string& options) {
  std::string body = "{" + options + (options.empty() ? "" : ",") + "\"files\":[{\"fileName\":\"" +
                     name + "\",\"reference\":\"0\"}]}";
  Response raw;
  Json up = createUpload(body, &raw);
  EXPECT_EQ(raw.status, 200) << raw.body;
  if (raw.status != 200) return up;
  auto r = uploadFile(up, name, content, up["files"][0]["id"].get<std::string>());
  EXPECT_EQ(r.status, 200) << r.body;
  return up;
}

std::string PlikTest::fileUrl(const Json& up, const std::string& prefix, size_t i) const {
  return "/" + prefix + "/" + up["id"].get<std::string>() + "/" +
         up["files"][i]["id"].get<std::string>() + "/" +
         up["files"][i]["fileName"].get<std::string>();
}

std::string PlikTest::fileStatus(const Json& up, const std::string& fileId) {
  Headers h{{"X-UploadToken", up["uploadToken"].get<std::string>()}};
  auto r = get("/upload/" + up["id"].get<std::string>(), h);
  if (r.status != 200) return "upload " + std::to_string(r.status);
  Json j = Json::parse(r.body, nullptr, false);
  for (auto& f : j["files"])
    if (f["id"] == fileId) return f["status"].get<std::string>();
  return "not found";
}

size_t PlikTest::dataFileCount() const {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dataDir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file()) ++n;
  return n;
}

}  // namespace plik::test
