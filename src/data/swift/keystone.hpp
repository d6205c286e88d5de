// OpenStack Keystone v3 password authentication, the pure parts: the request body of
// POST /v3/auth/tokens and the object-store endpoint picked from the token's catalog. No I/O
// (the Swift backend sends the request); the only translation unit of src/data/swift that
// includes nlohmann/json.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace plik::swift {

struct KeystoneCredentials {
  std::string userName;
  std::string password;
  std::string userDomain;       // name of the user's domain ("" = domain id "default")
  std::string userDomainId;     // used when userDomain is ""
  std::string projectName;      // Tenant / ProjectName; "" and projectId "" = unscoped
  std::string projectId;        // TenantId; wins over projectName
  std::string projectDomain;    // name of the project's domain ("" = the user's domain)
  std::string projectDomainId;  // used when projectDomain is ""
};

// {"auth":{"identity":{"methods":["password"],"password":{"user":{...}}},"scope":{"project":...}}}
std::string keystoneV3AuthBody(const KeystoneCredentials& creds);

// The URL of the "object-store" service endpoint with the given interface ("public",
// "internal", "admin") and, when `region` is not empty, that region (region or region_id) in a
// POST /v3/auth/tokens response body. Errors (status 500) say what was missing.
Result<std::string> keystoneV3ObjectStoreUrl(std::string_view responseBody,
                                             std::string_view interface, std::string_view region);

}  // namespace plik::swift
