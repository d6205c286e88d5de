// The response as handlers produce it: status and headers, then either a whole body, a
// streamed body (Content-Length or chunked), or a file region via sendfile. Every write is
// awaited (backpressure). For HEAD requests bodies are silently dropped.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/request.hpp"

namespace plik::http {

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  void setStatus(int status) { status_ = status; }
  int status() const { return status_; }
  // Replaces any header of that name.
  void setHeader(std::string_view name, std::string_view value);
  void addHeader(std::string_view name, std::string_view value);
  void removeHeader(std::string_view name);
  std::optional<std::string_view> header(std::string_view name) const;
  const std::vector<Header>& headers() const { return headers_; }

  // Sends head + whole body (Content-Length set).
  boost::asio::awaitable<Status> send(std::string_view body);
  // Fixes the head. contentLength nullopt = chunked (HTTP/1.1) or until close (HTTP/1.0).
  // The head may wait to leave with the first body bytes (one write, one segment); write(),
  // sendFile(), spliceFrom(), finish() and abort() all send it.
  virtual boost::asio::awaitable<Status> start(std::optional<int64_t> contentLength) = 0;
  virtual boost::asio::awaitable<Status> write(std::span<const char> bytes) = 0;
  // Sends `length` bytes of fd from `offset` (sendfile). Only after start().
  virtual boost::asio::awaitable<Status> sendFile(int fd, int64_t offset, int64_t length) = 0;
  // Zero-copy: sends the next `length` body bytes straight from the socket `srcFd` (splice(2)
  // through a kernel pipe; the bytes never enter user space). Takes ownership of srcFd (a dup
  // the caller made) and closes it. Only after start() of a Content-Length response.
  // Errors: sourceFailed = the source ended or failed before `length` bytes (the caller breaks
  // the response off); otherwise the client went away, timed out, or interrupt() was called.
  struct SpliceOutcome {
    Status status;
    bool sourceFailed = false;
  };
  virtual boost::asio::awaitable<SpliceOutcome> spliceFrom(int srcFd, int64_t length) {
    co_return SpliceOutcome{Error::internal("splice not supported"), false};
  }
  // A thread-safe function that makes the running (and any later) spliceFrom() of this request
  // fail promptly (a stream cancelled from another thread). Empty if splicing is unsupported.
  virtual std::function<void()> spliceInterrupter() { return {}; }
  // Ends the body (terminating chunk). After an error, call abort() instead.
  virtual boost::asio::awaitable<Status> finish() = 0;
  // Breaks the connection so the client can tell the body is incomplete.
  virtual void abort() = 0;
  // While waiting (a stream rendezvous), the connection's read/write idle timeout is paused;
  // the waiter enforces its own deadline.
  virtual void setWaiting(bool waiting) {}
  // Completes when the peer closes its side or resets (only meaningful once the request body
  // has been read, e.g. a downloader waiting for its stream). Returns false if cancelled.
  virtual boost::asio::awaitable<bool> waitPeerClosed() { co_return false; }
  // Called (on the connection's strand) when the client hangs up while the response is
  // waiting (setWaiting(true)) — e.g. a stream uploader whose downloader has not come yet.
  // Detected by polling the socket from the connection's watchdog, so within a watchdog period.
  // Clear it (empty function) before the request ends; the connection also clears it between
  // requests.
  virtual void setHangupHandler(std::function<void()> onHangup) {}

  bool started() const { return started_; }
  bool finished() const { return finished_; }
  int64_t bytesSent() const { return bodyBytes_; }

 protected:
  int status_ = 200;
  std::vector<Header> headers_;
  bool started_ = false;
  bool finished_ = false;
  int64_t bodyBytes_ = 0;
};

}  // namespace plik::http
