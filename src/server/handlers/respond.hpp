// Response helpers shared by handlers: JSON bodies and plain-text bodies.
#pragma once

#include <string>

#include "codec/json_codec.hpp"
#include "server/context.hpp"

namespace plik::handlers {

// Arguments must outlive the call: pass named variables or literals (g++ 12 relocates
// class-type temporaries of a co_await expression bitwise).
boost::asio::awaitable<Status> respondJson(Context& ctx, std::string_view json);
boost::asio::awaitable<Status> respondText(Context& ctx, std::string_view text,
                                           std::string_view contentType = "text/plain; charset=utf-8");

}  // namespace plik::handlers
