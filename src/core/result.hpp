// Errors as values on the request path: Error carries Plik's HTTP status and message,
// Result<T> is either a value or an Error. Exceptions are for start-up/config only.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace plik {

struct Error {
  int status = 500;       // HTTP status Plik answers with
  std::string message;    // public message (Plik's wording), without trailing newline
  std::string detail;     // internal detail, shown only when Debug is on (500s) and in logs

  static Error badRequest(std::string m) { return {400, std::move(m), {}}; }
  static Error forbidden(std::string m) { return {403, std::move(m), {}}; }
  static Error notFound(std::string m) { return {404, std::move(m), {}}; }
  static Error internal(std::string m, std::string d = {}) { return {500, std::move(m), std::move(d)}; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::move(v)) {}                 // NOLINT(implicit)
  Result(Error e) : v_(std::move(e)) {}             // NOLINT(implicit)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : err_(std::move(e)), ok_(false) {}  // NOLINT(implicit)
  static Status success() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return err_; }
  Error&& error() && { return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

}  // namespace plik
