// Request-path operations shared by several handlers: creating an upload from a client
// request, receiving a file's bytes from a multipart body into a data writer, and purging
// a file's data.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "codec/json_codec.hpp"
#include "server/context.hpp"

namespace plik {

// Whitelist, rules, password hashing (blocking pool), persistence. Errors carry Plik's
// messages (403 untrusted source IP address / 400 unable to create upload : ...).
boost::asio::awaitable<Result<Upload>> createUploadFromRequest(Context& ctx,
                                                              const UploadRequest& req);

// Reads the multipart body, finds the `file` part and stores it. `declared` is the file the
// URL named (nullopt: create a new file in ctx.upload). On success ctx.file is the file as
// stored (status uploaded, or deleted for streams); on failure the file is back to `missing`
// and no partial data remains. (A Status, not the File: a stream uploader waits for minutes in
// this call, and every File-sized result would sit in each waiting coroutine frame.)
// `respond` writes the success answer (it runs only then, so its frame never waits with the
// uploader); callers that have nothing else to do return receiveFile's awaitable directly
// instead of wrapping it in a coroutine of their own.
boost::asio::awaitable<Status> receiveFile(Context& ctx, const std::optional<File>& declared,
                                           HandlerFn respond);

// Deletes a file's bytes and marks it deleted (from `from`). Errors are logged, not returned:
// the cleaner retries files left `removed`.
boost::asio::awaitable<void> purgeFile(Context& ctx, const File& file, FileStatus from);

}  // namespace plik
