// How `run` and `call` render an execution's progress: streamed text per item on labelled lines,
// however the items' deltas interleave.
#include "server/cli/progress_renderer.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowhost::cli {
namespace {

using ::testing::HasSubstr;

NodeOutcome Succeeded(const std::string& name, int items) {
  NodeOutcome outcome;
  outcome.name = name;
  outcome.status = "succeeded";
  outcome.items_out = items;
  outcome.duration = absl::Milliseconds(12);
  return outcome;
}

TEST(ProgressRendererTest, InterleavedItemsEachGetTheirOwnLabelledLine) {
  std::ostringstream err;
  {
    ProgressRenderer progress(err);
    progress.NodeStarted("answer", 1);
    // Five items' answers, in chunks, interleaved as concurrent requests deliver them.
    for (int chunk = 0; chunk < 3; ++chunk) {
      for (int item = 4; item >= 0; --item) {
        progress.TokenDelta("answer", item,
                            "i" + std::to_string(item) + "c" + std::to_string(chunk) + " ",
                            "content");
      }
    }
    progress.NodeEnded(Succeeded("answer", 5));
  }
  EXPECT_EQ(err.str(),
            "  answer: started\n"
            "  answer[4] > i4c0 i4c1 i4c2 \n"
            "  answer[0] > i0c0 i0c1 i0c2 \n"
            "  answer[1] > i1c0 i1c1 i1c2 \n"
            "  answer[2] > i2c0 i2c1 i2c2 \n"
            "  answer[3] > i3c0 i3c1 i3c2 \n"
            "  answer: succeeded, 5 item(s) in 12 ms\n");
}

TEST(ProgressRendererTest, EveryLineOfAMultiLineAnswerIsLabelled) {
  std::ostringstream err;
  ProgressRenderer progress(err);
  progress.TokenDelta("a", 0, "one\ntw", "content");
  progress.TokenDelta("a", 1, "x\ny", "content");
  progress.TokenDelta("a", 0, "o\n", "content");
  progress.NodeEnded(Succeeded("a", 2));
  EXPECT_EQ(err.str(),
            "  a[0] > one\n"
            "  a[0] > two\n"
            "  a[1] > x\n"
            "  a[1] > y\n"
            "  a: succeeded, 2 item(s) in 12 ms\n");
}

TEST(ProgressRendererTest, ANodeStartingMidAnswerDoesNotSplitTheLabelFromItsText) {
  std::ostringstream err;
  ProgressRenderer progress(err);
  progress.TokenDelta("a", 0, "hel", "content");
  progress.NodeStarted("b", 1);
  progress.TokenDelta("a", 0, "lo", "content");
  progress.TokenDelta("a", 0, "ignored", "reasoning");
  progress.FlushAll();
  EXPECT_EQ(err.str(),
            "  a[0] > hel\n"
            "  b: started\n"
            "  a[0] > lo\n");
}

TEST(ProgressRendererTest, AFailedNodeShowsItsClassMessageAndFileLine) {
  std::ostringstream err;
  ProgressRenderer progress(err);
  NodeOutcome failed;
  failed.name = "answer";
  failed.status = "failed";
  failed.attempts = 3;
  failed.error_class = "upstream";
  failed.error_message = "HTTP 502";
  failed.location = "ask.yaml:9";
  progress.NodeEnded(failed);
  EXPECT_EQ(err.str(),
            "  answer: failed, 0 item(s) in 0 ms, 3 attempts\n"
            "    ask.yaml:9: upstream: HTTP 502\n");
}

TEST(ProgressRendererTest, RunAndCallEndWithTheSameWords) {
  ExecutionTotals totals;
  totals.duration = absl::Milliseconds(7);
  totals.items = 2;
  totals.prompt_tokens = 3;
  totals.completion_tokens = 4;
  EXPECT_EQ(ProgressRenderer::SucceededLine("ask", totals),
            "flowhost: 'ask' succeeded: 7 ms, 2 item(s), 3+4 tokens, $0.000000");
  EXPECT_EQ(
      ProgressRenderer::FailedLine("ask", "failed", "answer", "ask.yaml:9", "upstream", "boom"),
      "flowhost: 'ask' failed at node 'answer' (ask.yaml:9) (upstream): boom");
  EXPECT_EQ(ExecutionStatusWord(absl::StatusCode::kCancelled), "cancelled");
  EXPECT_EQ(ExecutionStatusWord(absl::StatusCode::kDeadlineExceeded), "deadline_exceeded");
  EXPECT_EQ(ExecutionStatusWord(absl::StatusCode::kUnavailable), "failed");
}

TEST(ProgressRendererTest, AResetMarksTheLiveItemsDiscardedTextAndDropsAHeldItemsText) {
  std::ostringstream err;
  {
    ProgressRenderer progress(err);
    progress.NodeStarted("r", 1);
    progress.TokenDelta("r", 0, "Half an ans", "content");  // item 0 is live
    progress.TokenDelta("r", 1, "held, then void", "content");
    progress.TokensReset("r", 1, 1, "free");
    progress.TokensReset("r", 0, 1, "free");
    progress.TokenDelta("r", 0, "The answer.", "content");
    progress.TokenDelta("r", 1, "Other answer.", "content");
    progress.NodeEnded(Succeeded("r", 2));
  }
  EXPECT_EQ(err.str(),
            "  r: started\n"
            "  r[0] > Half an ans\n"
            "  r[0] x discarded: the text above, from route 'free' (attempt 1), which failed "
            "after it began\n"
            "  r[0] > The answer.\n"
            "  r[1] > Other answer.\n"
            "  r: succeeded, 2 item(s) in 12 ms\n");
}

}  // namespace
}  // namespace flowhost::cli
