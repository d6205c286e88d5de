// Middleware, one concern each (spec §6). Each returns an Error to stop the chain.
#pragma once

#include "server/context.hpp"

namespace plik::middleware {

Status sourceIp(Context& ctx);                           // source_ip.cpp
boost::asio::awaitable<Status> upload(Context& ctx);     // upload.cpp
boost::asio::awaitable<Status> file(Context& ctx);       // file.cpp
Status downloadDomain(Context& ctx);                     // download_domain.cpp
bool isCliUserAgent(std::string_view userAgent);         // redirect.cpp

}  // namespace plik::middleware
