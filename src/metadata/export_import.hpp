// `plikd export` / `plikd import`: a portable JSON-lines dump of a metadata backend, usable to move
// between backends (sqlite <-> postgres) or plikd versions. Not Plik's gob+snappy format.
//
// Format (UTF-8, one JSON object per line, '\n' separated, empty lines ignored on import):
//   {"type":"header","format":"plik-cpp-metadata","version":1}          first line
//   {"type":"upload","id":"...","ttl":86400,"extendTtl":false,"remoteIp":"...","comments":"...",
//    "uploadToken":"...","user":"...","token":"...","stream":false,"oneShot":false,
//    "removable":false,"protectedByPassword":false,"login":"...","password":"<hash>",
//    "createdAt":<int ns since epoch>,"expireAt":<int ns>|null,"deletedAt":<int ns>|null,
//    "files":[{"id":"...","name":"...","status":"uploaded","md5":"...","type":"...","size":42,
//              "reference":"...","backendDetails":"...","createdAt":<int ns>}, ...]}
//   {"type":"setting","key":"...","value":"..."}
// Uploads include soft-deleted ones (deletedAt set) and all their files in any status.
// Timestamps are integer nanoseconds (UTC) so a round trip is exact. Future record types
// ("user", "token") will be added with new "type" values; an importer rejects types it does not
// know (or counts them as errors with ignoreErrors). Strings that are not valid UTF-8 are written
// with U+FFFD replacements.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>

#include "core/result.hpp"
#include "metadata/metadata_backend.hpp"

namespace plik {

struct ExportStats {
  int64_t uploads = 0;
  int64_t files = 0;
  int64_t settings = 0;
};

struct ImportStats {
  int64_t uploads = 0;        // imported
  int64_t uploadsTotal = 0;   // upload records read
  int64_t files = 0;          // files of the imported uploads
  int64_t settings = 0;       // imported
  int64_t settingsTotal = 0;  // setting records read
  int64_t errors = 0;         // records skipped (only with ignoreErrors)
};

// Writes every upload (with files) and every setting. Fails on the first backend or stream error.
Result<ExportStats> exportMetadata(MetadataBackend& backend, std::ostream& out);

// Reads a dump written by exportMetadata. Uploads are inserted as is (importUpload: same ids,
// tokens, timestamps); an existing upload id is an error. Settings overwrite. Without
// ignoreErrors the first bad line or failed insert stops the import (earlier records stay
// imported) with an error naming the line; with it, the record is counted in `errors` and skipped.
Result<ImportStats> importMetadata(MetadataBackend& backend, std::istream& in, bool ignoreErrors);

}  // namespace plik
