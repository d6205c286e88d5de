// Request header look-ups.
#include "http/request.hpp"

#include <strings.h>

namespace plik::http {

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0)
      return std::string_view(h.value);
  }
  return std::nullopt;
}

std::string Request::headerOr(std::string_view name, std::string_view fallback) const {
  auto v = header(name);
  return std::string(v ? *v : fallback);
}

}  // namespace plik::http
