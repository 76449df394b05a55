// sdk::Abbreviate: quoted text shortened for a message stays UTF-8.
#include "flowhost/sdk/abbreviate.h"

#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

TEST(Abbreviate, KeepsTextThatFitsAndCutsTheRestWithAnEllipsis) {
  EXPECT_EQ(Abbreviate("", 3), "");
  EXPECT_EQ(Abbreviate("abcdef", 6), "abcdef");
  EXPECT_EQ(Abbreviate("abcdefg", 6), "abc...");
  EXPECT_EQ(Abbreviate("abcdefg", 3), "...");
}

// The workflow loader's messages cut values at a byte count, inside a character; the fuzzer's UTF-8
// check found it (`not string "…{ﻻmodel ,{\xEF...`).
TEST(Abbreviate, NeverCutsInsideACharacter) {
  // "ab" then é (2 bytes), € (3 bytes), 😀 (4 bytes): a cut at 3, 4 or 5 bytes falls inside one.
  EXPECT_EQ(Abbreviate("ab\u00e9zzzz", 6), "ab...");        // cut at 3: inside é
  EXPECT_EQ(Abbreviate("abc\u20aczzzz", 8), "abc...");      // cut at 5: inside €
  EXPECT_EQ(Abbreviate("abc\U0001F600zzzz", 9), "abc...");  // cut at 6: inside 😀
  EXPECT_EQ(Abbreviate("abc\U0001F600zzzz", 10), "abc\U0001F600...");
  EXPECT_EQ(Abbreviate("\u20ac\u20ac", 4), "...");
}

}  // namespace
}  // namespace flowhost::sdk
