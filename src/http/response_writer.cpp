// Header bookkeeping shared by every ResponseWriter.
#include "http/response_writer.hpp"

#include <strings.h>

#include <algorithm>

namespace plik::http {

namespace {
bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

void ResponseWriter::setHeader(std::string_view name, std::string_view value) {
  removeHeader(name);
  headers_.push_back({std::string(name), std::string(value)});
}

void ResponseWriter::addHeader(std::string_view name, std::string_view value) {
  headers_.push_back({std::string(name), std::string(value)});
}

void ResponseWriter::removeHeader(std::string_view name) {
  std::erase_if(headers_, [&](const Header& h) { return same(h.name, name); });
}

std::optional<std::string_view> ResponseWriter::header(std::string_view name) const {
  for (const auto& h : headers_)
    if (same(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

boost::asio::awaitable<Status> ResponseWriter::send(std::string_view body) {
  auto st = co_await start(static_cast<int64_t>(body.size()));
  if (!st.ok()) co_return st;
  if (!body.empty()) {
    st = co_await write(std::span<const char>(body.data(), body.size()));
    if (!st.ok()) co_return st;
  }
  co_return co_await finish();
}

}  // namespace plik::http
