// Runs blocking work (SQLite, bcrypt, unlink) on the bounded blocking pool and resumes the
// calling coroutine on its own executor. Network threads never block on these.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <memory>
#include <type_traits>

#include "core/result.hpp"

namespace plik {

namespace asio = boost::asio;

// fn() runs on a pool thread and must return a value (not void); exceptions propagate to the
// awaiting coroutine. Concurrency is bounded by the pool's thread count.
// Deliberately not a coroutine itself: g++ 12 mishandles by-value lambda parameters of
// coroutines (double destruction of captures), so fn travels inside the initiation instead.
// Callers pass a named lambda (an lvalue), never a temporary: g++ 12 relocates class-type
// temporaries of a co_await full-expression bitwise, which corrupts short std::strings.
template <class Fn>
asio::awaitable<std::invoke_result_t<Fn>> runBlocking(asio::thread_pool& pool, const Fn& fn) {
  using R = std::invoke_result_t<Fn>;
  auto job = std::make_shared<Fn>(fn);
  return asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, R)>(
      [&pool, job](auto handler) {
        auto ex = asio::get_associated_executor(handler);
        asio::post(pool, [job, handler = std::move(handler), ex]() mutable {
          std::exception_ptr ep;
          try {
            R r = (*job)();
            asio::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
              std::move(handler)(std::exception_ptr(), std::move(r));
            });
            return;
          } catch (...) {
            ep = std::current_exception();
          }
          asio::post(ex, [handler = std::move(handler), ep]() mutable {
            if constexpr (std::is_default_constructible_v<R>)
              std::move(handler)(ep, R{});
            else
              std::move(handler)(ep, R(Error::internal("blocking call failed")));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace plik
