// AWS Signature Version 4 for S3 path-style requests (header-based, single-chunk payload): the
// canonical request, string to sign, signing key and Authorization header. Pure code, no I/O.
// The object-store client builds its request target with encodePath()/canonicalQuery() so the
// bytes it sends are exactly the bytes signed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plik::sigv4 {

// x-amz-content-sha256 value when the body is not hashed (TLS protects it in transit).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Hex SHA-256 of the empty string: the payload hash of a bodyless request.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string region = "us-east-1";
  std::string service = "s3";
};

using Params = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string_view method;       // "GET", "PUT", ...
  std::string_view path;         // decoded path, e.g. "/bucket/my key"; encoded with encodePath()
  Params query;                  // decoded names and values ("uploads" -> {"uploads", ""})
  Params headers;                // every header to sign, Host included, x-amz-date and
                                 // x-amz-content-sha256 included (see signedHeaders())
  std::string_view payloadHash;  // hex SHA-256 of the body, or kUnsignedPayload
};

struct Signature {
  std::string canonicalRequest;
  std::string stringToSign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header value
};

// RFC 3986 percent-encoding as S3 wants it: unreserved A-Z a-z 0-9 - . _ ~ kept, everything else
// %XX (uppercase); '/' kept when encodeSlash is false.
std::string uriEncode(std::string_view s, bool encodeSlash);
// Each path segment encoded, '/' kept; "" becomes "/".
std::string encodePath(std::string_view path);
// "a=1&b=&c=x%2Fy": names and values encoded, sorted by name then value. Also the request's
// query string on the wire.
std::string canonicalQuery(const Params& query);

// "20130524T000000Z" (UTC).
std::string amzDate(std::chrono::system_clock::time_point t);

std::string sha256Hex(std::string_view bytes);
// Raw 32-byte HMAC-SHA256.
std::string hmacSha256(std::string_view key, std::string_view data);
std::string toHex(std::string_view bytes);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
std::string signingKey(const Credentials& creds, std::string_view yyyymmdd);

// Signs `req` at `amzDateValue` (which must also be the request's x-amz-date header value).
Signature sign(const Credentials& creds, const Request& req, std::string_view amzDateValue);

// Convenience for clients: returns the headers to add to a request so that it is signed:
// x-amz-date, x-amz-content-sha256 and Authorization. `host` is the Host header value (signed,
// but not returned: the transport adds it); `headers` are the other headers the request sends
// (they are all signed).
Params signedHeaders(const Credentials& creds, std::string_view method, std::string_view path,
                     const Params& query, std::string_view host, const Params& headers,
                     std::string_view payloadHash, std::chrono::system_clock::time_point now);

}  // namespace plik::sigv4
