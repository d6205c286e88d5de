// The request body as handlers consume it: a buffered reader over the connection with the
// chunked/Content-Length framing already removed. Zero-copy: buffered() points into the
// connection's buffer, valid until the next fill(). Backpressure: nothing is read from the
// socket until the handler asks with fill().
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>
#include <string>

#include "core/result.hpp"

namespace plik::http {

class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Decoded body bytes received and not consumed yet.
  virtual std::span<const char> buffered() const = 0;
  virtual void consume(size_t n) = 0;
  // Reads more body bytes from the socket, keeping the unconsumed ones. Returns false when the
  // body is complete (nothing more will come). Errors: client gone, idle timeout, bad chunking
  // (status 400 or 500-class with a message).
  virtual boost::asio::awaitable<Result<bool>> fill() = 0;
  // Grows the buffer so that one fill() may read up to n bytes (large transfers).
  virtual void reserve(size_t n) = 0;
  // Releases spare capacity (keeps the unconsumed bytes and a little room): for a request
  // about to wait a long time, e.g. a stream uploader before its downloader comes. Spans
  // returned by buffered() before the call are invalidated. fill() grows the buffer again.
  virtual void shrinkToFit() {}
  virtual bool complete() const = 0;
  virtual int64_t received() const = 0;  // decoded body bytes read so far

  // Zero-copy hand-off of the rest of a Content-Length body: the socket from which the next
  // rawRemaining() body bytes can be read directly (after the buffered() ones), or -1 (chunked
  // body, nothing left, or no socket). Whoever reads from it reports with skipRaw(n).
  virtual int rawFd() const { return -1; }
  virtual int64_t rawRemaining() const { return 0; }
  virtual void skipRaw(int64_t n) {}
  // While another thread reads from rawFd() (a splice hand-off), this connection's event loop
  // stops watching the socket: an idle loop is otherwise woken for every segment that arrives
  // while the receive buffer is nearly full. The fd number stays valid; closing the connection
  // meanwhile still shuts the socket down (the reader sees the end). resumeRawFdEvents() (also
  // safe without a pause) watches it again; call it before reading the body any further.
  virtual void pauseRawFdEvents() {}
  virtual void resumeRawFdEvents() {}

  // Reads the whole body if it is at most `limit` bytes; error 400
  // "http: request body too large" otherwise (Go's MaxBytesReader wording).
  boost::asio::awaitable<Result<std::string>> readAll(size_t limit);
};

}  // namespace plik::http
