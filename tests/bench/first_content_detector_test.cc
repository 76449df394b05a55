#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "bench/loadgen/http_call_target.h"

namespace flowhost::bench {
namespace {

constexpr std::string_view kStream =
    ": OPENROUTER PROCESSING\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Fake \"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"answer\"}}]}\n\n"
    "data: [DONE]\n\n";

// The offset of the first byte after the first content event's line.
size_t FirstContentEnd() {
  size_t line = kStream.find("\"Fake \"");
  return kStream.find('\n', line) + 1;
}

TEST(FirstContentDetectorTest, TheRoleChunkWithEmptyContentDoesNotCount) {
  FirstContentDetector detector;
  size_t role_end = kStream.find("\"content\":\"\"}}]}\n") + 17;
  EXPECT_FALSE(detector.Feed(kStream.substr(0, role_end)));
}

TEST(FirstContentDetectorTest, FiresAtTheEndOfTheFirstContentLineWhateverTheSplit) {
  for (size_t piece = 1; piece <= kStream.size(); ++piece) {
    FirstContentDetector detector;
    size_t fired_at = std::string::npos;
    for (size_t offset = 0; offset < kStream.size(); offset += piece) {
      if (detector.Feed(kStream.substr(offset, piece)) && fired_at == std::string::npos) {
        fired_at = std::min(offset + piece, kStream.size());
      }
    }
    ASSERT_NE(fired_at, std::string::npos) << "piece " << piece;
    // It fired in the piece that completed the first content line.
    EXPECT_GE(fired_at, FirstContentEnd()) << "piece " << piece;
    EXPECT_LT(fired_at - piece, FirstContentEnd()) << "piece " << piece;
  }
}

TEST(FirstContentDetectorTest, CrLfLinesAreUnderstood) {
  FirstContentDetector detector;
  EXPECT_TRUE(detector.Feed("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\r\n\r\n"));
}

TEST(FirstContentDetectorTest, ANonStreamedAnswerNeverFires) {
  FirstContentDetector detector;
  EXPECT_FALSE(detector.Feed(
      "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Fake answer\"}}]}\n"));
}

}  // namespace
}  // namespace flowhost::bench
