#include "chunker.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace textkit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ChunkText, AShortTextIsOneChunk) {
  EXPECT_THAT(ChunkText("  Hello world.  ", {.size = 100, .overlap = 10}),
              ElementsAre("Hello world."));
}

TEST(ChunkText, EmptyOrBlankTextHasNoChunks) {
  EXPECT_THAT(ChunkText("", {.size = 10}), IsEmpty());
  EXPECT_THAT(ChunkText(" \n\t ", {.size = 10}), IsEmpty());
}

TEST(ChunkText, CutsAtAParagraphBreakBeforeASentenceEnd) {
  std::string text = "First paragraph here.\n\nSecond one. It goes on and on.";
  EXPECT_THAT(ChunkText(text, {.size = 40}),
              ElementsAre("First paragraph here.", "Second one. It goes on and on."));
}

TEST(ChunkText, CutsAtASentenceEndBeforeASpace) {
  EXPECT_THAT(ChunkText("One two three. Four five six seven.", {.size = 21}),
              ElementsAre("One two three.", "Four five six seven."));
}

TEST(ChunkText, CutsAtASpaceRatherThanInsideAWord) {
  EXPECT_THAT(ChunkText("alpha beta gamma delta", {.size = 12}),
              ElementsAre("alpha beta", "gamma delta"));
}

TEST(ChunkText, AWordLongerThanTheSizeIsCut) {
  EXPECT_THAT(ChunkText("abcdefghij", {.size = 4}), ElementsAre("abcd", "efgh", "ij"));
}

TEST(ChunkText, OverlapRepeatsTheEndOfThePreviousChunkFromAWordStart) {
  EXPECT_THAT(ChunkText("one two three four five six", {.size = 14, .overlap = 5}),
              ElementsAre("one two three", "three four", "four five six"));
}

TEST(ChunkText, EveryChunkHoldsTextThePreviousOneDidNot) {
  // With a large overlap, the second window would otherwise cut again at the paragraph break.
  std::string text =
      "First paragraph of the document, long enough to need a cut.\n\nSecond paragraph. It has "
      "two sentences.";
  auto chunks = ChunkText(text, {.size = 70, .overlap = 40});
  ASSERT_GE(chunks.size(), 2u);
  for (size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i - 1].find(chunks[i]), std::string::npos) << chunks[i];
  }
  EXPECT_EQ(chunks.front(), "First paragraph of the document, long enough to need a cut.");
  EXPECT_NE(chunks.back().find("two sentences."), std::string::npos);
}

TEST(ChunkText, SizesCountCharactersAndNeverSplitOne) {
  // Each "é" is two bytes; five characters per chunk.
  EXPECT_THAT(ChunkText("ééééééééé", {.size = 5}), ElementsAre("ééééé", "éééé"));
}

TEST(ChunkText, EveryCharacterIsInSomeChunkAndChunksRespectTheSize) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "word" + std::to_string(i) + (i % 17 == 0 ? ". " : " ");
  for (size_t size : {7u, 20u, 64u, 200u}) {
    for (size_t overlap : {size_t{0}, size / 3}) {
      auto chunks = ChunkText(text, {.size = size, .overlap = overlap});
      std::string joined;
      for (const auto& chunk : chunks) {
        EXPECT_LE(chunk.size(), size) << chunk;
        joined += chunk + " ";
      }
      // Without overlap, and with room for every word, the chunks hold every word whole.
      if (overlap == 0 && size >= 16) {
        for (int i = 0; i < 300; i += 37) {
          EXPECT_NE(joined.find("word" + std::to_string(i)), std::string::npos) << size;
        }
      }
    }
  }
}

}  // namespace
}  // namespace textkit
