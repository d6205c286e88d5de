// AWS SigV4 (see sigv4.hpp): canonical request, string to sign, HMAC chain via OpenSSL.
#include "codec/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

namespace plik::sigv4 {

namespace {

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and collapses runs of spaces to one space (SigV4 canonical header value).
std::string canonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string uriEncode(std::string_view s, bool encodeSlash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (c == '/' && !encodeSlash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string encodePath(std::string_view path) {
  if (path.empty()) return "/";
  return uriEncode(path, false);
}

std::string canonicalQuery(const Params& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(uriEncode(k, true), uriEncode(v, true));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string amzDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string sha256Hex(std::string_view bytes) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return toHex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string signingKey(const Credentials& creds, std::string_view yyyymmdd) {
  std::string k = hmacSha256("AWS4" + creds.secretAccessKey, yyyymmdd);
  k = hmacSha256(k, creds.region);
  k = hmacSha256(k, creds.service);
  return hmacSha256(k, "aws4_request");
}

Signature sign(const Credentials& creds, const Request& req, std::string_view amzDateValue) {
  // Canonical headers: lowercase names, sorted, duplicate names joined with ','.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : req.headers) {
    auto& slot = headers[lower(name)];
    if (!slot.empty()) slot.push_back(',');
    slot += canonicalValue(value);
  }
  std::string canonicalHeaders;
  std::string signedNames;
  for (const auto& [name, value] : headers) {
    canonicalHeaders += name + ":" + value + "\n";
    if (!signedNames.empty()) signedNames.push_back(';');
    signedNames += name;
  }

  Signature s;
  s.canonicalRequest = std::string(req.method) + "\n" + encodePath(req.path) + "\n" +
                       canonicalQuery(req.query) + "\n" + canonicalHeaders + "\n" + signedNames +
                       "\n" + std::string(req.payloadHash);

  std::string date(amzDateValue.substr(0, 8));
  std::string scope = date + "/" + creds.region + "/" + creds.service + "/aws4_request";
  s.stringToSign = "AWS4-HMAC-SHA256\n" + std::string(amzDateValue) + "\n" + scope + "\n" +
                   sha256Hex(s.canonicalRequest);
  s.signature = toHex(hmacSha256(signingKey(creds, date), s.stringToSign));
  s.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.accessKeyId + "/" + scope +
                    ",SignedHeaders=" + signedNames + ",Signature=" + s.signature;
  return s;
}

Params signedHeaders(const Credentials& creds, std::string_view method, std::string_view path,
                     const Params& query, std::string_view host, const Params& headers,
                     std::string_view payloadHash, std::chrono::system_clock::time_point now) {
  std::string date = amzDate(now);
  Request req{method, path, query, headers, payloadHash};
  req.headers.emplace_back("host", std::string(host));
  req.headers.emplace_back("x-amz-date", date);
  req.headers.emplace_back("x-amz-content-sha256", std::string(payloadHash));
  Signature sig = sign(creds, req, date);
  return {{"x-amz-date", date},
          {"x-amz-content-sha256", std::string(payloadHash)},
          {"Authorization", std::move(sig.authorization)}};
}

}  // namespace plik::sigv4
