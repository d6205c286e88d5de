// Upload creation rules (spec §4 feature flags, §8.2 TTL, §7.1 files).
#include "server/upload_policy.hpp"

#include "codec/humanize.hpp"
#include "core/random.hpp"

namespace plik {

namespace {

// Resolves an on/off option against its feature flag.
Result<bool> applyFlag(FeatureFlag f, bool requested, const char* disabledMessage) {
  switch (f) {
    case FeatureFlag::Disabled:
      if (requested) return Error::badRequest(disabledMessage);
      return false;
    case FeatureFlag::Forced: return true;
    default: return requested;
  }
}

std::string ttlText(int64_t s) { return humanizeDuration(s); }

}  // namespace

int64_t maxFileSize(const Config& cfg) { return cfg.maxFileSize; }

Status checkFileName(const std::string& name) {
  if (name.empty()) return Error::badRequest("missing file name");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return Error::badRequest("invalid file name");
  if (name.size() > 1024)
    return Error::badRequest("file name " + name.substr(0, 20) +
                             "... is too long, maximum length is 1024 characters");
  return {};
}

Result<Upload> buildUpload(const Config& cfg, const UploadRequest& req, TimePoint at,
                           std::string& clearPassword) {
  Upload up;
  up.id = randomId(16);
  up.uploadToken = randomId(32);
  up.createdAt = at;

  if (cfg.fAuthentication == FeatureFlag::Forced)
    return Error::badRequest("anonymous uploads are disabled");

  auto one = applyFlag(cfg.fOneShot, req.oneShot, "one shot uploads are disabled");
  if (!one.ok()) return std::move(one).error();
  up.oneShot = *one;
  auto rem = applyFlag(cfg.fRemovable, req.removable, "removable uploads are disabled");
  if (!rem.ok()) return std::move(rem).error();
  up.removable = *rem;
  auto str = applyFlag(cfg.fStream, req.stream, "streaming uploads are disabled");
  if (!str.ok()) return std::move(str).error();
  up.stream = *str;
  if (cfg.fComments != FeatureFlag::Disabled) up.comments = req.comments;

  // TTL (spec §8.2).
  int64_t ttl = req.ttl;
  if (cfg.fSetTtl == FeatureFlag::Disabled) {
    ttl = cfg.defaultTtl;
  } else {
    if (ttl == 0) ttl = cfg.defaultTtl;
    if (ttl < 0) ttl = -1;
    int64_t max = cfg.maxTtl;
    if (max > 0) {
      if (ttl <= 0)
        return Error::badRequest("cannot set infinite TTL (maximum allowed is : " + ttlText(max) + ")");
      if (ttl > max)
        return Error::badRequest("invalid TTL. (maximum allowed is : " + ttlText(max) + ")");
    }
  }
  up.ttl = ttl;
  if (ttl > 0) up.expireAt = at + std::chrono::seconds(ttl);

  auto ext = applyFlag(cfg.fExtendTtl, req.extendTtl, "extend TTL is disabled");
  if (!ext.ok()) return std::move(ext).error();
  up.extendTtl = *ext;

  // Password.
  if (!req.password.empty()) {
    if (cfg.fPassword == FeatureFlag::Disabled)
      return Error::badRequest("upload password protection is disabled");
    up.protectedByPassword = true;
    up.login = req.login.empty() ? "plik" : req.login;
    clearPassword = req.password;
  } else if (cfg.fPassword == FeatureFlag::Forced) {
    return Error::badRequest("server only accept uploads protected by password");
  }

  // Files.
  if (cfg.maxFilePerUpload > 0 && static_cast<int64_t>(req.files.size()) > cfg.maxFilePerUpload)
    return Error::badRequest("too many files. maximum is " + std::to_string(cfg.maxFilePerUpload));
  for (const auto& fr : req.files) {
    if (auto st = checkFileName(fr.fileName); !st.ok()) return std::move(st).error();
    int64_t max = maxFileSize(cfg);
    if (max > 0 && fr.fileSize > max)
      return Error::badRequest("file is too big (" + humanizeBytes(fr.fileSize) +
                               "), maximum file size is " + humanizeBytes(max));
    File f;
    f.id = randomId(16);
    f.uploadId = up.id;
    f.name = fr.fileName;
    f.type = fr.fileType;
    f.size = fr.fileSize < 0 ? 0 : fr.fileSize;
    f.reference = fr.reference;
    f.status = FileStatus::Missing;
    f.createdAt = at;
    up.files.push_back(std::move(f));
  }
  return up;
}

}  // namespace plik

#include <boost/asio/ip/address.hpp>

namespace plik {

bool sourceAllowed(const Config& cfg, const std::string& ip) {
  if (cfg.whitelist.empty()) return true;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(ip, ec);
  if (ec) return false;
  std::vector<uint8_t> bytes;
  if (addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    bytes.assign(b.begin(), b.end());
  } else {
    auto b = addr.to_v6().to_bytes();
    bytes.assign(b.begin(), b.end());
  }
  for (const auto& c : cfg.whitelist)
    if (c.contains(bytes)) return true;
  return false;
}

}  // namespace plik
