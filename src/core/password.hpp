// Upload password hashing: bcrypt (libcrypt "$2b$") of "login:password" for new uploads,
// verification of both our bcrypt hashes and Plik 1.3's md5(base64(login:password)).
// Hashing is slow (~0.1-0.7 s): callers run it on the blocking pool.
#pragma once

#include <string>
#include <string_view>

namespace plik {

// bcrypt("login:password"); login is used as given (callers default it to "plik").
// Returns "" when hashing fails or the credentials contain a NUL byte: treat as an error.
std::string hashUploadPassword(std::string_view login, std::string_view password, int cost = 10);
// basicB64 is the base64 part of the Authorization: Basic header. False when it is not
// valid standard base64 or does not match; comparisons are constant time.
bool verifyUploadPassword(std::string_view storedHash, std::string_view basicB64);

}  // namespace plik
