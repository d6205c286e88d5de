// Tests for content sniffing (cases from Go's net/http sniff_test.go) and the download-time
// neutralisation of active content types.
#include "codec/mime_sniff.hpp"

#include <gtest/gtest.h>

#include <string>

namespace plik {
namespace {

using namespace std::string_literals;

std::string sniff(const std::string& s) {
  return detectContentType(std::span<const char>(s.data(), s.size()));
}

struct Case {
  const char* desc;
  std::string data;
  const char* want;
};

TEST(DetectContentType, GoSniffTable) {
  const Case cases[] = {
      {"Empty", ""s, "text/plain; charset=utf-8"},
      {"Binary", "\x01\x02\x03"s, "application/octet-stream"},
      {"HTML #1", "<HtMl><bOdY>blah blah blah</body></html>"s, "text/html; charset=utf-8"},
      {"HTML #2", "<HTML></HTML>"s, "text/html; charset=utf-8"},
      {"HTML #3 leading whitespace", "   <!DOCTYPE HTML>..."s, "text/html; charset=utf-8"},
      {"HTML #4 leading CRLF", "\r\n<html>..."s, "text/html; charset=utf-8"},
      {"Plain text", "This is not HTML. It has \xE2\x98\x83 though."s, "text/plain; charset=utf-8"},
      {"XML", "\n<?xml!"s, "text/xml; charset=utf-8"},
      {"Windows icon", "\x00\x00\x01\x00"s, "image/x-icon"},
      {"Windows cursor", "\x00\x00\x02\x00"s, "image/x-icon"},
      {"BMP image", "BM..."s, "image/bmp"},
      {"GIF 87a", "GIF87a"s, "image/gif"},
      {"GIF 89a", "GIF89a..."s, "image/gif"},
      {"WEBP image", "RIFF\x00\x00\x00\x00WEBPVP"s, "image/webp"},
      {"PNG image", "\x89PNG\x0D\x0A\x1A\x0A"s, "image/png"},
      {"JPEG image", "\xFF\xD8\xFF"s, "image/jpeg"},
      {"MIDI audio", "MThd\x00\x00\x00\x06\x00\x01"s, "audio/midi"},
      {"MP3 audio", "ID3\x03\x00\x00\x00\x00\x0f"s, "audio/mpeg"},
      {"WAV audio #1", "RIFFb\xb8\x00\x00WAVEfmt \x12\x00\x00\x00\x06"s, "audio/wave"},
      {"WAV audio #2", "RIFF,\x00\x00\x00WAVEfmt \x12\x00\x00\x00\x06"s, "audio/wave"},
      {"AIFF audio",
       "FORM\x00\x00\x00\x00"
       "AIFFCOMM\x00\x00\x00\x12\x00\x01\x00\x00\x57\x55\x00\x10\x40\x0d\xf3\x34"s,
       "audio/aiff"},
      {"OGG audio",
       "OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x7e\x46\x00\x00\x00\x00\x00\x00\x1f\xf6\xb4"
       "\xfc\x01\x1e\x01\x76\x6f\x72"s,
       "application/ogg"},
      {"Must not match OGG #1", "owow\x00"s, "application/octet-stream"},
      {"Must not match OGG #2", "oooS\x00"s, "application/octet-stream"},
      {"Must not match OGG #3", "oggS\x00"s, "application/octet-stream"},
      {"MP4 video",
       "\x00\x00\x00\x18"
       "ftypmp42\x00\x00\x00\x00mp42isom<\x06t\xbfmdat"s,
       "video/mp4"},
      {"AVI video #1",
       "RIFF,O\n\x00"
       "AVI LIST\xC3\x80"s,
       "video/avi"},
      {"AVI video #2",
       "RIFF,\n\x00\x00"
       "AVI LIST\xC3\x80"s,
       "video/avi"},
      {"TTF sample I", "\x00\x01\x00\x00\x00\x17\x01\x00\x00\x04\x01\x60\x4f"s, "font/ttf"},
      {"TTF sample II", "\x00\x01\x00\x00\x00\x0e\x00\x80\x00\x03\x00\x60\x46"s, "font/ttf"},
      {"OTTO sample I", "\x4f\x54\x54\x4f\x00\x0e\x00\x80\x00\x03\x00\x60\x42\x41\x53\x45"s,
       "font/otf"},
      {"woff sample I", "\x77\x4f\x46\x46\x00\x01\x00\x00\x00\x00\x30\x54\x00\x0d\x00\x00"s,
       "font/woff"},
      {"woff2 sample", "\x77\x4f\x46\x32\x00\x01\x00\x00\x00"s, "font/woff2"},
      {"wasm sample", "\x00\x61\x73\x6d\x01\x00"s, "application/wasm"},
      {"RAR v1.5-v4.0", "Rar!\x1A\x07\x00"s, "application/x-rar-compressed"},
      {"RAR v5+", "Rar!\x1A\x07\x01\x00"s, "application/x-rar-compressed"},
      {"Incorrect RAR v1.5-v4.0", "Rar \x1A\x07\x00"s, "application/octet-stream"},
      {"Incorrect RAR v5+", "Rar \x1A\x07\x01\x00"s, "application/octet-stream"},
  };
  for (const Case& c : cases) EXPECT_EQ(sniff(c.data), c.want) << c.desc;
}

TEST(DetectContentType, MoreSignatures) {
  EXPECT_EQ(sniff("%PDF-1.7\n%\xE2\xE3\xCF\xD3"s), "application/pdf");
  EXPECT_EQ(sniff("%!PS-Adobe-3.0"s), "application/postscript");
  EXPECT_EQ(sniff("\xFE\xFF\x00h"s), "text/plain; charset=utf-16be");
  EXPECT_EQ(sniff("\xFF\xFEh\x00"s), "text/plain; charset=utf-16le");
  EXPECT_EQ(sniff("\xEF\xBB\xBFhello"s), "text/plain; charset=utf-8");
  EXPECT_EQ(sniff("\x1F\x8B\x08\x00\x00\x00"s), "application/x-gzip");
  EXPECT_EQ(sniff("PK\x03\x04\x14\x00"s), "application/zip");
  EXPECT_EQ(sniff("\x1A\x45\xDF\xA3\x01"s), "video/webm");
  EXPECT_EQ(sniff(".snd\x00\x00"s), "application/octet-stream");  // audio/basic left Go's table
  EXPECT_EQ(sniff(std::string(34, '\0') + "LP"), "application/vnd.ms-fontobject");
  EXPECT_EQ(sniff("ttcf\x00\x01"s), "font/collection");
}

TEST(DetectContentType, HtmlNeedsTagTerminator) {
  EXPECT_EQ(sniff("<p>hi"), "text/html; charset=utf-8");
  EXPECT_EQ(sniff("\t\n\f\r <P class=x>"), "text/html; charset=utf-8");
  EXPECT_EQ(sniff("<pre>code</pre>"), "text/plain; charset=utf-8");
  EXPECT_EQ(sniff("<b"), "text/plain; charset=utf-8");  // no byte after the tag
  EXPECT_EQ(sniff("<!-- comment -->"), "text/html; charset=utf-8");
  EXPECT_EQ(sniff("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "text/plain; charset=utf-8");
  EXPECT_EQ(sniff("<?xml version=\"1.0\"?><svg/>"), "text/xml; charset=utf-8");
}

TEST(DetectContentType, TextRules) {
  EXPECT_EQ(sniff("a\x1b[0mcolour"), "text/plain; charset=utf-8");  // ESC is allowed
  EXPECT_EQ(sniff("a\x0b"), "application/octet-stream");
  EXPECT_EQ(sniff("a\x1c"), "application/octet-stream");
  EXPECT_EQ(sniff("tab\tnewline\ncr\rff\f"), "text/plain; charset=utf-8");
  EXPECT_EQ(sniff("{\"json\": true}"), "text/plain; charset=utf-8");
  EXPECT_EQ(sniff("\xFF\xFF\xFF garbage high bytes"), "text/plain; charset=utf-8");
}

TEST(DetectContentType, OnlyFirst512BytesCount) {
  std::string text(512, 'a');
  EXPECT_EQ(sniff(text + "\x01"s), "text/plain; charset=utf-8");
  EXPECT_EQ(sniff(std::string(511, 'a') + "\x01"s), "application/octet-stream");
  // HTML after more than 512 bytes of whitespace is not seen.
  EXPECT_EQ(sniff(std::string(600, ' ') + "<html>"), "text/plain; charset=utf-8");
}

TEST(DetectContentType, Mp4Details) {
  // Box size not a multiple of 4, or larger than the data: not mp4.
  EXPECT_EQ(sniff("\x00\x00\x00\x19"
                  "ftypmp42\x00\x00\x00\x00mp42isom<\x06t\xbfmdat"s),
            "application/octet-stream");
  EXPECT_EQ(sniff("\x00\x00\x01\x00"
                  "ftypisom\x00\x00\x00\x00"s),
            "image/x-icon");
  // The brand at offset 12 (minor version) is skipped.
  EXPECT_EQ(sniff("\x00\x00\x00\x14"
                  "ftypisommp41isom"s +
                  std::string(4, '\x01')),
            "application/octet-stream");
  EXPECT_EQ(sniff("\x00\x00\x00\x14"
                  "ftypisom\x00\x00\x00\x00mp41"s +
                  std::string(4, '\x01')),
            "video/mp4");
}

TEST(SafeDownloadContentType, NeutralisesActiveTypes) {
  for (const char* t :
       {"text/html; charset=utf-8", "TEXT/HTML", "image/svg+xml", "text/xml; charset=utf-8",
        "application/xhtml+xml", "application/javascript", "text/javascript",
        "application/ecmascript", "application/x-shockwave-flash", "application/pdf", ""}) {
    EXPECT_EQ(safeDownloadContentType(t), "application/octet-stream") << t;
  }
  for (const char* t : {"text/plain; charset=utf-8", "image/png", "application/zip", "video/mp4",
                        "application/octet-stream", "application/json"}) {
    EXPECT_EQ(safeDownloadContentType(t), t);
  }
}

}  // namespace
}  // namespace plik
