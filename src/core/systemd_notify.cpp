#include "core/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace plik {

bool notifySystemd(std::string_view state) {
  const char* env = std::getenv("NOTIFY_SOCKET");
  if (!env || !*env) return false;
  const std::string path = env;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const bool abstract = path[0] == '@';
  if ((path[0] != '/' && !abstract) || path.size() + (abstract ? 0 : 1) > sizeof sa.sun_path)
    return false;
  std::memcpy(sa.sun_path, path.data(), path.size());
  if (abstract) sa.sun_path[0] = '\0';  // "@name": the name's bytes only, no terminator
  const auto len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  const ssize_t n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                             reinterpret_cast<sockaddr*>(&sa), len);
  ::close(fd);
  return n == static_cast<ssize_t>(state.size());
}

}  // namespace plik
