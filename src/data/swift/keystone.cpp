// Keystone v3 request body and catalog parsing (see keystone.hpp).
#include "data/swift/keystone.hpp"

#include <nlohmann/json.hpp>

namespace plik::swift {

using nlohmann::json;

namespace {

json domainRef(const std::string& name, const std::string& id) {
  if (!name.empty()) return json{{"name", name}};
  return json{{"id", id.empty() ? std::string("default") : id}};
}

}  // namespace

std::string keystoneV3AuthBody(const KeystoneCredentials& c) {
  json user = {{"name", c.userName},
               {"domain", domainRef(c.userDomain, c.userDomainId)},
               {"password", c.password}};
  json auth = {
      {"identity",
       {{"methods", json::array({"password"})}, {"password", {{"user", std::move(user)}}}}}};
  if (!c.projectId.empty()) {
    auth["scope"] = {{"project", {{"id", c.projectId}}}};
  } else if (!c.projectName.empty()) {
    json domain = (!c.projectDomain.empty() || !c.projectDomainId.empty())
                      ? domainRef(c.projectDomain, c.projectDomainId)
                      : domainRef(c.userDomain, c.userDomainId);
    auth["scope"] = {{"project", {{"name", c.projectName}, {"domain", std::move(domain)}}}};
  }
  return json{{"auth", std::move(auth)}}.dump();
}

Result<std::string> keystoneV3ObjectStoreUrl(std::string_view body, std::string_view interface,
                                             std::string_view region) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error::internal("swift authentication failed", "keystone: response is not JSON");
  }
  auto token = doc.find("token");
  if (token == doc.end() || !token->is_object()) {
    return Error::internal("swift authentication failed", "keystone: no token in the response");
  }
  auto catalog = token->find("catalog");
  if (catalog == token->end() || !catalog->is_array()) {
    return Error::internal("swift authentication failed",
                           "keystone: no service catalog in the token (is the token scoped to a "
                           "project?)");
  }
  bool sawService = false;
  for (const auto& service : *catalog) {
    if (!service.is_object() || service.value("type", json()) != "object-store") continue;
    sawService = true;
    auto endpoints = service.find("endpoints");
    if (endpoints == service.end() || !endpoints->is_array()) continue;
    for (const auto& ep : *endpoints) {
      if (!ep.is_object()) continue;
      auto iface = ep.find("interface");
      if (iface == ep.end() || !iface->is_string() || iface->get<std::string>() != interface) {
        continue;
      }
      if (!region.empty()) {
        auto matches = [&](const char* key) {
          auto r = ep.find(key);
          return r != ep.end() && r->is_string() && r->get<std::string>() == region;
        };
        if (!matches("region") && !matches("region_id")) continue;
      }
      auto url = ep.find("url");
      if (url != ep.end() && url->is_string() && !url->get<std::string>().empty()) {
        return url->get<std::string>();
      }
    }
  }
  std::string what = sawService ? "no " + std::string(interface) + " object-store endpoint" +
                                      (region.empty() ? "" : " in region " + std::string(region))
                                : "no object-store service";
  return Error::internal("swift authentication failed", "keystone: " + what + " in the catalog");
}

}  // namespace plik::swift
