// Turns the route table into the http::Handler the transport calls: path prefix, matching,
// middleware chain, handler, error rendering (plain text or browser redirect), logs, metrics.
#pragma once

#include "http/server.hpp"
#include "server/services.hpp"

namespace plik {

http::Handler makeDispatcher(Services& svc);

// Writes `err` as Plik does (spec §2.5, §6.7). If the response already started, breaks the
// connection instead so the client never takes a partial body for a complete one.
boost::asio::awaitable<void> renderError(struct Context& ctx, const Error& err);

}  // namespace plik
