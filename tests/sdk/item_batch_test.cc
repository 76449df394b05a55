// ItemBatch: one task per item, at most `limit` at a time, outputs in input order, and the first
// failure (or the parent's cancellation) stops the batch once every started task has reported;
// RunForNode, a node's Execute as such a batch.
#include "flowhost/sdk/item_batch.h"

#include <optional>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "server/common/clocks.h"
#include "server/common/manual_scheduler.h"
#include "tests/nodes/testing/fake_node_context.h"

namespace flowhost::sdk {
namespace {

// Runs a batch whose tasks wait until the test completes them, on a manual scheduler.
class ItemBatchTest : public ::testing::Test {
 protected:
  void Run(size_t count, size_t limit, const CancellationToken& parent = CancellationToken()) {
    ItemBatch::Run(
        count, limit, scheduler_, parent,
        [this](size_t index, const CancellationToken& token, ItemBatch::ItemDone done) {
          started_.push_back(index);
          tokens_.push_back(token);
          pending_.emplace_back(index, std::move(done));
          max_in_flight_ = std::max(max_in_flight_, pending_.size());
        },
        [this](absl::StatusOr<Items> items) {
          ASSERT_FALSE(result_.has_value()) << "the batch completed twice";
          result_ = std::move(items);
        });
  }

  // Completes the pending task of item `index` with `item`, then lets the scheduler run.
  void Complete(size_t index, absl::StatusOr<Json> item) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->first != index) continue;
      ItemBatch::ItemDone done = std::move(it->second);
      pending_.erase(it);
      done(std::move(item));
      scheduler_.RunUntilIdle();
      return;
    }
    FAIL() << "item " << index << " is not in flight";
  }

  common::ManualClock clock_;
  common::ManualScheduler scheduler_{&clock_};
  std::vector<size_t> started_;
  std::vector<CancellationToken> tokens_;
  std::vector<std::pair<size_t, ItemBatch::ItemDone>> pending_;
  size_t max_in_flight_ = 0;
  std::optional<absl::StatusOr<Items>> result_;
};

TEST_F(ItemBatchTest, GathersOneOutputPerItemInInputOrderWhateverOrderTheyFinishIn) {
  Run(3, 3);
  Complete(2, Json{{"n", 2}});
  Complete(0, Json{{"n", 0}});
  ASSERT_FALSE(result_.has_value());
  Complete(1, Json{{"n", 1}});
  ASSERT_TRUE(result_.has_value());
  ASSERT_TRUE(result_->ok()) << result_->status();
  EXPECT_EQ(**result_, (Items{Json{{"n", 0}}, Json{{"n", 1}}, Json{{"n", 2}}}));
}

TEST_F(ItemBatchTest, RunsAtMostLimitTasksAtATime) {
  Run(5, 2);
  EXPECT_EQ(started_, (std::vector<size_t>{0, 1}));
  for (size_t index = 0; index < 5; ++index) Complete(index, Json(index));
  EXPECT_EQ(max_in_flight_, 2u);
  EXPECT_EQ(started_.size(), 5u);
  ASSERT_TRUE(result_.has_value() && result_->ok());
  EXPECT_EQ((*result_)->size(), 5u);
}

TEST_F(ItemBatchTest, CompletesAtOnceWithNoItems) {
  Run(0, 4);
  ASSERT_TRUE(result_.has_value());
  ASSERT_TRUE(result_->ok());
  EXPECT_TRUE((*result_)->empty());
}

TEST_F(ItemBatchTest, FirstFailureCancelsTheOthersAndFailsTheBatchOnceTheyReport) {
  Run(4, 2);
  Complete(1, absl::UnavailableError("upstream down"));
  EXPECT_TRUE(tokens_[0].cancelled());
  EXPECT_EQ(started_.size(), 2u);     // no new item starts after a failure
  ASSERT_FALSE(result_.has_value());  // item 0 is still in flight
  Complete(0, tokens_[0].reason());
  ASSERT_TRUE(result_.has_value());
  EXPECT_EQ(result_->status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(result_->status().message(), "upstream down");
}

TEST_F(ItemBatchTest, ParentCancellationFailsTheBatchWithTheParentsReason) {
  CancellationSource parent;
  Run(2, 2, parent.token());
  parent.Cancel(absl::DeadlineExceededError("execution deadline"));
  EXPECT_TRUE(tokens_[0].cancelled());
  Complete(0, tokens_[0].reason());
  Complete(1, tokens_[1].reason());
  ASSERT_TRUE(result_.has_value());
  EXPECT_EQ(result_->status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(result_->status().message(), "execution deadline");
}

// A node built on RunForNode: one task per item of its first input port, each answered with the
// item's "n" doubled, inline.
class DoublingNode : public Node {
 public:
  void Execute(NodeContext& context, NodeDone done) const override {
    ItemBatch::RunForNode(
        context, /*limit=*/2,
        [&context](size_t index, const CancellationToken&, ItemBatch::ItemDone item_done) {
          const Json& item = context.inputs()[0][index];
          if (!item.contains("n")) return item_done(absl::InvalidArgumentError("no n"));
          item_done(Json{{"n", item["n"].get<int>() * 2}});
        },
        std::move(done));
  }
};

TEST(ItemBatchForNode, TheTasksItemsInInputOrderAreTheNodesOneOutputPort) {
  node_testing::FakeNodeContext context;
  context.SetInput({Json{{"n", 1}}, Json{{"n", 2}}, Json{{"n", 3}}});
  absl::StatusOr<NodeResult> result = context.Run(DoublingNode());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->outputs.size(), 1u);
  EXPECT_EQ(result->outputs[0], (Items{Json{{"n", 2}}, Json{{"n", 4}}, Json{{"n", 6}}}));
  EXPECT_EQ(context.done_calls(), 1);
}

TEST(ItemBatchForNode, ANodeWithNoInputItemsHasOneEmptyOutputPort) {
  node_testing::FakeNodeContext context;
  context.SetInput({});
  absl::StatusOr<NodeResult> result = context.Run(DoublingNode());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->outputs.size(), 1u);
  EXPECT_TRUE(result->outputs[0].empty());
}

TEST(ItemBatchForNode, ATaskFailureIsTheNodesFailure) {
  node_testing::FakeNodeContext context;
  context.SetInput({Json{{"n", 1}}, Json{{"m", 2}}});
  absl::StatusOr<NodeResult> result = context.Run(DoublingNode());
  EXPECT_EQ(result.status(), absl::InvalidArgumentError("no n"));
}

}  // namespace
}  // namespace flowhost::sdk
