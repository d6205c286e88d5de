// String forms of the domain enums (Plik's wire values).
#include "core/types.hpp"

namespace plik {

std::string_view toString(FileStatus s) {
  switch (s) {
    case FileStatus::Missing: return "missing";
    case FileStatus::Uploading: return "uploading";
    case FileStatus::Uploaded: return "uploaded";
    case FileStatus::Removed: return "removed";
    case FileStatus::Deleted: return "deleted";
  }
  return "missing";
}

std::optional<FileStatus> parseFileStatus(std::string_view s) {
  for (auto st : {FileStatus::Missing, FileStatus::Uploading, FileStatus::Uploaded,
                  FileStatus::Removed, FileStatus::Deleted}) {
    if (toString(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace plik
