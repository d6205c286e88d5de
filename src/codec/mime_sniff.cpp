// Port of Go's net/http DetectContentType (sniff.go, Go >= 1.11 table) and the download-time
// content-type neutralisation.
#include "codec/mime_sniff.hpp"

#include <algorithm>
#include <cstdint>

namespace plik {

namespace {

constexpr size_t kSniffLen = 512;

bool isWS(unsigned char b) { return b == '\t' || b == '\n' || b == 0x0c || b == '\r' || b == ' '; }

bool isTT(unsigned char b) { return b == ' ' || b == '>'; }

using Bytes = std::string_view;

enum class SigKind { Html, Masked, Exact, Mp4, Text };

struct Sig {
  SigKind kind;
  Bytes pat;    // pattern (html: upper-case tag, exact: prefix)
  Bytes mask;   // Masked only, same length as pat
  bool skipWS;  // Masked only
  const char* ct;
};

// Patterns containing NULs are built with explicit lengths.
#define B(s) Bytes(s, sizeof(s) - 1)

constexpr const char kHtml[] = "text/html; charset=utf-8";

const Sig kSignatures[] = {
    {SigKind::Html, B("<!DOCTYPE HTML"), {}, false, kHtml},
    {SigKind::Html, B("<HTML"), {}, false, kHtml},
    {SigKind::Html, B("<HEAD"), {}, false, kHtml},
    {SigKind::Html, B("<SCRIPT"), {}, false, kHtml},
    {SigKind::Html, B("<IFRAME"), {}, false, kHtml},
    {SigKind::Html, B("<H1"), {}, false, kHtml},
    {SigKind::Html, B("<DIV"), {}, false, kHtml},
    {SigKind::Html, B("<FONT"), {}, false, kHtml},
    {SigKind::Html, B("<TABLE"), {}, false, kHtml},
    {SigKind::Html, B("<A"), {}, false, kHtml},
    {SigKind::Html, B("<STYLE"), {}, false, kHtml},
    {SigKind::Html, B("<TITLE"), {}, false, kHtml},
    {SigKind::Html, B("<B"), {}, false, kHtml},
    {SigKind::Html, B("<BODY"), {}, false, kHtml},
    {SigKind::Html, B("<BR"), {}, false, kHtml},
    {SigKind::Html, B("<P"), {}, false, kHtml},
    {SigKind::Html, B("<!--"), {}, false, kHtml},
    {SigKind::Masked, B("<?xml"), B("\xFF\xFF\xFF\xFF\xFF"), true, "text/xml; charset=utf-8"},
    {SigKind::Exact, B("%PDF-"), {}, false, "application/pdf"},
    {SigKind::Exact, B("%!PS-Adobe-"), {}, false, "application/postscript"},

    // UTF BOMs.
    {SigKind::Masked, B("\xFE\xFF\x00\x00"), B("\xFF\xFF\x00\x00"), false,
     "text/plain; charset=utf-16be"},
    {SigKind::Masked, B("\xFF\xFE\x00\x00"), B("\xFF\xFF\x00\x00"), false,
     "text/plain; charset=utf-16le"},
    {SigKind::Masked, B("\xEF\xBB\xBF\x00"), B("\xFF\xFF\xFF\x00"), false,
     "text/plain; charset=utf-8"},

    // Image types.
    {SigKind::Exact, B("\x00\x00\x01\x00"), {}, false, "image/x-icon"},
    {SigKind::Exact, B("\x00\x00\x02\x00"), {}, false, "image/x-icon"},
    {SigKind::Exact, B("BM"), {}, false, "image/bmp"},
    {SigKind::Exact, B("GIF87a"), {}, false, "image/gif"},
    {SigKind::Exact, B("GIF89a"), {}, false, "image/gif"},
    {SigKind::Masked, B("RIFF\x00\x00\x00\x00WEBPVP"),
     B("\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF\xFF\xFF"), false, "image/webp"},
    {SigKind::Exact, B("\x89PNG\x0D\x0A\x1A\x0A"), {}, false, "image/png"},
    {SigKind::Exact, B("\xFF\xD8\xFF"), {}, false, "image/jpeg"},

    // Audio and video types, in the order the WHATWG spec prescribes.
    {SigKind::Masked,
     B("FORM\x00\x00\x00\x00"
       "AIFF"),
     B("\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF"), false, "audio/aiff"},
    {SigKind::Masked, B("ID3"), B("\xFF\xFF\xFF"), false, "audio/mpeg"},
    {SigKind::Masked, B("OggS\x00"), B("\xFF\xFF\xFF\xFF\xFF"), false, "application/ogg"},
    {SigKind::Masked, B("MThd\x00\x00\x00\x06"), B("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"), false,
     "audio/midi"},
    {SigKind::Masked,
     B("RIFF\x00\x00\x00\x00"
       "AVI "),
     B("\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF"), false, "video/avi"},
    {SigKind::Masked, B("RIFF\x00\x00\x00\x00WAVE"),
     B("\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF"), false, "audio/wave"},
    {SigKind::Mp4, {}, {}, false, "video/mp4"},
    {SigKind::Exact, B("\x1A\x45\xDF\xA3"), {}, false, "video/webm"},

    // Font types: 34 ignored bytes then "LP" for Embedded OpenType.
    {SigKind::Masked,
     B("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
       "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00LP"),
     B("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
       "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xFF\xFF"),
     false, "application/vnd.ms-fontobject"},
    {SigKind::Exact, B("\x00\x01\x00\x00"), {}, false, "font/ttf"},
    {SigKind::Exact, B("OTTO"), {}, false, "font/otf"},
    {SigKind::Exact, B("ttcf"), {}, false, "font/collection"},
    {SigKind::Exact, B("wOFF"), {}, false, "font/woff"},
    {SigKind::Exact, B("wOF2"), {}, false, "font/woff2"},

    // Archive types.
    {SigKind::Exact, B("\x1F\x8B\x08"), {}, false, "application/x-gzip"},
    {SigKind::Exact, B("PK\x03\x04"), {}, false, "application/zip"},
    {SigKind::Exact, B("Rar!\x1A\x07\x00"), {}, false, "application/x-rar-compressed"},
    {SigKind::Exact, B("Rar!\x1A\x07\x01\x00"), {}, false, "application/x-rar-compressed"},

    {SigKind::Exact, B("\x00\x61\x73\x6D"), {}, false, "application/wasm"},

    {SigKind::Text, {}, {}, false, "text/plain; charset=utf-8"},  // must stay last
};

#undef B

uint8_t at(Bytes d, size_t i) { return static_cast<uint8_t>(d[i]); }

bool matchHtml(Bytes data, Bytes tag) {
  if (data.size() < tag.size() + 1) return false;
  for (size_t i = 0; i < tag.size(); ++i) {
    uint8_t b = at(tag, i);
    uint8_t db = at(data, i);
    if (b >= 'A' && b <= 'Z') db &= 0xDF;
    if (b != db) return false;
  }
  return isTT(at(data, tag.size()));
}

bool matchMasked(Bytes data, Bytes pat, Bytes mask) {
  if (data.size() < pat.size()) return false;
  for (size_t i = 0; i < pat.size(); ++i) {
    if ((at(data, i) & at(mask, i)) != at(pat, i)) return false;
  }
  return true;
}

bool matchMp4(Bytes data) {
  if (data.size() < 12) return false;
  uint64_t boxSize = (uint64_t{at(data, 0)} << 24) | (uint64_t{at(data, 1)} << 16) |
                     (uint64_t{at(data, 2)} << 8) | uint64_t{at(data, 3)};
  if (data.size() < boxSize || boxSize % 4 != 0) return false;
  if (data.substr(4, 4) != "ftyp") return false;
  for (uint64_t st = 8; st < boxSize; st += 4) {
    if (st == 12) continue;  // the major brand's version number
    if (data.substr(st, 3) == "mp4") return true;
  }
  return false;
}

bool matchText(Bytes data) {
  for (char c : data) {
    uint8_t b = static_cast<uint8_t>(c);
    if (b <= 0x08 || b == 0x0B || (b >= 0x0E && b <= 0x1A) || (b >= 0x1C && b <= 0x1F)) {
      return false;
    }
  }
  return true;
}

bool containsIgnoreCase(std::string_view haystack, std::string_view lowerNeedle) {
  if (lowerNeedle.size() > haystack.size()) return false;
  for (size_t i = 0; i + lowerNeedle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    for (; j < lowerNeedle.size(); ++j) {
      char c = haystack[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != lowerNeedle[j]) break;
    }
    if (j == lowerNeedle.size()) return true;
  }
  return false;
}

}  // namespace

std::string detectContentType(std::span<const char> input) {
  Bytes data(input.data(), std::min(input.size(), kSniffLen));
  size_t firstNonWS = 0;
  while (firstNonWS < data.size() && isWS(at(data, firstNonWS))) ++firstNonWS;
  Bytes trimmed = data.substr(firstNonWS);

  for (const Sig& sig : kSignatures) {
    bool hit = false;
    switch (sig.kind) {
      case SigKind::Html:
        hit = matchHtml(trimmed, sig.pat);
        break;
      case SigKind::Masked:
        hit = matchMasked(sig.skipWS ? trimmed : data, sig.pat, sig.mask);
        break;
      case SigKind::Exact:
        hit = data.substr(0, sig.pat.size()) == sig.pat;
        break;
      case SigKind::Mp4:
        hit = matchMp4(data);
        break;
      case SigKind::Text:
        hit = matchText(trimmed);
        break;
    }
    if (hit) return sig.ct;
  }
  return "application/octet-stream";
}

std::string safeDownloadContentType(std::string_view storedType) {
  static constexpr std::string_view kActive[] = {"html",       "svg",   "xml", "javascript",
                                                 "ecmascript", "flash", "pdf"};
  if (storedType.empty()) return "application/octet-stream";
  for (std::string_view word : kActive) {
    if (containsIgnoreCase(storedType, word)) return "application/octet-stream";
  }
  return std::string(storedType);
}

}  // namespace plik
