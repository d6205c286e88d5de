// Streams through any instance: a stream's uploader is held by one instance (files.instance,
// its InstanceURL, recorded when the upload begins). A downloader that lands on another
// instance is relayed: this instance GETs the same URL from the owner, marked with the relay
// header, and copies the bytes into its own response, so the failure semantics of a local
// stream carry over (the owner's errors are passed on; a broken owner breaks the response).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "core/result.hpp"
#include "server/context.hpp"

namespace plik {

// Marks a request from another instance: the owner serves it from its own registry and never
// relays it further (no loops).
inline constexpr const char* kRelayHeader = "X-Plik-Relay";

bool isRelayRequest(const Context& ctx);

// Polls the database (after 100, 200, 400, 800 ms, then every second) until the file is `uploading` on another instance, then
// returns that instance's URL. Never returns otherwise: race it against the local wait.
boost::asio::awaitable<std::string> waitForRemoteUploader(Context& ctx, std::string fileId);

// Fetches the stream from `owner` and relays it to the client. Returns an Error (to answer
// with) only while nothing has been sent; once the response started, a failure aborts it.
boost::asio::awaitable<Status> relayStream(Context& ctx, const std::string& owner);

}  // namespace plik
