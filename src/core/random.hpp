// Identifiers and secrets from a CSPRNG (OpenSSL RAND_bytes), uniform over [a-zA-Z0-9].
#pragma once

#include <string>
#include <string_view>

namespace plik {

std::string randomId(size_t length);          // upload/file ids: 16, upload token: 32
std::string randomUuidV4();
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace plik
