// BodyReader helpers shared by every transport.
#include "http/body_reader.hpp"

namespace plik::http {

boost::asio::awaitable<Result<std::string>> BodyReader::readAll(size_t limit) {
  std::string out;
  for (;;) {
    auto b = buffered();
    if (out.size() + b.size() > limit) co_return Error::badRequest("http: request body too large");
    out.append(b.data(), b.size());
    consume(b.size());
    if (complete()) break;
    auto more = co_await fill();
    if (!more.ok()) co_return std::move(more).error();
    if (!*more && buffered().empty()) break;
  }
  co_return out;
}

}  // namespace plik::http
