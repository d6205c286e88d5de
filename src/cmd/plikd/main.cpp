// plikd: the Plik server and its admin commands (spec §11): start the server, clean, list /
// show / delete files and uploads, export / import metadata.
#include <malloc.h>
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <spdlog/spdlog.h>
#include <sstream>
#include <thread>

#include "codec/config_loader.hpp"
#include "codec/humanize.hpp"
#include "codec/json_codec.hpp"
#include "core/systemd_notify.hpp"
#include "data/data_backend_factory.hpp"
#include "metadata/export_import.hpp"
#include "server/plik_server.hpp"

using namespace plik;

namespace {

PlikServer* gServer = nullptr;

Config loadOrDie(const std::optional<std::string>& path) {
  auto env = currentEnvironment();
  std::optional<std::string> file;
  try {
    file = locateConfigFile(path, env);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    std::exit(1);
  }
  std::optional<std::string> text;
  if (file) {
    std::ifstream in(*file);
    if (!in) {
      std::cerr << "Unable to read config file " << *file << " : cannot open\n";
      std::exit(1);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  try {
    return loadConfig(text, env);
  } catch (const std::exception& e) {
    std::cerr << "Unable to load config : " << e.what() << "\n";
    std::exit(1);
  }
}

std::unique_ptr<MetadataBackend> openMetaOrDie(const Config& cfg) {
  auto m = openMetadataBackend(cfg.metadataBackendConfig);
  if (!m.ok()) {
    std::cerr << "unable to open metadata backend : " << m.error().message << " " << m.error().detail << "\n";
    std::exit(1);
  }
  return std::move(m).value();
}

std::unique_ptr<DataBackend> openDataOrDie(const Config& cfg) {
  auto d = openDataBackend(cfg.dataBackend, cfg.dataBackendConfig);
  if (!d.ok()) {
    std::cerr << "unable to open data backend : " << d.error().message << "\n";
    std::exit(1);
  }
  return std::move(d).value();
}

bool confirm(const std::string& question, bool assumeYes) {
  if (assumeYes) return true;
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

int serve(Config cfg) {
  // Plik's LogLevel: DEBUG, INFO, WARNING, CRITICAL (Debug = true implies DEBUG).
  auto level = spdlog::level::info;
  if (cfg.debug || cfg.logLevel == "DEBUG") level = spdlog::level::debug;
  else if (cfg.logLevel == "WARNING") level = spdlog::level::warn;
  else if (cfg.logLevel == "CRITICAL") level = spdlog::level::critical;
  spdlog::set_level(level);
  std::unique_ptr<PlikServer> server;
  try {
    server = std::make_unique<PlikServer>(cfg);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  for (const auto& line : std::vector<std::string>{configSummary(cfg)}) spdlog::info("\n{}", line);
  auto port = server->start();
  if (!port.ok()) {
    std::cerr << port.error().message
              << (port.error().detail.empty() ? "" : " : " + port.error().detail) << "\n";
    return 1;
  }
  // Always printed, whatever LogLevel: scripts and operators read the bound port from it.
  const char* scheme = cfg.sslEnabled ? "https" : "http";
  std::fprintf(stderr, "Starting %s server at %s://%s:%u\n", scheme, scheme,
               cfg.listenAddress.c_str(), static_cast<unsigned>(*port));
  if (!cfg.unixSocket.empty())
    std::fprintf(stderr, "Also serving http on Unix socket %s\n", cfg.unixSocket.c_str());
  std::fflush(stderr);
  // Under systemd (Type=notify): the listeners accept from now on.
  notifySystemd("READY=1\nSTATUS=serving on port " + std::to_string(*port));
  gServer = server.get();
  // Signals are waited for on a dedicated thread so the handler does nothing unsafe.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread sigThread([&set] {
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("received signal {}, shutting down", sig);
    notifySystemd("STOPPING=1");
    if (gServer) gServer->stop();
  });
  sigThread.detach();
  server->wait();
  spdlog::info("plikd stopped");
  return 0;
}

void printFile(const File& f, bool human) {
  std::cout << f.uploadId << " " << f.id << " " << (human ? humanizeBytes(f.size) : std::to_string(f.size))
            << " " << toString(f.status) << " " << f.type << " " << f.name << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Transfer buffers (256 KiB - 1 MiB) always come from mmap and go back to the system when a
  // transfer ends, and few arenas: measured peak RSS during a 2 GiB stream 24 MB instead of
  // 31-37 MB with glibc's dynamic threshold and one arena per thread.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_ARENA_MAX, 2);
  // Block the shutdown signals before any thread starts so they all inherit the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"plikd: temporary file upload server (Plik, in C++)"};
  std::optional<std::string> configPath;
  int port = 0;
  bool version = false;
  app.add_option("--config", configPath, "configuration file");
  app.add_option("--port", port, "override ListenPort");
  app.add_flag("-v,--version", version, "print the version");

  auto* clean = app.add_subcommand("clean", "remove expired uploads and deleted files");

  auto* fileCmd = app.add_subcommand("file", "manage files");
  auto* fileList = fileCmd->add_subcommand("list", "list files");
  std::string uploadId, fileId;
  bool human = true, yes = false;
  fileList->add_option("--upload", uploadId);
  fileList->add_option("--file", fileId);
  fileList->add_option("--human", human);
  auto* fileShow = fileCmd->add_subcommand("show", "show a file");
  fileShow->add_option("--file", fileId)->required();
  auto* fileDelete = fileCmd->add_subcommand("delete", "delete files");
  fileDelete->add_option("--file", fileId);
  fileDelete->add_option("--upload", uploadId);
  fileDelete->add_flag("-y,--yes", yes, "do not ask for confirmation");
  fileCmd->require_subcommand(1);

  auto* uploadCmd = app.add_subcommand("upload", "manage uploads");
  auto* uploadList = uploadCmd->add_subcommand("list", "list uploads");
  auto* uploadShow = uploadCmd->add_subcommand("show", "show an upload");
  uploadShow->add_option("--upload", uploadId)->required();
  auto* uploadDelete = uploadCmd->add_subcommand("delete", "delete an upload");
  uploadDelete->add_option("--upload", uploadId)->required();
  uploadDelete->add_flag("-y,--yes", yes, "do not ask for confirmation");
  uploadCmd->require_subcommand(1);

  std::string exportPath, importPath;
  bool ignoreErrors = false;
  auto* exportCmd = app.add_subcommand("export", "export metadata to a file");
  exportCmd->add_option("path", exportPath)->required();
  auto* importCmd = app.add_subcommand("import", "import metadata from a file");
  importCmd->add_option("path", importPath)->required();
  importCmd->add_flag("--ignore-errors", ignoreErrors);

  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::cout << "v1.3.8 (plik in C++)\n";
    return 0;
  }
  Config cfg = loadOrDie(configPath);
  if (port > 0) cfg.listenPort = port;

  if (app.got_subcommand(clean)) {
    auto meta = openMetaOrDie(cfg);
    auto data = openDataOrDie(cfg);
    auto r = runCleaning(*meta, *data);
    if (!r.ok()) {
      std::cerr << "cleaning failed : " << r.error().detail << "\n";
      return 1;
    }
    std::cout << "removed " << r->removedUploads << " expired uploads, deleted " << r->deletedFiles
              << " files, purged " << r->deletedUploads << " uploads\n";
    return 0;
  }
  if (app.got_subcommand(fileCmd)) {
    auto meta = openMetaOrDie(cfg);
    if (fileCmd->got_subcommand(fileList)) {
      auto files = meta->listFiles(uploadId, fileId);
      if (!files.ok()) { std::cerr << files.error().detail << "\n"; return 1; }
      for (const auto& f : *files) printFile(f, human);
      return 0;
    }
    if (fileCmd->got_subcommand(fileShow)) {
      auto f = meta->getFile(fileId);
      if (!f.ok() || !f->has_value()) { std::cerr << "File " << fileId << " not found\n"; return 1; }
      std::cout << fileToJson(**f) << "\n";
      std::string base = "http://127.0.0.1:" + std::to_string(cfg.listenPort) + cfg.path;
      std::cout << "Upload URL : " << base << "/#/?id=" << (**f).uploadId << "\n";
      std::cout << "File URL : " << base << "/file/" << (**f).uploadId << "/" << (**f).id << "/" << (**f).name << "\n";
      return 0;
    }
    if (fileCmd->got_subcommand(fileDelete)) {
      auto files = meta->listFiles(uploadId, fileId);
      if (!files.ok()) { std::cerr << files.error().detail << "\n"; return 1; }
      std::string what = !fileId.empty() ? "file " + fileId : !uploadId.empty() ? "files of upload " + uploadId : "ALL files";
      if (!confirm("Do you really want to delete " + what + " ?", yes)) return 1;
      for (const auto& f : *files) {
        if (f.status == FileStatus::Missing) (void)meta->casFileStatus(f.id, f.status, FileStatus::Deleted);
        else if (f.status == FileStatus::Uploading || f.status == FileStatus::Uploaded)
          (void)meta->casFileStatus(f.id, f.status, FileStatus::Removed);
      }
      auto data = openDataOrDie(cfg);
      (void)runCleaning(*meta, *data);
      std::cout << files->size() << " file(s) deleted\n";
      return 0;
    }
  }
  if (app.got_subcommand(uploadCmd)) {
    auto meta = openMetaOrDie(cfg);
    if (uploadCmd->got_subcommand(uploadList)) {
      UploadListQuery q;
      q.limit = 1000;
      for (;;) {
        auto page = meta->listUploads(q);
        if (!page.ok()) { std::cerr << page.error().detail << "\n"; return 1; }
        for (const auto& u : page->results)
          std::cout << u.id << " " << formatTime(u.createdAt) << " " << u.files.size() << " file(s)"
                    << (u.stream ? " stream" : "") << (u.oneShot ? " oneShot" : "") << "\n";
        if (page->next.empty()) break;
        q.after = page->next;
      }
      return 0;
    }
    if (uploadCmd->got_subcommand(uploadShow)) {
      auto u = meta->getUpload(uploadId, true);
      if (!u.ok() || !u->has_value()) { std::cerr << "Upload " << uploadId << " not found\n"; return 1; }
      std::cout << uploadToJson(**u, true) << "\n";
      return 0;
    }
    if (uploadCmd->got_subcommand(uploadDelete)) {
      if (!confirm("Do you really want to delete upload " + uploadId + " ?", yes)) return 1;
      auto r = meta->softDeleteUpload(uploadId, now());
      if (!r.ok() || !*r) { std::cerr << "Upload " << uploadId << " not found\n"; return 1; }
      auto data = openDataOrDie(cfg);
      (void)runCleaning(*meta, *data);
      std::cout << "upload " << uploadId << " has been deleted\n";
      return 0;
    }
  }
  if (app.got_subcommand(exportCmd)) {
    auto meta = openMetaOrDie(cfg);
    std::ofstream out(exportPath);
    if (!out) { std::cerr << "unable to open " << exportPath << "\n"; return 1; }
    auto r = exportMetadata(*meta, out);
    if (!r.ok()) { std::cerr << "export failed : " << r.error().message << "\n"; return 1; }
    std::cout << "exported " << r->uploads << " uploads, " << r->files << " files, " << r->settings << " settings\n";
    return 0;
  }
  if (app.got_subcommand(importCmd)) {
    auto meta = openMetaOrDie(cfg);
    std::ifstream in(importPath);
    if (!in) { std::cerr << "unable to open " << importPath << "\n"; return 1; }
    auto r = importMetadata(*meta, in, ignoreErrors);
    if (!r.ok()) { std::cerr << "import failed : " << r.error().message << "\n"; return 1; }
    std::cout << "imported " << r->uploads << " out of " << r->uploadsTotal << " uploads\n";
    return 0;
  }
  return serve(std::move(cfg));
}
