// A one-waiter, auto-reset async event that can be notified from any thread: the waiter's
// completion is always posted to the waiter's own executor (its strand), never run inline.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace plik {

namespace asio = boost::asio;

// Contract:
// - At most one wait is outstanding at a time (a broken invariant aborts). notify() may be
//   called from any thread, any number of times, with or without a waiter.
// - notify() with a waiter completes that wait (posted to the waiter's executor, with work
//   tracked so its io_context does not run dry meanwhile); without a waiter it is remembered
//   (one pending flag, auto-reset), so the next wait completes at once. Users re-check their
//   own state under their own lock after every wake-up: spurious wake-ups are possible.
// - A wait completes with: success (notified), asio::error::timed_out (deadline passed; only
//   when a deadline is given, which costs one steady_timer for the wait's duration), or
//   asio::error::operation_aborted (the waiter's per-operation cancellation slot fired).
// - The waiter's executor must be a strand or single-threaded (as coroutines spawned on a
//   strand are): the deadline timer is created, cancelled and destroyed on it.
// - The signal may be destroyed while a wait is outstanding only if that wait can never be
//   completed anyway; the internal state is shared with the wait, so late timer/cancellation
//   callbacks never touch freed memory.
class AsyncSignal {
 public:
  using SteadyClock = std::chrono::steady_clock;
  using Deadline = std::optional<SteadyClock::time_point>;
  using Handler = asio::any_completion_handler<void(boost::system::error_code)>;

  AsyncSignal();
  AsyncSignal(const AsyncSignal&) = delete;
  AsyncSignal& operator=(const AsyncSignal&) = delete;

  // Thread-safe. Wakes the waiter (by posting) or remembers one notification.
  void notify();

  // Drops a remembered notification (call it under your own lock before re-checking state,
  // to avoid a spurious wake-up later). Thread-safe.
  void reset();

  // Generic form: the handler's associated executor (or `ex` when it has none) runs the
  // completion and owns the deadline timer. Signature: void(error_code).
  template <class Executor, class CompletionToken>
  auto asyncWait(const Executor& ex, Deadline deadline, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [core = core_](auto handler, asio::any_io_executor fallback, Deadline dl) {
          auto hex = asio::get_associated_executor(handler, fallback);
          auto slot = asio::get_associated_cancellation_slot(handler);
          start(core, asio::any_io_executor(hex), slot, dl, Handler(std::move(handler)));
        },
        token, asio::any_io_executor(ex), deadline);
  }

  // Coroutine form: `co_await signal.wait(deadline)` on the calling coroutine's executor.
  asio::awaitable<boost::system::error_code> wait(Deadline deadline = std::nullopt);

 private:
  struct Waiter;
  struct Core;

  static void start(const std::shared_ptr<Core>& core, asio::any_io_executor handlerEx,
                    asio::cancellation_slot slot, Deadline deadline, Handler handler);
  static void complete(const std::shared_ptr<Waiter>& w, boost::system::error_code ec);
  static void postCompletion(const std::shared_ptr<Waiter>& w, boost::system::error_code ec);

  std::shared_ptr<Core> core_;
};

}  // namespace plik
