// Streaming zip writer: entries written one after another with data descriptors (sizes and
// CRC after the data), ZIP64 records when sizes or offsets need them, deflate via zlib or
// stored. Output goes to a sink the caller drains; memory stays bounded by one deflate state.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace plik {

class ZipWriter {
 public:
  using Sink = std::function<void(std::span<const char>)>;
  // The sink receives every output byte in order; it must copy what it keeps.
  explicit ZipWriter(Sink sink, bool deflate = true);
  ~ZipWriter();
  static constexpr uint64_t kUnknownSize = ~uint64_t{0};
  // Entries are written the way Go's archive/zip does (and so Plik): no ZIP64 extra in the
  // local header, 4-byte sizes in the data descriptor unless the entry reached 4 GiB. Any
  // open entry is ended first.
  void beginEntry(const std::string& name, std::time_t mtime);
  // Same, announcing the size: an entry expected near or above 4 GiB also gets a ZIP64 extra
  // in its local header, so streaming (non-seeking) readers parse its 8-byte descriptor.
  void beginEntry(const std::string& name, std::time_t mtime, uint64_t expectedSize);
  void write(std::span<const char> data);
  void endEntry();
  void finish();  // central directory (+ ZIP64 end records when needed)
  uint64_t bytesWritten() const { return offset_; }

 private:
  struct Entry;
  struct Impl;
  void emit(std::span<const char> b);
  Sink sink_;
  bool deflate_;
  uint64_t offset_ = 0;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plik
