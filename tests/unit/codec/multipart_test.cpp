// Tests for the incremental multipart parser: Go-compatible framing, and identical results
// whatever way the body is split into chunks.
#include "codec/multipart.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

namespace plik {
namespace {

struct RunStats {
  size_t dataSteps = 0;
  size_t maxKept = 0;  // largest unconsumed tail handed back after NeedMore
};

// Drives the parser like a connection would: a buffer that keeps the unconsumed tail and
// grows by `nextChunk()` bytes on NeedMore. Returns a log where adjacent Data are merged.
std::string run(std::string_view body, const std::string& boundary,
                const std::function<size_t()>& nextChunk, size_t maxHeader = 16384,
                RunStats* stats = nullptr) {
  MultipartParser parser(boundary, maxHeader);
  std::string buf;
  size_t pos = 0;
  bool eof = body.empty();
  std::string log, data;
  auto flush = [&] {
    if (!data.empty()) log += "D[" + data + "]";
    data.clear();
  };
  for (size_t guard = 0; guard < 50'000'000; ++guard) {
    auto step = parser.next(std::span<const char>(buf.data(), buf.size()), eof);
    if (step.consumed > buf.size()) return log + "!overconsumed";
    switch (step.kind) {
      case MultipartParser::Kind::NeedMore: {
        buf.erase(0, step.consumed);
        if (stats) stats->maxKept = std::max(stats->maxKept, buf.size());
        if (eof) return log + "!NeedMoreAtEOF";
        size_t n = std::max<size_t>(1, nextChunk());
        n = std::min(n, body.size() - pos);
        buf.append(body.substr(pos, n));
        pos += n;
        eof = pos == body.size();
        continue;
      }
      case MultipartParser::Kind::Data:
        if (step.data.empty()) return log + "!emptyData";
        if (step.data.data() < buf.data() ||
            step.data.data() + step.data.size() > buf.data() + step.consumed) {
          return log + "!dataOutsideConsumed";
        }
        data.append(step.data.data(), step.data.size());
        if (stats) ++stats->dataSteps;
        break;
      case MultipartParser::Kind::PartBegin: {
        flush();
        const auto& p = parser.part();
        log += "B(" + p.name + "|" + p.filename + "|" + (p.hasFilename ? "f" : "-") + "|" +
               p.contentType + ")";
        break;
      }
      case MultipartParser::Kind::PartEnd:
        flush();
        log += "E";
        break;
      case MultipartParser::Kind::Done:
        flush();
        return log + "Done";
      case MultipartParser::Kind::Error:
        flush();
        return log + "Err(" + parser.errorMessage() + ")";
    }
    buf.erase(0, step.consumed);
  }
  return log + "!loop";
}

std::string runWhole(std::string_view body, const std::string& boundary, size_t maxHeader = 16384,
                     RunStats* stats = nullptr) {
  return run(
      body, boundary, [&] { return body.size() + 1; }, maxHeader, stats);
}

std::string runBytes(std::string_view body, const std::string& boundary, size_t maxHeader = 16384) {
  return run(
      body, boundary, [] { return size_t{1}; }, maxHeader);
}

const std::string kB = "XyZzY-boundary-42";

std::string formBody() {
  return "--" + kB +
         "\r\n"
         "Content-Disposition: form-data; name=\"comment\"\r\n"
         "\r\n"
         "hello\r\n"
         "--" +
         kB +
         "\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n"
         "Content-Type: application/pdf\r\n"
         "\r\n"
         "%PDF-1.4 body\r\nwith lines\r\n--" +
         kB + "\r\n" + "Content-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--" + kB +
         "--\r\n";
}

TEST(MultipartParser, ParsesPartsInOrder) {
  EXPECT_EQ(runWhole(formBody(), kB),
            "B(comment||-|)D[hello]E"
            "B(file|report.pdf|f|application/pdf)D[%PDF-1.4 body\r\nwith lines]E"
            "B(other||-|)D[x]EDone");
}

TEST(MultipartParser, FilePartAfterOtherParts) {
  // The handler scans for the first part named "file": what precedes it is skipped.
  std::string body = "--" + kB + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--" +
                     kB + "\r\nContent-Disposition: form-data; name=\"b\"; filename=\"b.txt\"\r\n" +
                     "\r\n2\r\n--" + kB +
                     "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n" +
                     "\r\n3\r\n--" + kB + "--";
  EXPECT_EQ(runWhole(body, kB), "B(a||-|)D[1]EB(b|b.txt|f|)D[2]EB(file|x.bin|f|)D[3]EDone");
}

TEST(MultipartParser, PreambleAndEpilogueIgnored) {
  std::string body = "This is the preamble --" + kB + " not at line start\r\n--" + kB +
                     "x not a boundary\r\n\r\n--" + kB +
                     "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--" + kB +
                     "--\r\nepilogue --" + kB + "\r\n garbage";
  EXPECT_EQ(runWhole(body, kB), "B(file||-|)D[abc]EDone");
  EXPECT_EQ(runBytes(body, kB), "B(file||-|)D[abc]EDone");
}

TEST(MultipartParser, LeadingCrlfBeforeFirstBoundary) {
  std::string body = "\r\n--" + kB +
                     "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--" + kB +
                     "--\r\n";
  EXPECT_EQ(runWhole(body, kB), "B(f||-|)D[v]EDone");
}

TEST(MultipartParser, TransportPaddingAfterBoundary) {
  std::string body = "--" + kB +
                     " \t \r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--" + kB +
                     "\t\r\n\r\nw\r\n--" + kB + "-- \t\r\n";
  EXPECT_EQ(runWhole(body, kB), "B(f||-|)D[v]EB(||-|)D[w]EDone");
}

TEST(MultipartParser, LfOnlyBodySwitchesToLfMode) {
  // Go: a first boundary line ending in a bare LF switches the whole body to LF mode.
  std::string body =
      "--" + kB + "\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\n" +
      "Content-Type: text/plain\n\nline1\r\nline2\n--" + kB + "\n\nsecond\n--" + kB + "--\n";
  EXPECT_EQ(runWhole(body, kB), "B(file|a|f|text/plain)D[line1\r\nline2]EB(||-|)D[second]EDone");
}

TEST(MultipartParser, LfOnlyHeadersInCrlfBody) {
  std::string body =
      "--" + kB + "\r\nContent-Disposition: form-data; name=\"file\"\n\nDATA\r\n--" + kB + "--\r\n";
  EXPECT_EQ(runWhole(body, kB), "B(file||-|)D[DATA]EDone");
}

TEST(MultipartParser, BoundaryLikeBytesInsideData) {
  std::string data = "a\r\n--" + kB.substr(0, kB.size() - 1) + "\r\n--" + kB + "X\r\n-" + "\r\n--" +
                     kB + "-x\r\n--" + kB.substr(0, 5);
  std::string body = "--" + kB + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" +
                     data + "\r\n--" + kB + "--\r\n";
  std::string expected = "B(file||-|)D[" + data + "]EDone";
  EXPECT_EQ(runWhole(body, kB), expected);
  EXPECT_EQ(runBytes(body, kB), expected);
}

TEST(MultipartParser, QuotedValuesAndEscapes) {
  auto first = [](const std::string& disposition) {
    std::string body =
        "--" + kB + "\r\nContent-Disposition: " + disposition + "\r\n\r\nx\r\n--" + kB + "--";
    return runWhole(body, kB);
  };
  EXPECT_EQ(first(R"(form-data; name="file"; filename="a\"b.txt")"),
            "B(file|a\"b.txt|f|)D[x]EDone");
  // MSIE sends unescaped Windows paths: a backslash before a non-tspecial is literal.
  EXPECT_EQ(first(R"(form-data; name="file"; filename="C:\dir\f.txt")"),
            "B(file|C:\\dir\\f.txt|f|)D[x]EDone");
  EXPECT_EQ(first(R"(form-data; name="file"; filename="back\\slash")"),
            "B(file|back\\slash|f|)D[x]EDone");
  EXPECT_EQ(first("FORM-DATA ; NAME=file ; FileName=plain.txt;"), "B(file|plain.txt|f|)D[x]EDone");
  EXPECT_EQ(first(R"(form-data; name="file"; filename="")"), "B(file||f|)D[x]EDone");
  EXPECT_EQ(
      first(R"(form-data; name="file"; filename="a.txt"; filename*=UTF-8''%C3%A9t%C3%A9.txt)"),
      "B(file|\xC3\xA9t\xC3\xA9.txt|f|)D[x]EDone");
  EXPECT_EQ(first(R"(form-data; name="file"; filename*0="long"; filename*1="name.txt")"),
            "B(file|longname.txt|f|)D[x]EDone");
  // Not form-data: no form name (Go's FormName), the filename is still known.
  EXPECT_EQ(first(R"(attachment; name="file"; filename="f")"), "B(|f|f|)D[x]EDone");
  // Malformed parameters (unterminated quote, duplicate): Go drops all parameters.
  EXPECT_EQ(first(R"(form-data; name="file; filename="f")"), "B(||-|)D[x]EDone");
  EXPECT_EQ(first(R"(form-data; name="file"; name="other")"), "B(||-|)D[x]EDone");
}

TEST(MultipartParser, HeaderContinuationAndCase) {
  std::string body = "--" + kB + "\r\ncontent-disposition: form-data;\r\n\tname=\"file\"\r\n" +
                     "CONTENT-TYPE:  image/png  \r\nX-Other: y\r\n\r\npng\r\n--" + kB + "--";
  EXPECT_EQ(runWhole(body, kB), "B(file||-|image/png)D[png]EDone");
}

TEST(MultipartParser, EmptyParts) {
  // With and without the CRLF that separates (empty) data from the delimiter.
  std::string body = "--" + kB + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--" +
                     kB + "\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n--" + kB +
                     "\r\n\r\n--" + kB + "--\r\n";
  EXPECT_EQ(runWhole(body, kB), "B(a||-|)EB(b||-|)EB(||-|)EDone");
  EXPECT_EQ(runBytes(body, kB), "B(a||-|)EB(b||-|)EB(||-|)EDone");
}

TEST(MultipartParser, ClosingBoundaryOnlyMeansNoParts) {
  EXPECT_EQ(runWhole("--" + kB + "--\r\n", kB), "Done");
  EXPECT_EQ(runWhole("--" + kB + "--", kB), "Done");
}

TEST(MultipartParser, MissingClosingBoundaryIsError) {
  std::string head = "--" + kB + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
  EXPECT_EQ(runWhole(head + "partial data", kB),
            "B(file||-|)D[partial data]Err(multipart: unexpected EOF)");
  EXPECT_EQ(runBytes(head + "partial data", kB),
            "B(file||-|)D[partial data]Err(multipart: unexpected EOF)");
  // Truncated inside the delimiter: the partial delimiter was data after all.
  EXPECT_EQ(runWhole(head + "d\r\n--" + kB.substr(0, 4), kB),
            "B(file||-|)D[d\r\n--" + kB.substr(0, 4) + "]Err(multipart: unexpected EOF)");
  EXPECT_EQ(runWhole(head, kB), "B(file||-|)Err(multipart: unexpected EOF)");
  EXPECT_EQ(runWhole("--" + kB + "\r\nContent-Disposition: form-", kB),
            "Err(multipart: NextPart: unexpected EOF)");
  EXPECT_EQ(runWhole("no boundary at all", kB), "Err(multipart: NextPart: unexpected EOF)");
  EXPECT_EQ(runWhole("", kB), "Err(multipart: NextPart: unexpected EOF)");
  // A delimiter followed by EOF ends the part, but no next part or close follows.
  EXPECT_EQ(runWhole(head + "d\r\n--" + kB, kB).substr(0, 19), "B(file||-|)D[d]EErr");
}

TEST(MultipartParser, JunkAfterDelimiterIsError) {
  std::string body = "--" + kB +
                     "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nd\r\n--" + kB +
                     " junk\r\n";
  std::string log = runWhole(body, kB);
  EXPECT_EQ(log.substr(0, 25), "B(file||-|)D[d]EErr(multi");
  EXPECT_NE(log.find("expecting a new Part"), std::string::npos);
}

TEST(MultipartParser, MalformedHeaderIsError) {
  std::string body = "--" + kB + "\r\nContent-Disposition form-data\r\n\r\nd\r\n--" + kB + "--";
  EXPECT_NE(runWhole(body, kB).find("Err(multipart: malformed MIME header line"),
            std::string::npos);
  body = "--" + kB + "\r\n continuation first\r\n\r\nd\r\n--" + kB + "--";
  EXPECT_NE(runWhole(body, kB).find("Err(multipart: malformed MIME header initial line"),
            std::string::npos);
}

TEST(MultipartParser, OversizedHeadersAreError) {
  std::string big(3000, 'a');
  std::string body = "--" + kB +
                     "\r\nContent-Disposition: form-data; name=\"file\"\r\nX-Big: " + big +
                     "\r\n\r\nd\r\n--" + kB + "--";
  EXPECT_EQ(runWhole(body, kB, 1024), "Err(multipart: part headers too large)");
  EXPECT_EQ(runBytes(body, kB, 1024), "Err(multipart: part headers too large)");
  EXPECT_EQ(runWhole(body, kB, 4096), "B(file||-|)D[d]EDone");
  // A headers block that never ends is cut at the limit too, even without EOF.
  std::string endless = "--" + kB + "\r\n" + std::string(100000, 'h');
  EXPECT_EQ(runWhole(endless, kB, 1024), "Err(multipart: part headers too large)");
}

TEST(MultipartParser, EmptyBoundaryIsError) {
  MultipartParser parser("");
  std::string body = "--\r\n\r\nx\r\n----";
  auto step = parser.next(std::span<const char>(body.data(), body.size()), true);
  EXPECT_EQ(step.kind, MultipartParser::Kind::Error);
  EXPECT_EQ(parser.errorMessage(), "multipart: boundary is empty");
}

TEST(MultipartParser, ErrorAndDoneAreSticky) {
  MultipartParser parser(kB);
  std::string junk = "nothing";
  std::span<const char> in(junk.data(), junk.size());
  EXPECT_EQ(parser.next(in, true).kind, MultipartParser::Kind::Error);
  EXPECT_EQ(parser.next(in, true).kind, MultipartParser::Kind::Error);

  MultipartParser done(kB);
  std::string body = "--" + kB + "--\r\nepilogue";
  std::span<const char> all(body.data(), body.size());
  auto s = done.next(all, false);
  EXPECT_EQ(s.kind, MultipartParser::Kind::Done);
  auto again = done.next(all.subspan(s.consumed), false);
  EXPECT_EQ(again.kind, MultipartParser::Kind::Done);
  EXPECT_EQ(again.consumed, all.size() - s.consumed);
}

std::vector<std::string> corpus() {
  std::string b = kB;
  std::vector<std::string> out = {
      formBody(),
      "preamble\r\n--" + b +
          "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n" + "\r\n--" +
          b + "X\r\n--" + b + "-\r\n--" + b.substr(0, 3) + "\r\n\r\n--" + b + "--\r\n",
      "--" + b + "\nContent-Disposition: form-data; name=\"file\"\n\nlf\nmode\r\n\n--" + b + "--",
      "--" + b + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--" + b +
          "  \r\n\r\n\r\n--" + b + "--  ",
      "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ntruncated\r\n--" + b,
      "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno close at all",
      "--" + b + "\r\nX: " + std::string(200, 'y') + "\r\n\r\nd\r\n--" + b + "--",
      "\r\n\r\n--" + b + "--",
      "--" + b + "junk\r\n--" + b + " \r\n\r\n--" + b + "-- x",
  };
  return out;
}

TEST(MultipartParser, SameResultAtEverySplitPosition) {
  for (const std::string& body : corpus()) {
    for (size_t maxHeader : {size_t{16384}, size_t{128}}) {
      std::string expected = runWhole(body, kB, maxHeader);
      ASSERT_EQ(expected.find('!'), std::string::npos) << expected;
      EXPECT_EQ(runBytes(body, kB, maxHeader), expected) << body;
      for (size_t k = 1; k < body.size(); ++k) {
        bool first = true;
        std::string got = run(
            body, kB,
            [&] {
              size_t n = first ? k : body.size();
              first = false;
              return n;
            },
            maxHeader);
        ASSERT_EQ(got, expected) << "split at " << k << " of " << body;
      }
    }
  }
}

TEST(MultipartParser, SameResultWithRandomChunkings) {
  std::mt19937 rng(1234);
  for (const std::string& body : corpus()) {
    std::string expected = runWhole(body, kB);
    for (int round = 0; round < 200; ++round) {
      std::uniform_int_distribution<size_t> dist(1, 1 + round % 40);
      EXPECT_EQ(run(body, kB, [&] { return dist(rng); }), expected);
    }
  }
}

TEST(MultipartParser, UnconsumedTailStaysBounded) {
  std::string data(200000, 'z');
  for (size_t i = 0; i < data.size(); i += 997) data[i] = '\r';
  std::string body = std::string(5000, 'p') + "\r\n--" + kB +
                     "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" + data + "\r\n--" +
                     kB + "--\r\n";
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> dist(1, 5000);
  RunStats stats;
  std::string log = run(
      body, kB, [&] { return dist(rng); }, 1024, &stats);
  EXPECT_EQ(log, "B(file||-|)D[" + data + "]EDone");
  EXPECT_LE(stats.maxKept, kB.size() + 1024 + 4);
}

TEST(MultipartParser, LargePartInFewDataSteps) {
  const size_t kSize = 10 * 1024 * 1024;
  std::string data(kSize, '\0');
  std::mt19937 rng(42);
  for (auto& c : data) c = static_cast<char>(rng());
  std::string body =
      "--" + kB + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n" +
      "Content-Type: application/octet-stream\r\n\r\n" + data + "\r\n--" + kB + "--\r\n";

  // Whole body in one buffer: one Data step.
  RunStats whole;
  std::string log = runWhole(body, kB, 16384, &whole);
  ASSERT_TRUE(log == "B(file|big|f|application/octet-stream)D[" + data + "]EDone")
      << log.substr(0, 200);
  EXPECT_EQ(whole.dataSteps, 1u);

  // 1 MiB reads: about one Data step per read.
  RunStats chunked;
  std::string log2 = run(
      body, kB, [] { return size_t{1} << 20; }, 16384, &chunked);
  EXPECT_TRUE(log2 == log);
  EXPECT_LE(chunked.dataSteps, 12u);
}

// Big buffers: data full of near-miss delimiters (every prefix of
// "\r\n--boundary", and the boundary with one byte changed at each position) must pass through
// intact, and the real delimiter must be found at every offset relative to the read chunks.
TEST(MultipartParser, NearMissDelimitersInLargeBuffers) {
  const std::string delim = "\r\n--" + kB;
  std::string data;
  std::mt19937 rng(99);
  for (int round = 0; round < 40; ++round) {
    for (size_t k = 1; k < delim.size(); ++k) {
      data += delim.substr(0, k);
      for (int j = 0; j < 50; ++j) data += static_cast<char>('a' + rng() % 26);
    }
    for (size_t k = 0; k < delim.size(); ++k) {
      std::string near = delim;
      near[k] = near[k] == 'x' ? 'y' : 'x';
      data += near;
      data += static_cast<char>(rng());
    }
  }
  std::string body = "--" + kB + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" +
                     data + delim + "--\r\n";
  const std::string expected = "B(file||-|)D[" + data + "]EDone";
  EXPECT_EQ(runWhole(body, kB), expected);
  for (size_t chunk : {4096u, 4099u, 8191u, 65536u, 65537u}) {
    EXPECT_EQ(run(body, kB, [chunk] { return chunk; }), expected) << "chunk " << chunk;
  }
}

TEST(MultipartBoundary, ParsesContentType) {
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipartBoundary("Multipart/Form-Data; BOUNDARY=\"a b:c\""), "a b:c");
  EXPECT_EQ(multipartBoundary("multipart/mixed;boundary=xyz;charset=utf-8"), "xyz");
  EXPECT_EQ(multipartBoundary("  multipart/form-data ;  boundary = tok  ; "), "tok");
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=" + std::string(70, 'b')),
            std::string(70, 'b'));
}

TEST(MultipartBoundary, Rejects) {
  EXPECT_EQ(multipartBoundary(""), std::nullopt);
  EXPECT_EQ(multipartBoundary("text/plain; boundary=abc"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/related; boundary=abc"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary="), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=\"\""), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=" + std::string(71, 'b')),
            std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=a; boundary=b"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=\"unterminated"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data/x; boundary=a"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=a b"), std::nullopt);
}

}  // namespace
}  // namespace plik
