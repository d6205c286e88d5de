// fork/exec of the archive and crypto tools (see pipeline.hpp). Pipes are O_CLOEXEC so that a
// stage never inherits another stage's write end (it would never see EOF).
#include "client/pipeline.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "client/format.hpp"

namespace plik {
namespace {

std::string parentOf(const std::string& p) {
  std::string s = p;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  auto slash = s.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : s.substr(0, slash);
}
std::string baseOf(const std::string& p) {
  std::string s = p;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  auto slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

}  // namespace

Result<Command> archiveCommand(const ArchiveSpec& a, const std::vector<std::string>& paths) {
  Command c;
  // One common parent: run there with base names (clean member names, no leading '/').
  std::string parent = paths.empty() ? "." : parentOf(paths[0]);
  bool common = true;
  for (auto& p : paths) {
    std::string b = baseOf(p);
    if (parentOf(p) != parent || b == "." || b == ".." || b == "/") common = false;
  }
  std::vector<std::string> names;
  for (auto& p : paths) names.push_back(common ? baseOf(p) : p);
  if (common && parent != ".") c.cwd = parent;
  auto extra = splitFields(a.options);
  if (a.method == "tar") {
    auto flag = tarCompressFlag(a.compress);
    if (!flag) return flag.error();
    c.argv = {a.tar, "--create"};
    if (!flag.value().empty()) c.argv.push_back(flag.value());
    c.argv.insert(c.argv.end(), extra.begin(), extra.end());
    c.argv.push_back("--file=-");
    c.argv.push_back("--");
    c.argv.insert(c.argv.end(), names.begin(), names.end());
  } else if (a.method == "zip") {
    c.argv = {a.zip, "-q", "-r"};
    c.argv.insert(c.argv.end(), extra.begin(), extra.end());
    c.argv.push_back("-");
    c.argv.insert(c.argv.end(), names.begin(), names.end());
  } else {
    return Error{0, "Invalid archive method " + a.method + " (tar or zip)", {}};
  }
  return c;
}

Result<Command> encryptCommand(const CryptoSpec& s) {
  Command c;
  auto extra = splitFields(s.options);
  if (s.method == "openssl") {
    c.argv = {s.openssl, s.cipher, "-pass", "fd:3"};
  } else if (s.method == "pgp") {
    if (s.recipient.empty()) return Error{0, "No pgp recipient specified (use --recipient)", {}};
    c.argv = {s.gpg,     "--batch",   "--yes",       "--trust-model", "always",
              "--armor", "--encrypt", "--recipient", s.recipient};
    if (!s.keyring.empty()) {
      c.argv.push_back("--no-default-keyring");
      c.argv.push_back("--keyring");
      c.argv.push_back(s.keyring);
    }
  } else if (s.method == "age") {
    if (s.recipient.empty())
      return Error{0, "No age recipient specified (use --recipient age1...)", {}};
    c.argv = {s.age, "--encrypt", "--armor", "--recipient", s.recipient};
  } else {
    return Error{0, "Invalid crypto method " + s.method + " (openssl, pgp or age)", {}};
  }
  c.argv.insert(c.argv.end(), extra.begin(), extra.end());
  return c;
}

Pipeline::~Pipeline() {
  for (auto& s : stages_) {
    ::kill(s.pid, SIGTERM);
    ::waitpid(s.pid, nullptr, 0);
  }
}

Result<int> Pipeline::start(const Command& cmd, int input, const std::string& fd3Data) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return Error{0, std::string("pipe : ") + std::strerror(errno), {}};
  int secret[2] = {-1, -1};
  if (!fd3Data.empty()) {
    if (::pipe2(secret, O_CLOEXEC) != 0)
      return Error{0, std::string("pipe : ") + std::strerror(errno), {}};
  }
  std::vector<char*> argv;
  for (auto& a : cmd.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Error{0, std::string("fork : ") + std::strerror(errno), {}};
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);
    int in = input >= 0 ? input : ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out[1], 1);
    if (secret[0] >= 0) ::dup2(secret[0], 3);
    if (!cmd.cwd.empty() && ::chdir(cmd.cwd.c_str()) != 0) {
      std::fprintf(stderr, "cannot chdir to %s : %s\n", cmd.cwd.c_str(), std::strerror(errno));
      ::_exit(126);
    }
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "cannot run %s : %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(out[1]);
  if (input >= 0) ::close(input);
  if (secret[0] >= 0) {
    ::close(secret[0]);
    std::string line = fd3Data + "\n";
    ssize_t w = ::write(secret[1], line.data(), line.size());  // small: fits in the pipe buffer
    (void)w;
    ::close(secret[1]);
  }
  stages_.push_back(Stage{pid, cmd.argv[0]});
  return out[0];
}

Status Pipeline::wait() {
  Status result;
  for (auto& s : stages_) {
    int st = 0;
    while (::waitpid(s.pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (result.ok()) {
      if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
        result = Error{0, s.name + " exited with status " + std::to_string(WEXITSTATUS(st)), {}};
      else if (WIFSIGNALED(st) && WTERMSIG(st) != SIGPIPE)
        result = Error{0, s.name + " killed by signal " + std::to_string(WTERMSIG(st)), {}};
    }
  }
  stages_.clear();
  return result;
}

}  // namespace plik
