// Every endpoint handler, one per file (verb_noun.cpp). Handlers read what middleware
// resolved from the Context and return an Error value instead of writing error responses.
#pragma once

#include "server/context.hpp"

namespace plik::handlers {

boost::asio::awaitable<Status> createUpload(Context& ctx);
boost::asio::awaitable<Status> getUpload(Context& ctx);
boost::asio::awaitable<Status> removeUpload(Context& ctx);
boost::asio::awaitable<Status> addFile(Context& ctx);
boost::asio::awaitable<Status> quickUpload(Context& ctx);
boost::asio::awaitable<Status> getFile(Context& ctx);
boost::asio::awaitable<Status> removeFile(Context& ctx);
boost::asio::awaitable<Status> getArchive(Context& ctx);
boost::asio::awaitable<Status> getConfig(Context& ctx);
boost::asio::awaitable<Status> getVersion(Context& ctx);
boost::asio::awaitable<Status> getHealth(Context& ctx);
boost::asio::awaitable<Status> getQrCode(Context& ctx);
boost::asio::awaitable<Status> removeStream(Context& ctx);
boost::asio::awaitable<Status> serveStatic(Context& ctx);

}  // namespace plik::handlers
