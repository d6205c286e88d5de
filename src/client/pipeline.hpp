// External-tool pipelines of the client, like the original: archives through `tar`/`zip`,
// encryption through `openssl` or `gpg`. Each stage is a child process; the last stage's stdout
// is a pipe the uploader reads, so nothing is held in memory or written to disk.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.hpp"

namespace plik {

struct ArchiveSpec {
  std::string method = "tar";  // tar | zip
  std::string tar = "/bin/tar", zip = "/usr/bin/zip";
  std::string compress = "gzip";
  std::string options;  // extra args, whitespace separated
};

struct CryptoSpec {
  std::string method = "openssl";  // openssl | pgp | age
  std::string openssl = "/usr/bin/openssl", cipher = "aes-256-cbc", passphrase;
  std::string gpg = "/usr/bin/gpg", recipient, keyring;
  std::string age = "age";  // age: recipient is an age1... or ssh public key
  std::string options;
};

// The argv of each stage (pure, unit-tested). Paths are given relative to `cwd` (set when all
// paths share one parent directory, so that the archive holds just their base names).
struct Command {
  std::vector<std::string> argv;
  std::string cwd;
};
Result<Command> archiveCommand(const ArchiveSpec& a, const std::vector<std::string>& paths);
Result<Command> encryptCommand(const CryptoSpec& c);

class Pipeline {
 public:
  Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();

  // Starts a stage reading `input` (-1 = /dev/null), returns the read end of its stdout.
  // The stage owns nothing of ours: input is closed in the parent.
  Result<int> start(const Command& cmd, int input, const std::string& fd3Data = {});
  // Waits for every stage; error naming the first stage that failed.
  Status wait();

 private:
  struct Stage {
    pid_t pid;
    std::string name;
  };
  std::vector<Stage> stages_;
};

}  // namespace plik
