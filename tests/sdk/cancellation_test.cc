#include "flowhost/sdk/cancellation.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

TEST(CancellationTest, DefaultTokenIsNeverCancelledAndHasNoDeadline) {
  CancellationToken token;
  EXPECT_FALSE(token.cancelled());
  EXPECT_TRUE(token.reason().ok());
  EXPECT_EQ(token.deadline(), absl::InfiniteFuture());
}

TEST(CancellationTest, CancelRunsCallbacksOnceWithTheFirstReason) {
  CancellationSource source;
  int calls = 0;
  source.token().OnCancel([&] { ++calls; });
  source.Cancel(absl::DeadlineExceededError("node timeout after 5s"));
  source.Cancel(absl::CancelledError("late"));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(source.token().cancelled());
  EXPECT_EQ(source.token().reason().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(source.token().reason().message(), "node timeout after 5s");
}

TEST(CancellationTest, CallbackRegisteredAfterCancelRunsInline) {
  CancellationSource source;
  source.Cancel(absl::CancelledError("gone"));
  bool ran = false;
  EXPECT_EQ(source.token().OnCancel([&] { ran = true; }), 0u);
  EXPECT_TRUE(ran);
}

TEST(CancellationTest, UnregisteredCallbackDoesNotRun) {
  CancellationSource source;
  bool ran = false;
  auto id = source.token().OnCancel([&] { ran = true; });
  EXPECT_TRUE(source.token().Unregister(id));
  source.Cancel(absl::CancelledError("x"));
  EXPECT_FALSE(ran);
}

TEST(CancellationTest, ChildIsCancelledWithItsParentsReasonAndTakesTheEarlierDeadline) {
  absl::Time now = absl::Now();
  CancellationSource parent(now + absl::Seconds(10));
  CancellationSource child(parent.token(), now + absl::Seconds(60));
  EXPECT_EQ(child.token().deadline(), now + absl::Seconds(10));
  bool child_saw = false;
  child.token().OnCancel([&] { child_saw = true; });
  parent.Cancel(absl::CancelledError("caller went away"));
  EXPECT_TRUE(child_saw);
  EXPECT_EQ(child.token().reason().message(), "caller went away");
}

TEST(CancellationTest, CancellingAChildLeavesTheParentRunning) {
  CancellationSource parent;
  CancellationSource child(parent.token(), absl::InfiniteFuture());
  child.Cancel(absl::DeadlineExceededError("attempt timed out"));
  EXPECT_TRUE(child.token().cancelled());
  EXPECT_FALSE(parent.token().cancelled());
}

TEST(CancellationTest, DestroyedChildIsDetachedFromItsParent) {
  CancellationSource parent;
  { CancellationSource child(parent.token(), absl::InfiniteFuture()); }
  parent.Cancel(absl::CancelledError("x"));  // must not touch the destroyed child
  SUCCEED();
}

TEST(CancellationTest, TokenOutlivingItsSourceStaysUsable) {
  CancellationToken token;
  {
    CancellationSource source;
    token = source.token();
    source.Cancel(absl::CancelledError("done"));
  }
  EXPECT_TRUE(token.cancelled());
}

TEST(CancellationTest, ConcurrentRegistrationAndCancelRunEveryCallbackExactlyOnce) {
  CancellationSource source;
  std::atomic<int> calls{0};
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) source.token().OnCancel([&] { ++calls; });
    });
  }
  source.Cancel(absl::CancelledError("race"));
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(calls.load(), kThreads * kPerThread);
}

}  // namespace
}  // namespace flowhost::sdk
