// AsyncSignal: waiter bookkeeping, deadline timer and cancellation for the one-waiter event.
// Completion always runs on the waiter's executor (posted from notify/cancel, direct from timer).
#include "data/stream/async_signal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <cstdlib>

namespace plik {

// One outstanding wait. Owned by shared_ptrs held by Core (while pending), by the timer's
// handler and by posted completions; the Handler is touched only by whoever took the Waiter
// out of Core (exactly one party), and the timer/slot only on the waiter's executor.
struct AsyncSignal::Waiter {
  // Boost 1.81's any_completion_handler move-assignment recurses forever (it re-wraps an
  // lvalue): only ever move-construct it.
  Waiter(asio::any_io_executor e, Handler h) : ex(std::move(e)), handler(std::move(h)) {}

  asio::any_io_executor ex;  // handler's executor, work-tracked until completion
  Handler handler;
  std::optional<asio::steady_timer> timer;
  asio::cancellation_slot slot;
};

struct AsyncSignal::Core {
  std::mutex mu;
  bool pending = false;            // guarded by mu: a notify() nobody has consumed yet
  std::shared_ptr<Waiter> waiter;  // guarded by mu: the outstanding wait, if any
};

AsyncSignal::AsyncSignal() : core_(std::make_shared<Core>()) {}

void AsyncSignal::notify() {
  std::shared_ptr<Waiter> w;
  {
    std::lock_guard lk(core_->mu);
    if (!core_->waiter) {
      core_->pending = true;
      return;
    }
    w = std::move(core_->waiter);
  }
  postCompletion(w, {});
}

void AsyncSignal::reset() {
  std::lock_guard lk(core_->mu);
  core_->pending = false;
}

asio::awaitable<boost::system::error_code> AsyncSignal::wait(Deadline deadline) {
  auto ex = co_await asio::this_coro::executor;
  auto [ec] = co_await asyncWait(ex, deadline, asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

void AsyncSignal::start(const std::shared_ptr<Core>& core, asio::any_io_executor handlerEx,
                        asio::cancellation_slot slot, Deadline deadline, Handler handler) {
  auto w = std::make_shared<Waiter>(
      asio::prefer(handlerEx, asio::execution::outstanding_work.tracked), std::move(handler));

  // Timer and slot are armed before the waiter is published, so a concurrent notify() can
  // only ever find a fully set-up waiter (its completion then tears both down on w->ex).
  if (deadline) {
    w->timer.emplace(handlerEx, *deadline);
    w->timer->async_wait([core, wk = std::weak_ptr<Waiter>(w)](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      auto self = wk.lock();
      if (!self) return;
      {
        std::lock_guard lk(core->mu);
        if (core->waiter != self) return;  // already completed by notify()/cancellation
        core->waiter.reset();
      }
      complete(self, asio::error::timed_out);  // timer runs on the waiter's executor
    });
  }
  if (slot.is_connected()) {
    w->slot = slot;
    slot.assign([core, wk = std::weak_ptr<Waiter>(w)](asio::cancellation_type) {
      auto self = wk.lock();
      if (!self) return;
      {
        std::lock_guard lk(core->mu);
        if (core->waiter != self) return;
        core->waiter.reset();
      }
      postCompletion(self, asio::error::operation_aborted);
    });
  }

  bool immediate = false;
  {
    std::lock_guard lk(core->mu);
    if (core->waiter) {
      std::fputs("AsyncSignal: two concurrent waits on a one-waiter signal\n", stderr);
      std::abort();
    }
    if (core->pending) {
      core->pending = false;
      immediate = true;
    } else {
      core->waiter = w;
    }
  }
  if (immediate) postCompletion(w, {});
  // A deadline already in the past is left to the timer, which fires at once.
}

void AsyncSignal::postCompletion(const std::shared_ptr<Waiter>& w, boost::system::error_code ec) {
  auto ex = w->ex;
  asio::post(ex, [w, ec] { complete(w, ec); });
}

void AsyncSignal::complete(const std::shared_ptr<Waiter>& w, boost::system::error_code ec) {
  // Runs on w->ex. Tear down the deadline timer (cancels its pending wait) and the slot
  // handler before resuming the waiter, which may immediately start a new wait.
  w->timer.reset();
  if (w->slot.is_connected()) w->slot.clear();
  auto handler = std::move(w->handler);
  auto work = std::move(w->ex);  // keeps the io_context busy until after the upcall
  std::move(handler)(ec);
}

}  // namespace plik
