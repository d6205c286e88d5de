// Incremental (pull) parser for multipart/form-data bodies. Pure: no I/O, no allocation per
// byte. The caller owns the buffer; data spans returned point into the caller's input.
// Usage: call next(input, eof) repeatedly; advance the input by step.consumed; on NeedMore
// keep the unconsumed tail, append more bytes, call again. Unconsumed bytes never exceed
// boundary length + header limit, so a bounded buffer (>= 64 KiB) always makes progress.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace plik {

// Extracts the boundary parameter from a Content-Type header value; nullopt when the type is
// not multipart/form-data or multipart/mixed or has no boundary.
std::optional<std::string> multipartBoundary(std::string_view contentType);

struct MultipartPart {
  std::string name;      // form field name from Content-Disposition
  std::string filename;  // raw filename parameter (may be empty / absent)
  bool hasFilename = false;
  std::string contentType;  // part Content-Type, may be empty
};

class MultipartParser {
 public:
  enum class Kind {
    NeedMore,   // consumed some or no bytes; supply more input (or eof)
    PartBegin,  // headers of a new part parsed: see part()
    Data,       // body bytes of the current part in `data`
    PartEnd,    // current part finished
    Done,       // closing boundary seen (trailing epilogue ignored)
    Error       // malformed; see errorMessage()
  };
  struct Step {
    Kind kind = Kind::NeedMore;
    size_t consumed = 0;         // bytes of input used by this step
    std::span<const char> data;  // for Data
  };

  explicit MultipartParser(std::string boundary, size_t maxHeaderBytes = 16384);
  Step next(std::span<const char> input, bool eof);
  const MultipartPart& part() const { return part_; }
  const std::string& errorMessage() const { return error_; }
  // The standard closing delimiter of a CRLF body: "\r\n--" + boundary + "--\r\n" (what curl,
  // Go's mime/multipart and browsers end a form with).
  std::string closingDelimiter() const { return "\r\n" + dashBoundary_ + "--\r\n"; }

 private:
  // BoundaryLine: just after a "--boundary" at a line start; decides part / close / junk.
  enum class State { Preamble, BoundaryLine, Headers, Body, Done, Error };
  Step fail(std::string msg);
  bool parseHeaders(std::string_view block);
  State state_ = State::Preamble;
  std::string delimiter_;     // "\r\n--" + boundary ("\n--" + boundary once in LF mode)
  std::string dashBoundary_;  // "--" + boundary
  size_t maxHeaderBytes_;
  MultipartPart part_;
  std::string error_;
  size_t partsRead_ = 0;
  bool lineStart_ = true;   // Preamble: input[0] begins a line
  bool bodyStart_ = false;  // Body: nothing of the current body consumed yet
  size_t headerScan_ = 0;   // Headers: bytes of the kept input already scanned for the end
};

}  // namespace plik
