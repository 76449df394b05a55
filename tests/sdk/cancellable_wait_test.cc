// CancellableWait: the result or the cancellation, whichever comes first, completes the wait once.
#include "flowhost/sdk/cancellable_wait.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

TEST(CancellableWaitTest, DeliversTheResultWhenItComesFirst) {
  CancellationSource source;
  std::optional<absl::StatusOr<std::string>> got;
  auto wait = CancellableWait<std::string>::Start(
      source.token(), [&](absl::StatusOr<std::string> value) { got = std::move(value); });
  wait->Deliver(std::string("catalogue"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(**got, "catalogue");
  source.Cancel(absl::CancelledError("too late"));  // ignored: the wait is over
  EXPECT_EQ(**got, "catalogue");
}

TEST(CancellableWaitTest, CancellationFinishesTheWaitAndALateResultIsIgnored) {
  CancellationSource source;
  int calls = 0;
  absl::Status status;
  auto wait = CancellableWait<int>::Start(source.token(), [&](absl::StatusOr<int> value) {
    ++calls;
    status = value.status();
  });
  source.Cancel(absl::DeadlineExceededError("node timeout"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  wait->Deliver(7);
  EXPECT_EQ(calls, 1);
}

TEST(CancellableWaitTest, AnAlreadyCancelledTokenCompletesInsideStart) {
  CancellationSource source;
  source.Cancel(absl::CancelledError("caller went away"));
  int calls = 0;
  auto wait = CancellableWait<int>::Start(source.token(), [&](absl::StatusOr<int> value) {
    ++calls;
    EXPECT_EQ(value.status().code(), absl::StatusCode::kCancelled);
  });
  EXPECT_EQ(calls, 1);
  wait->Deliver(1);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace flowhost::sdk
