// Streaming zip writer (APPNOTE 6.3): local header with bit 3 set, data, data descriptor; the
// central directory and ZIP64 end records are written by finish() from per-entry metadata.
#include "codec/zip_writer.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

namespace plik {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kDataDescriptorSig = 0x08074b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kMax32 = 0xFFFFFFFF;
constexpr uint16_t kMax16 = 0xFFFF;
constexpr uint16_t kVersion20 = 20;  // deflate, data descriptor
constexpr uint16_t kVersion45 = 45;  // ZIP64
constexpr uint16_t kMadeByUnix = 3 << 8;
constexpr uint16_t kFlagDataDescriptor = 0x0008;
constexpr uint16_t kFlagUtf8 = 0x0800;
constexpr uint16_t kMethodStore = 0;
constexpr uint16_t kMethodDeflate = 8;
constexpr uint16_t kExtraZip64 = 0x0001;
constexpr uint16_t kExtraTimestamp = 0x5455;
constexpr uint32_t kExternalAttrFile = 0100644u << 16;  // regular file, rw-r--r--
constexpr size_t kOutBufferSize = 64 * 1024;
constexpr size_t kMaxDeflateInput = 1u << 30;  // z_stream.avail_in is 32-bit

struct LittleEndian {
  std::string bytes;
  void u16(uint16_t v) {
    bytes += static_cast<char>(v & 0xff);
    bytes += static_cast<char>(v >> 8);
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v & 0xffff));
    u16(static_cast<uint16_t>(v >> 16));
  }
  void u64(uint64_t v) {
    u32(static_cast<uint32_t>(v & 0xffffffff));
    u32(static_cast<uint32_t>(v >> 32));
  }
  void raw(std::string_view s) { bytes.append(s); }
};

uint32_t clamp32(uint64_t v) { return v >= kMax32 ? kMax32 : static_cast<uint32_t>(v); }

}  // namespace

struct ZipWriter::Entry {
  std::string name;
  std::time_t mtime = 0;
  uint16_t dosTime = 0;
  uint16_t dosDate = 0;
  uint16_t flags = 0;
  uint16_t method = 0;
  bool zip64Local = false;  // ZIP64 extra in the local header, 8-byte descriptor sizes
  uint32_t crc = 0;
  uint64_t compressedSize = 0;
  uint64_t uncompressedSize = 0;
  uint64_t offset = 0;  // of the local header
};

struct ZipWriter::Impl {
  z_stream zs{};
  bool zsReady = false;
  std::string out;  // deflate output waiting for the sink, < kOutBufferSize
  Entry* current = nullptr;
  bool finished = false;

  ~Impl() {
    if (zsReady) deflateEnd(&zs);
  }
};

namespace {

// DOS date/time in local time, clamped to the representable 1980..2107 range.
void toDosTime(std::time_t t, uint16_t& dosTime, uint16_t& dosDate) {
  std::tm tm{};
  if (!localtime_r(&t, &tm) || tm.tm_year + 1900 < 1980) {
    dosTime = 0;
    dosDate = (1 << 5) | 1;  // 1980-01-01
    return;
  }
  if (tm.tm_year + 1900 > 2107) {
    dosTime = static_cast<uint16_t>((23 << 11) | (59 << 5) | (58 / 2));
    dosDate = static_cast<uint16_t>((127 << 9) | (12 << 5) | 31);
    return;
  }
  dosTime = static_cast<uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  dosDate = static_cast<uint16_t>(((tm.tm_year + 1900 - 1980) << 9) | ((tm.tm_mon + 1) << 5) |
                                  tm.tm_mday);
}

bool fitsUnixTime32(std::time_t t) { return t >= 0 && t <= 0x7fffffff; }

void appendTimestampExtra(LittleEndian& le, std::time_t mtime) {
  if (!fitsUnixTime32(mtime)) return;
  le.u16(kExtraTimestamp);
  le.u16(5);
  le.bytes += static_cast<char>(1);  // modification time present
  le.u32(static_cast<uint32_t>(mtime));
}

}  // namespace

ZipWriter::ZipWriter(Sink sink, bool deflate)
    : sink_(std::move(sink)), deflate_(deflate), impl_(std::make_unique<Impl>()) {}

ZipWriter::~ZipWriter() = default;

void ZipWriter::emit(std::span<const char> b) {
  if (b.empty()) return;
  offset_ += b.size();
  sink_(b);
}

void ZipWriter::beginEntry(const std::string& name, std::time_t mtime) {
  beginEntry(name, mtime, kUnknownSize);
}

void ZipWriter::beginEntry(const std::string& name, std::time_t mtime, uint64_t expectedSize) {
  if (impl_->finished) throw std::logic_error("ZipWriter: beginEntry after finish");
  if (impl_->current) endEntry();

  auto entry = std::make_unique<Entry>();
  entry->name = name.size() > kMax16 ? name.substr(0, kMax16) : name;
  entry->mtime = mtime;
  toDosTime(mtime, entry->dosTime, entry->dosDate);
  entry->method = deflate_ ? kMethodDeflate : kMethodStore;
  entry->flags = kFlagDataDescriptor;
  for (char c : entry->name) {
    if (static_cast<unsigned char>(c) >= 0x80) entry->flags |= kFlagUtf8;
  }
  // Deflate may grow incompressible data by a few bytes per 16 KiB block: keep a margin.
  entry->zip64Local = expectedSize != kUnknownSize && expectedSize >= kMax32 - (kMax32 >> 8);
  entry->offset = offset_;

  LittleEndian extra;
  if (entry->zip64Local) {
    extra.u16(kExtraZip64);
    extra.u16(16);
    extra.u64(0);  // sizes follow in the data descriptor
    extra.u64(0);
  }
  appendTimestampExtra(extra, mtime);

  LittleEndian h;
  h.u32(kLocalHeaderSig);
  h.u16(entry->zip64Local ? kVersion45 : kVersion20);
  h.u16(entry->flags);
  h.u16(entry->method);
  h.u16(entry->dosTime);
  h.u16(entry->dosDate);
  h.u32(0);  // crc, in the data descriptor
  h.u32(entry->zip64Local ? kMax32 : 0);
  h.u32(entry->zip64Local ? kMax32 : 0);
  h.u16(static_cast<uint16_t>(entry->name.size()));
  h.u16(static_cast<uint16_t>(extra.bytes.size()));
  h.raw(entry->name);
  h.raw(extra.bytes);
  emit(h.bytes);

  if (deflate_) {
    if (!impl_->zsReady) {
      if (deflateInit2(&impl_->zs, 5, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("ZipWriter: deflateInit2 failed");
      }
      impl_->zsReady = true;
    } else {
      deflateReset(&impl_->zs);
    }
  }
  impl_->current = entry.get();
  entries_.push_back(std::move(entry));
}

void ZipWriter::write(std::span<const char> data) {
  Entry* e = impl_->current;
  if (!e) throw std::logic_error("ZipWriter: write outside an entry");
  if (data.empty()) return;
  e->crc = static_cast<uint32_t>(
      crc32_z(e->crc, reinterpret_cast<const Bytef*>(data.data()), data.size()));
  e->uncompressedSize += data.size();
  if (!deflate_) {
    e->compressedSize += data.size();
    emit(data);
    return;
  }
  z_stream& zs = impl_->zs;
  std::string& out = impl_->out;
  while (!data.empty()) {
    size_t chunk = std::min(data.size(), kMaxDeflateInput);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(chunk);
    while (zs.avail_in > 0) {
      size_t used = out.size();
      out.resize(kOutBufferSize);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      zs.avail_out = static_cast<uInt>(kOutBufferSize - used);
      deflate(&zs, Z_NO_FLUSH);
      out.resize(kOutBufferSize - zs.avail_out);
      if (out.size() == kOutBufferSize) {
        e->compressedSize += out.size();
        emit(out);
        out.clear();
      }
    }
    data = data.subspan(chunk);
  }
}

void ZipWriter::endEntry() {
  Entry* e = impl_->current;
  if (!e) throw std::logic_error("ZipWriter: endEntry outside an entry");
  if (deflate_) {
    z_stream& zs = impl_->zs;
    std::string& out = impl_->out;
    zs.next_in = nullptr;
    zs.avail_in = 0;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      size_t used = out.size();
      out.resize(kOutBufferSize);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      zs.avail_out = static_cast<uInt>(kOutBufferSize - used);
      rc = deflate(&zs, Z_FINISH);
      out.resize(kOutBufferSize - zs.avail_out);
      if (rc == Z_STREAM_END || out.size() == kOutBufferSize) {
        e->compressedSize += out.size();
        emit(out);
        out.clear();
      }
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        throw std::runtime_error("ZipWriter: deflate failed");
      }
    }
  }
  bool wide = e->zip64Local || e->compressedSize >= kMax32 || e->uncompressedSize >= kMax32;
  LittleEndian d;
  d.u32(kDataDescriptorSig);
  d.u32(e->crc);
  if (wide) {
    d.u64(e->compressedSize);
    d.u64(e->uncompressedSize);
  } else {
    d.u32(static_cast<uint32_t>(e->compressedSize));
    d.u32(static_cast<uint32_t>(e->uncompressedSize));
  }
  emit(d.bytes);
  impl_->current = nullptr;
}

void ZipWriter::finish() {
  if (impl_->finished) throw std::logic_error("ZipWriter: finish called twice");
  if (impl_->current) endEntry();
  impl_->finished = true;

  const uint64_t cdOffset = offset_;
  for (const auto& e : entries_) {
    bool bigU = e->uncompressedSize >= kMax32;
    bool bigC = e->compressedSize >= kMax32;
    bool bigO = e->offset >= kMax32;
    LittleEndian extra;
    if (bigU || bigC || bigO) {
      extra.u16(kExtraZip64);
      extra.u16(static_cast<uint16_t>(8 * (bigU + bigC + bigO)));
      if (bigU) extra.u64(e->uncompressedSize);
      if (bigC) extra.u64(e->compressedSize);
      if (bigO) extra.u64(e->offset);
    }
    appendTimestampExtra(extra, e->mtime);
    bool zip64 = e->zip64Local || bigU || bigC || bigO;

    LittleEndian h;
    h.u32(kCentralHeaderSig);
    h.u16(kMadeByUnix | kVersion45);
    h.u16(zip64 ? kVersion45 : kVersion20);
    h.u16(e->flags);
    h.u16(e->method);
    h.u16(e->dosTime);
    h.u16(e->dosDate);
    h.u32(e->crc);
    h.u32(clamp32(e->compressedSize));
    h.u32(clamp32(e->uncompressedSize));
    h.u16(static_cast<uint16_t>(e->name.size()));
    h.u16(static_cast<uint16_t>(extra.bytes.size()));
    h.u16(0);  // comment
    h.u16(0);  // disk number start
    h.u16(0);  // internal attributes
    h.u32(kExternalAttrFile);
    h.u32(clamp32(e->offset));
    h.raw(e->name);
    h.raw(extra.bytes);
    emit(h.bytes);
  }
  const uint64_t cdSize = offset_ - cdOffset;
  const uint64_t count = entries_.size();

  LittleEndian end;
  if (count >= kMax16 || cdSize >= kMax32 || cdOffset >= kMax32) {
    const uint64_t zip64EndOffset = offset_;
    end.u32(kZip64EndSig);
    end.u64(44);  // size of the remaining record
    end.u16(kMadeByUnix | kVersion45);
    end.u16(kVersion45);
    end.u32(0);  // this disk
    end.u32(0);  // disk with the central directory
    end.u64(count);
    end.u64(count);
    end.u64(cdSize);
    end.u64(cdOffset);
    end.u32(kZip64LocatorSig);
    end.u32(0);
    end.u64(zip64EndOffset);
    end.u32(1);  // total disks
  }
  const uint16_t count16 = count >= kMax16 ? kMax16 : static_cast<uint16_t>(count);
  end.u32(kEndSig);
  end.u16(0);
  end.u16(0);
  end.u16(count16);
  end.u16(count16);
  end.u32(clamp32(cdSize));
  end.u32(clamp32(cdOffset));
  end.u16(0);  // comment length
  emit(end.bytes);
}

}  // namespace plik
