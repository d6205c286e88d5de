// Tests for the streaming zip writer, checked with independent readers: Python's zipfile,
// Info-ZIP unzip and libarchive's bsdtar (seeking and streaming).
#include "codec/zip_writer.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace plik {
namespace {

struct Content {
  std::string name;
  std::string data;
};

std::string tempPath(const std::string& tag) {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          ("plik_zip_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
           tag + ".zip"))
      .string();
}

// Runs a shell command, returns its exit status and captures stdout.
int runCommand(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  std::string captured;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) captured.append(buf, n);
  int status = pclose(p);
  if (out) *out = captured;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Debian's interpreter: a python3 earlier on PATH may be a slow shim.
std::string python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

uint32_t crcOf(const std::string& s) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

struct Written {
  std::string bytes;
  size_t maxSinkChunk = 0;
  size_t sinkCalls = 0;
};

// Writes `entries` feeding each one in irregular chunks.
Written writeZip(const std::vector<Content>& entries, bool deflate, std::time_t mtime,
                 uint64_t expectedSize = ZipWriter::kUnknownSize) {
  Written w;
  ZipWriter zip(
      [&](std::span<const char> b) {
        w.bytes.append(b.data(), b.size());
        w.maxSinkChunk = std::max(w.maxSinkChunk, b.size());
        ++w.sinkCalls;
      },
      deflate);
  std::mt19937 rng(99);
  for (const auto& e : entries) {
    if (expectedSize == ZipWriter::kUnknownSize) {
      zip.beginEntry(e.name, mtime);
    } else {
      zip.beginEntry(e.name, mtime, expectedSize);
    }
    size_t pos = 0;
    while (pos < e.data.size()) {
      size_t n = std::min<size_t>(e.data.size() - pos, 1 + rng() % 70000);
      zip.write(std::span<const char>(e.data.data() + pos, n));
      pos += n;
    }
    zip.endEntry();
  }
  zip.finish();
  EXPECT_EQ(zip.bytesWritten(), w.bytes.size());
  return w;
}

std::string saveTemp(const std::string& bytes, const std::string& tag) {
  std::string path = tempPath(tag);
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// One line per entry as Python's zipfile sees it, after testzip() checked every CRC.
std::string pythonListing(const std::string& path) {
  std::string out;
  std::string cmd =
      python() +
      " -c 'import sys, zipfile, zlib\n"
      "z = zipfile.ZipFile(sys.argv[1])\n"
      "bad = z.testzip()\n"
      "print(\"testzip\", bad)\n"
      "for i in z.infolist():\n"
      "    d = z.open(i).read()\n"
      "    print(i.filename, len(d), zlib.crc32(d), i.compress_type, \"%d-%d-%d %d:%d:%d\" % "
      "i.date_time, bool(i.flag_bits & 0x800))\n"
      "' " +
      path;
  EXPECT_EQ(runCommand(cmd, &out), 0) << cmd;
  return out;
}

std::string expectedListing(const std::vector<Content>& entries, bool deflate, std::time_t mtime) {
  std::tm tm{};
  localtime_r(&mtime, &tm);
  char date[64];
  std::snprintf(date, sizeof date, "%d-%d-%d %d:%d:%d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec / 2 * 2);
  std::ostringstream os;
  os << "testzip None\n";
  for (const auto& e : entries) {
    bool utf8 = false;
    for (char c : e.name) utf8 = utf8 || static_cast<unsigned char>(c) >= 0x80;
    os << e.name << " " << e.data.size() << " " << crcOf(e.data) << " " << (deflate ? 8 : 0) << " "
       << date << " " << (utf8 ? "True" : "False") << "\n";
  }
  return os.str();
}

std::vector<Content> sampleEntries() {
  std::string random(1 << 20, '\0');
  std::mt19937 rng(5);
  for (auto& c : random) c = static_cast<char>(rng());
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + " of some text\n";
  return {
      {"hello.txt", "hello world\n"},
      {"empty", ""},
      {"dup.txt", "first"},
      {"dup.txt", "second, different"},
      {"\xC3\xA9t\xC3\xA9 \xE2\x82\xAC.txt", "non-ascii name"},
      {"random.bin", random},
      {"text.log", text},
  };
}

class ZipWriterTest : public ::testing::TestWithParam<bool> {};

TEST_P(ZipWriterTest, ReadersAgreeOnContent) {
  const bool deflate = GetParam();
  const std::time_t mtime = 1700000000;  // 2023-11-14
  auto entries = sampleEntries();
  Written w = writeZip(entries, deflate, mtime);
  std::string path = saveTemp(w.bytes, deflate ? "deflate" : "store");

  EXPECT_EQ(pythonListing(path), expectedListing(entries, deflate, mtime));
  EXPECT_EQ(runCommand("unzip -tqq " + path + " >/dev/null 2>&1"), 0);

  std::string names;
  EXPECT_EQ(runCommand("bsdtar -tf " + path, &names), 0);
  std::string expectedNames;
  for (const auto& e : entries) expectedNames += e.name + "\n";
  EXPECT_EQ(names, expectedNames);

  // Streaming read (no seeking: libarchive relies on the data descriptors).
  std::string streamed;
  EXPECT_EQ(runCommand("cat " + path + " | bsdtar -xOf - 2>/dev/null", &streamed), 0);
  std::string all;
  for (const auto& e : entries) all += e.data;
  EXPECT_TRUE(streamed == all) << streamed.size() << " vs " << all.size();

  if (deflate) {
    // Bounded memory: output reaches the sink in buffer-sized pieces.
    EXPECT_LE(w.maxSinkChunk, 64u * 1024 + 1024);
    EXPECT_LT(w.bytes.size(), all.size());
  }
  std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Methods, ZipWriterTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Deflate" : "Store"; });

TEST(ZipWriter, Zip64LocalHeaderWhenLargeSizeAnnounced) {
  // Small data but announced as > 4 GiB: ZIP64 extra in the local header and 8-byte
  // descriptor sizes; every reader, streaming ones included, must still agree.
  auto entries = sampleEntries();
  entries.resize(5);
  const std::time_t mtime = 1600000000;
  Written w = writeZip(entries, true, mtime, uint64_t{5} << 30);
  std::string path = saveTemp(w.bytes, "zip64local");
  EXPECT_EQ(pythonListing(path), expectedListing(entries, true, mtime));
  EXPECT_EQ(runCommand("unzip -tqq " + path + " >/dev/null 2>&1"), 0);
  std::string streamed, all;
  for (const auto& e : entries) all += e.data;
  EXPECT_EQ(runCommand("cat " + path + " | bsdtar -xOf - 2>/dev/null", &streamed), 0);
  EXPECT_EQ(streamed, all);
  // Local header: version 45, extra field id 0x0001 right after the name.
  ASSERT_GT(w.bytes.size(), 40u);
  EXPECT_EQ(w.bytes[4], 45);
  EXPECT_EQ(w.bytes.substr(30 + entries[0].name.size(), 4), std::string("\x01\x00\x10\x00", 4));
  std::filesystem::remove(path);
}

TEST(ZipWriter, HeaderFlagsAndSignatures) {
  Written w = writeZip({{"\xC3\xBC", "x"}}, false, 1700000000);
  const std::string& b = w.bytes;
  ASSERT_GE(b.size(), 30u);
  EXPECT_EQ(b.substr(0, 4), "PK\x03\x04");
  uint16_t flags = static_cast<uint8_t>(b[6]) | (static_cast<uint8_t>(b[7]) << 8);
  EXPECT_EQ(flags, 0x0808);  // data descriptor + UTF-8
  EXPECT_EQ(b.substr(b.size() - 22, 4), "PK\x05\x06");
  EXPECT_EQ(b.find("PK\x06\x06"), std::string::npos);  // no ZIP64 end record for small archives
  EXPECT_NE(b.find("PK\x07\x08"), std::string::npos);

  Written ascii = writeZip({{"plain.txt", "x"}}, true, 1700000000);
  flags = static_cast<uint8_t>(ascii.bytes[6]) | (static_cast<uint8_t>(ascii.bytes[7]) << 8);
  EXPECT_EQ(flags, 0x0008);
}

TEST(ZipWriter, EmptyArchive) {
  Written w = writeZip({}, true, 0);
  EXPECT_EQ(w.bytes.size(), 22u);
  std::string path = saveTemp(w.bytes, "empty");
  EXPECT_EQ(pythonListing(path), "testzip None\n");
  std::filesystem::remove(path);
}

TEST(ZipWriter, DosTimeClampedBefore1980) {
  Written w = writeZip({{"old", "o"}}, true, 0);
  std::string path = saveTemp(w.bytes, "old");
  std::string out = pythonListing(path);
  EXPECT_NE(out.find("old 1 "), std::string::npos);
  EXPECT_NE(out.find(" 1980-1-1 0:0:0 "), std::string::npos) << out;
  std::filesystem::remove(path);
}

TEST(ZipWriter, ManyEntriesUseZip64EndRecords) {
  const size_t kCount = 0xFFFF + 10;
  std::string bytes;
  ZipWriter zip([&](std::span<const char> b) { bytes.append(b.data(), b.size()); }, false);
  for (size_t i = 0; i < kCount; ++i) {
    zip.beginEntry("f" + std::to_string(i), 1700000000);
    std::string d = std::to_string(i);
    zip.write(std::span<const char>(d.data(), d.size()));
  }
  zip.finish();  // ends the open entry
  EXPECT_NE(bytes.find("PK\x06\x06"), std::string::npos);
  EXPECT_NE(bytes.find("PK\x06\x07"), std::string::npos);
  std::string path = saveTemp(bytes, "many");
  std::string out;
  ASSERT_EQ(runCommand(python() +
                           " -c 'import sys, zipfile\n"
                           "z = zipfile.ZipFile(sys.argv[1])\n"
                           "n = z.namelist()\n"
                           "print(len(n), n[-1], z.read(z.infolist()[-1]).decode())\n"
                           "' " +
                           path,
                       &out),
            0);
  EXPECT_EQ(out, std::to_string(kCount) + " f" + std::to_string(kCount - 1) + " " +
                     std::to_string(kCount - 1) + "\n");
  std::filesystem::remove(path);
}

TEST(ZipWriter, MisuseFailsLoudly) {
  ZipWriter zip([](std::span<const char>) {});
  std::string d = "x";
  EXPECT_THROW(zip.write(std::span<const char>(d.data(), 1)), std::logic_error);
  EXPECT_THROW(zip.endEntry(), std::logic_error);
  zip.beginEntry("a", 0);
  zip.beginEntry("b", 0);  // ends "a"
  zip.finish();
  EXPECT_THROW(zip.finish(), std::logic_error);
  EXPECT_THROW(zip.beginEntry("c", 0), std::logic_error);
}

}  // namespace
}  // namespace plik
