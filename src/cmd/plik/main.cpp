// plik: the command-line client (spec §12), a drop-in for the original Go client plus
// `plik get URL` (resumable download) and --json. Options → ClientConfig → API calls.
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>

#include "client/api_client.hpp"
#include "client/format.hpp"
#include "client/pipeline.hpp"
#include "client/plikrc.hpp"
#include "client/progress.hpp"
#include "core/random.hpp"

using namespace plik;

namespace {

void die(const std::string& msg, int code = 1) {
  std::cerr << msg << "\n";
  std::exit(code);
}

// Reads one line from the controlling terminal (prompt on stderr); nullopt without a terminal.
std::optional<std::string> promptTty(const std::string& prompt, bool secret) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  termios old{};
  bool restore = false;
  if (secret && ::tcgetattr(fd, &old) == 0) {
    termios t = old;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(fd, TCSANOW, &t) == 0;
  }
  ssize_t w = ::write(fd, prompt.data(), prompt.size());
  (void)w;
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  if (restore) {
    ::tcsetattr(fd, TCSANOW, &old);
    w = ::write(fd, "\n", 1);
  }
  ::close(fd);
  return line;
}

std::string promptOrDie(const std::string& prompt, bool secret) {
  auto v = promptTty(prompt, secret);
  if (!v) die("Unable to prompt for a value : no terminal");
  return *v;
}

std::string rfc1123Now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %Z", &tm);
  return buf;
}

struct Args {
  bool oneshot = false, removable = false, stream = false, extendTtl = false, stdinFlag = false;
  std::string ttl, name, server, token, comments, password, archive, compress, archiveOptions,
      secure, cipher, passphrase, recipient, secureOptions;
  bool prompt = false, archiveDefault = false, secureDefault = false, notSecure = false,
       insecure = false, update = false, quiet = false, debug = false, version = false,
       info = false, json = false;
  std::vector<std::string> files;
};

// First run without any plikrc: ask for the server URL on the terminal and write ~/.plikrc.
ClientConfig firstRunWizard(const char* home) {
  auto url = promptTty("Please enter your plik domain [default:http://127.0.0.1:8080] : ", false);
  if (!url)
    die("No plikrc found ($PLIKRC, ~/.plikrc, /etc/plik/plikrc) and no terminal to create one : "
        "use --server URL or write ~/.plikrc");
  ClientConfig c;
  if (!url->empty()) {
    c.url = *url;
    if (c.url.find("://") == std::string::npos) c.url = "http://" + c.url;
    while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  }
  ApiClient api(HttpOptions{c.url, "", "", "", false, false});
  auto cfg = api.getText("/config");
  if (cfg) {
    auto has = [&](const char* key, const char* v) {
      return cfg.value().find(std::string("\"") + key + "\":\"" + v + "\"") != std::string::npos;
    };
    c.oneShot = has("feature_one_shot", "default") || has("feature_one_shot", "forced");
    c.removable = has("feature_removable", "default") || has("feature_removable", "forced");
    c.stream = has("feature_stream", "default") || has("feature_stream", "forced");
    c.extendTtl = has("feature_extend_ttl", "default") || has("feature_extend_ttl", "forced");
    if (has("feature_authentication", "forced"))
      c.token = promptOrDie("Please enter your upload token : ", true);
  } else {
    std::cerr << "Warning : unable to read the server configuration : " << cfg.error().message
              << "\n";
  }
  std::string path = std::string(home ? home : ".") + "/.plikrc";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::string text = renderPlikrc(c);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    die("Unable to write " + path + " : " + std::strerror(errno));
  ::close(fd);
  std::cerr << "Plik client settings successfully saved to " << path << "\n";
  return c;
}

int runGet(int argc, char** argv) {
  CLI::App app{"plik get: download a Plik link (resumes a partial file with Range)", "plik get"};
  std::string url, out, password, token;
  bool quiet = false, insecure = false, debug = false;
  app.add_option("URL", url, "file URL")->required();
  app.add_option("-o,--output", out, "output file ('-' = stdout; default: name from the URL)");
  app.add_option("--password", password, "login:password of a protected upload");
  app.add_option("--token", token, "user API token");
  app.add_flag("-q,--quiet", quiet, "no progress bar");
  app.add_flag("--insecure", insecure, "skip TLS verification");
  app.add_flag("-d,--debug", debug, "dump HTTP requests");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (out.empty()) {
    std::string path = url.substr(0, url.find_first_of("?#"));
    std::string seg = path.substr(path.rfind('/') + 1);
    std::string dec;
    for (size_t i = 0; i < seg.size(); ++i) {
      if (seg[i] == '%' && i + 2 < seg.size() &&
          std::isxdigit(static_cast<unsigned char>(seg[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(seg[i + 2]))) {
        dec += static_cast<char>(std::stoi(seg.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        dec += seg[i];
      }
    }
    if (dec.empty() || dec == "." || dec == ".." || dec.find('/') != std::string::npos)
      die("Unable to guess a file name from " + url + " : use -o FILE");
    out = dec;
  }
  HttpOptions o;
  o.token = token;
  o.insecure = insecure;
  o.debug = debug;
  if (!password.empty()) std::tie(o.login, o.password) = parseLoginPassword(password);
  Transfer t;
  std::unique_ptr<Progress> progress;
  if (!quiet && !debug && ::isatty(STDERR_FILENO)) {
    progress = std::make_unique<Progress>();
    progress->add(out == "-" ? "stdout" : out.substr(out.rfind('/') + 1), &t);
    progress->start();
  }
  auto r = downloadUrl(o, url, out, t);
  t.finished = true;
  t.failed = !r.ok();
  if (progress) progress->stop();
  if (!r) die("Unable to download " + url + " : " + r.error().message);
  if (!quiet && out != "-")
    std::cerr << (r->resumed ? "Resumed " : "Downloaded ") << out << " (" << r->bytes
              << " bytes)\n";
  return 0;
}

struct Item {
  std::string name;
  std::string path;                // regular file path ("" = stdin or archive)
  std::vector<std::string> paths;  // archive members
  CreatedFile created;
  Transfer transfer;
  std::optional<UploadedFile> result;
  std::string error;
};

}  // namespace

static void onInterrupt(int) {
  static const char kMsg[] = "\nInterrupted : upload cancelled\n";
  ssize_t w = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  (void)w;
  ::_exit(130);
}

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGINT, onInterrupt);
  ::signal(SIGTERM, onInterrupt);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (argc >= 2 && std::string(argv[1]) == "get") return runGet(argc - 1, argv + 1);

  CLI::App app{"plik: upload files to a Plik server", "plik"};
  Args a;
  app.add_flag("-o,--oneshot", a.oneshot, "OneShot: each file is deleted on first download");
  app.add_flag("-r,--removable", a.removable, "Removable: anyone may delete the files");
  app.add_flag("-S,--stream", a.stream, "Stream: blocks until a downloader starts");
  app.add_option("-t,--ttl", a.ttl, "time before expiration (N seconds, Nm, Nh, Nd)");
  app.add_flag("--extend-ttl", a.extendTtl, "extend the expiration by TTL on access");
  app.add_option("-n,--name", a.name, "file name when reading stdin (or for the single file)");
  app.add_flag("--stdin", a.stdinFlag, "allow stdin even if DisableStdin is set in .plikrc");
  app.add_option("--server", a.server, "server URL (overrides .plikrc)");
  app.add_option("--token", a.token, "user API token ('-' = prompt)");
  app.add_option("--comments", a.comments, "comments (markdown)");
  app.add_flag("-p", a.prompt, "protect with login and password (prompted)");
  app.add_option("--password", a.password, "protect with \"login:password\" (default login plik)");
  app.add_flag("-a", a.archiveDefault, "archive with the .plikrc archive parameters");
  app.add_option("--archive", a.archive, "archive backend: tar|zip");
  app.add_option("--compress", a.compress, "[tar] gzip|bzip2|xz|lzip|lzma|lzop|compress|no");
  app.add_option("--archive-options", a.archiveOptions, "[tar|zip] extra command-line options");
  app.add_flag("-s", a.secureDefault, "encrypt with the .plikrc crypto parameters");
  app.add_flag("--not-secure", a.notSecure, "do not encrypt, whatever .plikrc says");
  app.add_option("--secure", a.secure, "crypto backend: openssl|pgp|age");
  app.add_option("--cipher", a.cipher, "[openssl] cipher (default aes-256-cbc)");
  app.add_option("--passphrase", a.passphrase,
                 "[openssl] passphrase ('-' = prompt; default: random)");
  app.add_option("--recipient", a.recipient,
                 "[pgp|age] recipient: gpg key name/email, age public key");
  app.add_option("--secure-options", a.secureOptions,
                 "[openssl|pgp|age] extra command-line options");
  app.add_flag("--insecure", a.insecure, "(TLS) do not verify the server certificate");
  app.add_flag("--update", a.update, "update the client (not supported)");
  app.add_flag("-q,--quiet", a.quiet, "only print the file URLs");
  app.add_flag("-d,--debug", a.debug, "dump configuration and HTTP requests");
  app.add_flag("-v,--version", a.version, "show the client version");
  app.add_flag("-i,--info", a.info, "show client and server information");
  app.add_flag("--json", a.json, "print the upload as JSON (for scripts)");
  app.add_option("FILE", a.files, "files or directories to upload (none: stdin)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (a.version) {
    std::cout << "Plik client v" << kClientVersion << " (plik in C++)\n";
    return 0;
  }
  if (a.update)
    die("Self-update is not supported by this client : install a new version with your package "
        "manager");

  // ---------------------------------------------------------------- configuration
  ClientConfig cfg;
  auto rc = findPlikrc(std::getenv("PLIKRC"), std::getenv("HOME"));
  if (!rc) die("Unable to load configuration : " + rc.error().message);
  if (rc.value()) {
    auto loaded = loadPlikrc(*rc.value());
    if (!loaded) die("Unable to load configuration : " + loaded.error().message);
    cfg = std::move(loaded).value();
  } else if (!a.quiet && a.server.empty() && !a.version) {
    cfg = firstRunWizard(std::getenv("HOME"));
  }
  if (a.debug) cfg.debug = true;
  if (a.quiet) cfg.quiet = true;
  if (!a.server.empty()) {
    cfg.url = a.server;
    while (!cfg.url.empty() && cfg.url.back() == '/') cfg.url.pop_back();
  }
  if (a.oneshot) cfg.oneShot = true;
  if (a.removable) cfg.removable = true;
  if (a.stream) cfg.stream = true;
  if (a.extendTtl) cfg.extendTtl = true;
  if (a.insecure) cfg.insecure = true;
  if (!a.ttl.empty()) {
    auto t = parseTtl(a.ttl);
    if (!t) die(t.error().message);
    cfg.ttl = t.value();
  }
  if (!a.comments.empty()) cfg.comments = a.comments;
  if (a.token == "-")
    cfg.token = promptOrDie("Token : ", true);
  else if (!a.token.empty())
    cfg.token = a.token;
  if (a.prompt) {
    std::string login = promptOrDie("Login [plik]: ", false);
    cfg.login = login.empty() ? "plik" : login;
    cfg.password = promptOrDie("Password: ", true);
  } else if (!a.password.empty()) {
    std::tie(cfg.login, cfg.password) = parseLoginPassword(a.password);
  }
  if (a.archiveDefault) cfg.archive = true;
  if (!a.archive.empty()) {
    cfg.archive = true;
    cfg.archiveMethod = a.archive;
  }
  if (!a.compress.empty()) cfg.compress = a.compress;
  if (!a.archiveOptions.empty()) cfg.archiveOptions = a.archiveOptions;
  if (a.secureDefault) cfg.secure = true;
  if (!a.secure.empty()) {
    cfg.secure = true;
    cfg.secureMethod = a.secure;
  }
  if (a.notSecure) cfg.secure = false;
  if (!a.cipher.empty()) cfg.cipher = a.cipher;
  if (!a.recipient.empty()) cfg.recipient = a.recipient;
  if (!a.secureOptions.empty()) cfg.secureOptions = a.secureOptions;

  HttpOptions http{cfg.url, cfg.token, cfg.login, cfg.password, cfg.insecure, cfg.debug};
  ApiClient api(http);

  if (cfg.debug) {
    std::cerr << "Arguments :";
    for (int i = 1; i < argc; ++i) std::cerr << " " << argv[i];
    std::cerr << "\nConfiguration :\n" << renderPlikrc(cfg);
  }

  if (a.info) {
    std::cout << "Plik client version : v" << kClientVersion << " (plik in C++)\n\n";
    std::cout << "Plik server url : " << cfg.url << "\n";
    auto v = api.getText("/version");
    if (!v) die("Plik server unreachable : " + v.error().message);
    std::cout << "Plik server version : " << versionSummary(v.value()) << "\n";
    auto c = api.getText("/config");
    if (!c) die("Plik server unreachable : " + c.error().message);
    std::cout << "\nPlik server configuration :\n" << configSummary(c.value());
    return 0;
  }

  // ---------------------------------------------------------------- what to upload
  std::vector<std::unique_ptr<Item>> items;
  bool anyDir = false;
  for (auto& p : a.files) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) die(p + " : " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) {
      anyDir = true;
      if (::access(p.c_str(), R_OK | X_OK) != 0) die(p + " : " + std::strerror(errno));
    } else {
      int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) die(p + " : " + std::strerror(errno));
      ::close(fd);
    }
  }
  if (anyDir) cfg.archive = true;
  if (a.files.empty()) {
    if (::isatty(STDIN_FILENO)) {
      std::cout << app.help();
      return 1;
    }
    if (cfg.disableStdin && !a.stdinFlag)
      die("Stdin is disabled by default. Use the --stdin flag to override");
    auto it = std::make_unique<Item>();
    it->name = "STDIN";
    items.push_back(std::move(it));
  } else if (cfg.archive) {
    auto it = std::make_unique<Item>();
    it->paths = a.files;
    it->name = archiveFileName(a.files, cfg.archiveMethod, cfg.compress);
    items.push_back(std::move(it));
  } else {
    for (auto& p : a.files) {
      auto it = std::make_unique<Item>();
      it->path = p;
      auto slash = p.find_last_of('/');
      it->name = slash == std::string::npos ? p : p.substr(slash + 1);
      items.push_back(std::move(it));
    }
  }
  if (!a.name.empty()) {
    if (items.size() != 1) die("Can't override filename if more than one file to upload");
    items[0]->name = a.name;
  }

  ArchiveSpec arch;
  arch.method = cfg.archiveMethod;
  arch.tar = cfg.tar;
  arch.zip = cfg.zip;
  arch.compress = cfg.compress;
  arch.options = cfg.archiveOptions;
  if (cfg.archive) {
    auto cmd = archiveCommand(arch, a.files.empty() ? std::vector<std::string>{"."} : a.files);
    if (!cmd) die("Unable to initialize archive backend : " + cmd.error().message);
    if (a.files.empty()) cfg.archive = false;  // stdin is never archived
  }
  CryptoSpec crypto;
  crypto.method = cfg.secureMethod;
  crypto.openssl = cfg.openssl;
  crypto.cipher = cfg.cipher;
  crypto.gpg = cfg.gpg;
  crypto.recipient = cfg.recipient;
  crypto.keyring = cfg.keyring;
  crypto.options = cfg.secureOptions;
  // The plikrc's SecureOptions.Options holds openssl arguments: gpg only gets --secure-options.
  crypto.age = cfg.age;
  if (cfg.secureMethod != "openssl") crypto.options = a.secureOptions;
  CommandPipes pipes;
  pipes.downloadBinary = cfg.downloadBinary;
  if (cfg.secure) {
    if (cfg.secureMethod == "openssl") {
      if (a.passphrase == "-") {
        crypto.passphrase = promptOrDie("Please enter a passphrase : ", true);
      } else if (!a.passphrase.empty()) {
        crypto.passphrase = a.passphrase;
      } else {
        crypto.passphrase = randomId(25);
        (cfg.quiet || a.json ? std::cerr : std::cout)
            << "Passphrase : " << crypto.passphrase << "\n";
      }
      if (crypto.passphrase.empty()) die("Unable to configure crypto backend : empty passphrase");
      bool plain = std::all_of(crypto.passphrase.begin(), crypto.passphrase.end(),
                               [](unsigned char c) { return std::isalnum(c); });
      pipes.decrypt = opensslDecryptCommand(
          cfg.cipher, plain ? crypto.passphrase : shellQuote(crypto.passphrase), cfg.secureOptions);
    } else if (cfg.secureMethod == "pgp") {
      pipes.decrypt = "gpg -d";
    } else if (cfg.secureMethod == "age") {
      pipes.decrypt = "age -d -i ~/.age/key.txt";  // the downloader's identity file
    }
    auto cmd = encryptCommand(crypto);
    if (!cmd) die("Unable to configure crypto backend : " + cmd.error().message);
  }
  if (cfg.archive && cfg.archiveMethod == "tar")
    pipes.unarchive = tarUnarchiveCommand(cfg.compress);

  // ---------------------------------------------------------------- create the upload
  UploadParams params;
  params.ttl = cfg.ttl;
  params.extendTtl = cfg.extendTtl;
  params.stream = cfg.stream;
  params.oneShot = cfg.oneShot;
  params.removable = cfg.removable;
  params.comments = cfg.comments;
  params.login = cfg.login;
  params.password = cfg.password;
  for (auto& it : items) params.fileNames.push_back(it->name);
  auto created = api.createUpload(params);
  if (!created) die("Unable to create upload : " + created.error().message);
  CreatedUpload& up = created.value();
  up.stream = cfg.stream;
  for (size_t i = 0; i < items.size(); ++i) items[i]->created = up.files[i];

  const bool verbose = !cfg.quiet && !a.json;
  std::string base = up.downloadDomain.empty() ? cfg.url : up.downloadDomain;
  std::string pageUrl = uploadPageUrl(cfg.url, up.id);
  auto urlOf = [&](const Item& it) {
    return fileUrl(base, cfg.stream, up.id, it.created.id, it.name);
  };
  if (verbose) {
    std::cout << "Upload successfully created at " << rfc1123Now() << " : \n    " << pageUrl
              << "\n\n";
  }
  // Report of every file, for --json (stream mode prints it before the transfer: a script
  // needs the URLs to hand them to the downloader; the exit status tells the outcome).
  auto printJson = [&](bool before) {
    std::vector<FileReport> reports;
    for (auto& it : items) {
      FileReport r;
      r.name = it->name;
      r.id = it->created.id;
      r.url = urlOf(*it);
      r.command = downloadCommand(r.url, it->name, pipes);
      r.error = it->error;
      if (before) {
        r.status = "waiting";
      } else if (it->result) {
        r.status = it->result->status;
        r.size = it->result->size;
        r.md5 = it->result->md5;
      } else {
        r.status = "failed";
      }
      reports.push_back(std::move(r));
    }
    std::cout << uploadReportJson(up.id, pageUrl, up.uploadToken, cfg.stream, reports) << "\n";
  };
  if (cfg.stream && a.json) printJson(true);
  if (cfg.stream && !a.json) {
    for (auto& it : items)
      std::cout << (cfg.quiet ? urlOf(*it) : downloadCommand(urlOf(*it), it->name, pipes)) << "\n";
    if (verbose) std::cout << "\n";
  }
  std::cout.flush();

  // ---------------------------------------------------------------- sources and transfers
  std::unique_ptr<Progress> progress;
  if (verbose && !cfg.debug && ::isatty(STDERR_FILENO)) progress = std::make_unique<Progress>();
  std::vector<std::unique_ptr<Pipeline>> pipelines;
  std::vector<int> fds(items.size(), -1);
  std::vector<int64_t> sizes(items.size(), -1);
  for (size_t i = 0; i < items.size(); ++i) {
    Item& it = *items[i];
    auto pl = std::make_unique<Pipeline>();
    int fd = -1;
    if (!it.paths.empty()) {
      auto cmd = archiveCommand(arch, it.paths);
      auto r = pl->start(cmd.value(), -1);
      if (!r) die("Unable to create archive : " + r.error().message);
      fd = r.value();
    } else if (!it.path.empty()) {
      fd = ::open(it.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        it.error = std::strerror(errno);
        continue;
      }
      struct stat st {};
      if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) sizes[i] = st.st_size;
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    } else {
      fd = ::dup(STDIN_FILENO);
      struct stat st {};
      if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        sizes[i] = st.st_size - ::lseek(fd, 0, SEEK_CUR);
    }
    if (cfg.secure) {
      auto cmd = encryptCommand(crypto);
      auto r = pl->start(cmd.value(), fd,
                         cfg.secureMethod == "openssl" ? crypto.passphrase : std::string());
      if (!r) die("Unable to encrypt file : " + r.error().message);
      fd = r.value();
      sizes[i] = -1;
    }
    fds[i] = fd;
    it.transfer.total = sizes[i];
    pipelines.push_back(std::move(pl));
    if (progress) progress->add(it.name, &it.transfer);
  }
  if (progress) progress->start();
  std::vector<std::thread> threads;
  for (size_t i = 0; i < items.size(); ++i) {
    if (fds[i] < 0) continue;
    threads.emplace_back([&, i] {
      Item& it = *items[i];
      auto r = api.uploadFile(up, it.created, fds[i], sizes[i], it.transfer);
      ::close(fds[i]);
      if (r)
        it.result = std::move(r).value();
      else
        it.error = r.error().message;
      it.transfer.failed = !r.ok();
      it.transfer.finished = true;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0, p = 0; i < items.size(); ++i) {
    if (fds[i] < 0) continue;
    auto st = pipelines[p++]->wait();
    if (!st && items[i]->error.empty()) {
      items[i]->error = st.error().message;
      items[i]->result.reset();
      items[i]->transfer.failed = true;
    }
  }
  if (progress) progress->stop();

  // ---------------------------------------------------------------- report
  int failed = 0;
  for (auto& it : items) {
    if (!it->error.empty()) {
      ++failed;
      std::cerr << "Unable to upload " << it->name << " : " << it->error << "\n";
    }
  }
  if (a.json) {
    if (!cfg.stream) printJson(false);
  } else if (!cfg.stream) {
    if (verbose) std::cout << "\nCommands : \n";
    for (auto& it : items) {
      if (!it->error.empty()) continue;
      std::cout << (cfg.quiet ? urlOf(*it) : downloadCommand(urlOf(*it), it->name, pipes)) << "\n";
    }
  } else if (verbose) {
    std::cout << "\n";
  }
  std::cout.flush();
  curl_global_cleanup();
  return failed ? 1 : 0;
}
