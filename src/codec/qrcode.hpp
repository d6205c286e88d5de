// QR code PNG rendering (libqrencode, error correction H, scaled to size x size).
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace plik {

Result<std::string> qrCodePng(std::string_view text, int size);

}  // namespace plik
