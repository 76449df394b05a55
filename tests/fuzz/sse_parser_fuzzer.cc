// Fuzz target: the Server-Sent Events parser (flowhost/sdk/sse_parser.h), with arbitrary chunk
// splits. The first input byte says how many of the following bytes (1 to 8) give the chunk
// lengths, used in turn (0 feeds an empty chunk); the rest is the stream. The stream goes through
// three parsers: in one piece, in those chunks, and byte by byte. Lines are capped at 200 bytes so
// that the cap is within reach of small inputs.
//
// Invariants beyond "no crash, no leak, no undefined behaviour": however the stream is split, the
// parsers report the same events, the same comments and the same outcome (a line over the cap fails
// the stream, and every later Feed fails too).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/sse_parser.h"
#include "tests/fuzz/fuzz_check.h"

namespace flowhost::fuzz {
namespace {

constexpr size_t kMaxLineBytes = 200;

// Everything a parser reported, as one comparable text.
class Transcript {
 public:
  sdk::SseParser MakeParser() {
    return sdk::SseParser(
        [this](const sdk::SseEvent& event) {
          text_ += "event[" + event.event + "] id[" + event.id + "] data[" + event.data + "]\n";
        },
        [this](std::string_view comment) { text_ += "comment[" + std::string(comment) + "]\n"; },
        kMaxLineBytes);
  }
  void Note(std::string_view what) { text_ += what; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Feeds `chunks` in order, then finishes; stops at the first failed Feed (after checking that the
// next Feed fails as well) and notes the failure.
std::string Parse(const std::vector<std::string_view>& chunks) {
  Transcript transcript;
  sdk::SseParser parser = transcript.MakeParser();
  for (std::string_view chunk : chunks) {
    absl::Status status = parser.Feed(chunk);
    if (!status.ok()) {
      FUZZ_CHECK(status.code() == absl::StatusCode::kResourceExhausted, status);
      FUZZ_CHECK(!parser.Feed("data: more\n\n").ok(), "a failed parser accepted more input");
      parser.Finish();
      transcript.Note("failed: line over the cap\n");
      return transcript.text();
    }
  }
  parser.Finish();
  transcript.Note("finished\n");
  return transcript.text();
}

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using flowhost::fuzz::Parse;
  if (size == 0) return 0;
  const size_t length_count = std::min<size_t>(1 + data[0] % 8, size - 1);
  std::string_view lengths(reinterpret_cast<const char*>(data) + 1, length_count);
  std::string_view stream(reinterpret_cast<const char*>(data) + 1 + length_count,
                          size - 1 - length_count);

  std::vector<std::string_view> chunks;
  const bool all_empty = std::all_of(lengths.begin(), lengths.end(), [](char c) { return c == 0; });
  for (size_t pos = 0, turn = 0; pos < stream.size(); ++turn) {
    size_t length = lengths.empty() || all_empty
                        ? 1
                        : static_cast<unsigned char>(lengths[turn % lengths.size()]);
    chunks.push_back(stream.substr(pos, length));
    pos += std::min(length, stream.size() - pos);
  }
  std::vector<std::string_view> bytes;
  for (size_t pos = 0; pos < stream.size(); ++pos) bytes.push_back(stream.substr(pos, 1));

  const std::string whole = Parse({stream});
  const std::string chunked = Parse(chunks);
  const std::string byte_by_byte = Parse(bytes);
  FUZZ_CHECK(chunked == whole, "in one piece:\n" << whole << "in chunks:\n" << chunked);
  FUZZ_CHECK(byte_by_byte == whole, "in one piece:\n"
                                        << whole << "byte by byte:\n"
                                        << byte_by_byte);
  return 0;
}
