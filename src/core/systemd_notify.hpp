// systemd's readiness protocol (sd_notify(3)) without libsystemd: a Type=notify unit learns
// that plikd listens ("READY=1") and that it is stopping ("STOPPING=1"), so `systemctl start`
// returns once requests are served and units ordered After=plikd start after that.
#pragma once
#include <string_view>

namespace plik {

// Sends `state` (newline-separated KEY=VALUE lines) as one datagram to $NOTIFY_SOCKET (a path,
// or "@name" for the abstract namespace). Returns false, doing nothing, when the variable is
// unset or not a Unix socket address; false too when the send fails (never throws, never
// blocks: the socket is non-blocking).
bool notifySystemd(std::string_view state);

}  // namespace plik
