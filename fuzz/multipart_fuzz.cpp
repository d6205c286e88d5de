// libFuzzer target for MultipartParser: whole-buffer and random-chunk parses must agree, and
// the parser's contracts (bounded tail, spans inside the input, termination) must hold.
//
// Build and run (from the repository root):
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc \
//     fuzz/multipart_fuzz.cpp src/codec/multipart.cpp -o /tmp/multipart_fuzz
//   /tmp/multipart_fuzz -max_len=4096 -max_total_time=300 /tmp/multipart_corpus
// Input layout: byte 0 picks the boundary, byte 1 the header limit, bytes 2-3 seed the
// chunking; the rest is the body.
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "codec/multipart.hpp"

namespace {

constexpr std::string_view kBoundaries[] = {"b", "boundary",
                                            "----WebKitFormBoundary7MA4YWxkTrZu0gW"};

void check(bool ok) {
  if (!ok) std::abort();
}

// Returns the event log (adjacent Data merged) for one way of chunking the body.
std::string parse(std::string_view body, const std::string& boundary, size_t maxHeader,
                  uint32_t seed, bool whole) {
  plik::MultipartParser parser(boundary, maxHeader);
  std::mt19937 rng(seed);
  std::string buf, log, data;
  size_t pos = 0;
  bool eof = body.empty();
  auto flush = [&] {
    if (!data.empty()) log += "D" + std::to_string(data.size()) + ":" + data;
    data.clear();
  };
  for (size_t guard = 0;; ++guard) {
    check(guard < 4 * body.size() + 64);  // every step consumes or the input grows
    auto step = parser.next(std::span<const char>(buf.data(), buf.size()), eof);
    check(step.consumed <= buf.size());
    using Kind = plik::MultipartParser::Kind;
    switch (step.kind) {
      case Kind::NeedMore: {
        check(!eof);
        buf.erase(0, step.consumed);
        check(buf.size() <= boundary.size() + maxHeader + 4);
        size_t n = whole ? body.size() : 1 + rng() % 64;
        n = std::min(n, body.size() - pos);
        buf.append(body.substr(pos, n));
        pos += n;
        eof = pos == body.size();
        continue;
      }
      case Kind::Data:
        check(!step.data.empty());
        check(step.data.data() >= buf.data() &&
              step.data.data() + step.data.size() <= buf.data() + step.consumed);
        data.append(step.data.data(), step.data.size());
        break;
      case Kind::PartBegin: {
        check(step.consumed > 0);
        flush();
        const auto& p = parser.part();
        log += "B" + p.name + "|" + p.filename + "|" + (p.hasFilename ? "1" : "0") + "|" +
               p.contentType + "\n";
        break;
      }
      case Kind::PartEnd:
        check(step.consumed > 0);
        flush();
        log += "E\n";
        break;
      case Kind::Done:
        flush();
        return log + "Done";
      case Kind::Error:
        flush();
        check(!parser.errorMessage().empty());
        return log + "Err:" + parser.errorMessage();
    }
    buf.erase(0, step.consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  std::string boundary(kBoundaries[data[0] % 3]);
  size_t maxHeader = 16 + size_t{data[1]} * 8;
  uint32_t seed = data[2] | (uint32_t{data[3]} << 8);
  std::string_view body(reinterpret_cast<const char*>(data) + 4, size - 4);

  plik::multipartBoundary(body);  // the Content-Type parser must survive anything too

  std::string whole = parse(body, boundary, maxHeader, seed, true);
  std::string chunked = parse(body, boundary, maxHeader, seed, false);
  check(whole == chunked);
  return 0;
}
