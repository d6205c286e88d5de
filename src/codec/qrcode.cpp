// QR code rendering for GET /qrcode: libqrencode (8-bit mode, error correction H) drawn as an
// 8-bit grayscale PNG in memory with libpng's simplified write API (no setjmp).
#include "codec/qrcode.hpp"

#include <png.h>
#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace plik {

namespace {

constexpr int kQuietZone = 4;  // modules of white border on each side (ISO/IEC 18004)
constexpr int kMaxSize = 1000;

struct QrDeleter {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

// Go's barcode.Scale error wording, for the logs.
Error scaleError(int size, int needed) {
  return Error::internal("unable to generate QRCode",
                         "can not scale barcode to an image smaller than " +
                             std::to_string(needed) + "x" + std::to_string(needed) + " (asked " +
                             std::to_string(size) + ")");
}

}  // namespace

Result<std::string> qrCodePng(std::string_view text, int size) {
  if (size <= 0) return Error::badRequest("QRCode size must be positive");
  if (size > kMaxSize) return Error::badRequest("QRCode size must be lower than 1000");
  if (text.empty()) return Error::internal("unable to generate QRCode", "empty content");

  errno = 0;
  std::unique_ptr<QRcode, QrDeleter> qr(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_H));
  if (!qr) {
    return Error::internal("unable to generate QRCode",
                           errno == ERANGE ? "content too large" : std::strerror(errno));
  }
  const int width = qr->width;

  // Integer scale (crisp modules), centered: a quiet zone of at least 4 modules when the
  // size allows it, otherwise whatever margin is left (Go's barcode.Scale has none).
  int modulesWithBorder = width + 2 * kQuietZone;
  int scale = size / modulesWithBorder;
  if (scale < 1) {
    if (size < width) return scaleError(size, width);
    scale = 1;
  }
  const int offset = (size - scale * width) / 2;

  std::vector<unsigned char> pixels(static_cast<size_t>(size) * size, 0xff);
  for (int my = 0; my < width; ++my) {
    for (int mx = 0; mx < width; ++mx) {
      if ((qr->data[my * width + mx] & 1) == 0) continue;  // bit 0 = dark module
      for (int dy = 0; dy < scale; ++dy) {
        unsigned char* row = &pixels[static_cast<size_t>(offset + my * scale + dy) * size];
        std::memset(row + offset + mx * scale, 0x00, static_cast<size_t>(scale));
      }
    }
  }

  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(size);
  image.height = static_cast<png_uint_32>(size);
  image.format = PNG_FORMAT_GRAY;

  png_alloc_size_t bytes = 0;
  if (!png_image_write_to_memory(&image, nullptr, &bytes, 0, pixels.data(), size, nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    return Error::internal("unable to generate QRCode", "png: " + why);
  }
  std::string out(bytes, '\0');
  if (!png_image_write_to_memory(&image, out.data(), &bytes, 0, pixels.data(), size, nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    return Error::internal("unable to generate QRCode", "png: " + why);
  }
  out.resize(bytes);
  png_image_free(&image);
  return out;
}

}  // namespace plik
