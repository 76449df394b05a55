// W3C traceparent parsing, generation and propagation (server/common/trace_context.h).
#include "server/common/trace_context.h"

#include <set>

#include "gtest/gtest.h"

namespace flowhost::common {
namespace {

constexpr char kSpecExample[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, ParsesTheSpecsExampleAndWritesItBackUnchanged) {
  std::optional<TraceContext> context = TraceContext::Parse(kSpecExample);
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(context->span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(context->sampled);
  EXPECT_EQ(context->ToHeader(), kSpecExample);
}

TEST(TraceContextTest, RefusesWhatTheSpecSaysToIgnore) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // version 00 plus more
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // all-zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // all-zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // separators
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
       }) {
    EXPECT_FALSE(TraceContext::Parse(bad).has_value()) << bad;
  }
}

TEST(TraceContextTest, AFutureVersionIsReadByItsFirstFourFields) {
  std::optional<TraceContext> context =
      TraceContext::Parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future");
  ASSERT_TRUE(context.has_value());
  EXPECT_FALSE(context->sampled);
  EXPECT_EQ(context->ToHeader(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(TraceContextTest, AChildKeepsTheTraceAndFlagsWithANewSpan) {
  TraceContext parent = *TraceContext::Parse(kSpecExample);
  std::set<std::string> spans = {parent.span_id};
  for (int i = 0; i < 100; ++i) {
    TraceContext child = parent.Child();
    EXPECT_EQ(child.trace_id, parent.trace_id);
    EXPECT_TRUE(child.sampled);
    EXPECT_TRUE(TraceContext::Parse(child.ToHeader()).has_value()) << child.ToHeader();
    spans.insert(child.span_id);
  }
  EXPECT_EQ(spans.size(), 101u);
}

TEST(TraceContextTest, ABrokenOrMissingHeaderBeginsANewValidTrace) {
  TraceContext begun = TraceContext::FromHeader("not a traceparent");
  EXPECT_TRUE(TraceContext::Parse(begun.ToHeader()).has_value()) << begun.ToHeader();
  EXPECT_FALSE(begun.sampled);
  EXPECT_NE(TraceContext::FromHeader("").trace_id, begun.trace_id);
  EXPECT_EQ(TraceContext::FromHeader(kSpecExample).trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

}  // namespace
}  // namespace flowhost::common
