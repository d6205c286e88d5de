// Test helper: runs one coroutine to completion on an io_context and returns its result
// (exceptions propagate), so backend coroutines can be called from plain GoogleTest bodies.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace plik::testing {

namespace asio = boost::asio;

namespace detail {

// Result types like Result<T> are not default-constructible, so use_future cannot carry them.
template <class T>
asio::awaitable<void> storeResult(asio::awaitable<T> aw, std::optional<T>* out) {
  out->emplace(co_await std::move(aw));
}

inline asio::awaitable<void> storeResult(asio::awaitable<void> aw, bool* done) {
  co_await std::move(aw);
  *done = true;
}

}  // namespace detail

// Runs `aw` and everything else queued on `io` until it is idle; then resets `io` for reuse.
// Throws std::logic_error if the coroutine never finished (it waited on something that never came).
template <class T>
T runSync(asio::io_context& io, asio::awaitable<T> aw) {
  std::exception_ptr error;
  auto onDone = [&error](std::exception_ptr e) { error = e; };
  if constexpr (std::is_void_v<T>) {
    bool done = false;
    asio::co_spawn(io, detail::storeResult(std::move(aw), &done), onDone);
    io.run();
    io.restart();
    if (error) std::rethrow_exception(error);
    if (!done) throw std::logic_error("runSync: coroutine did not complete");
  } else {
    std::optional<T> result;
    asio::co_spawn(io, detail::storeResult(std::move(aw), &result), onDone);
    io.run();
    io.restart();
    if (error) std::rethrow_exception(error);
    if (!result) throw std::logic_error("runSync: coroutine did not complete");
    return std::move(*result);
  }
}

}  // namespace plik::testing
