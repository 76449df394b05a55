// A bound on the bytes of items held at once (sdk::ItemBytes estimates them), shared by whoever
// holds them. The executor keeps one for all its executions (max_total_item_bytes) and one per
// execution tree, a top-level execution and its sub-workflows (max_execution_item_bytes), which
// reserves from the first: a reservation succeeds only when both have room, so one execution
// cannot take the server's memory and all of them together cannot either.
//
// Executions reserve what they keep (node outputs, the copies of them gathered as a node's inputs)
// and release it when they let go; a running node reserves the items it builds as it goes
// (NodeContext::ReserveItemBytes) until its attempt ends.
//
// Ownership: the parent must outlive the budget. Thread-safety: every method may be called from
// any thread; the counts are atomic, so two racing reservations near the limit may both be
// refused, never both granted past it.
#ifndef FLOWHOST_SERVER_EXECUTOR_ITEM_BUDGET_H_
#define FLOWHOST_SERVER_EXECUTOR_ITEM_BUDGET_H_

#include <atomic>
#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace flowhost::executor {

class ItemBudget {
 public:
  // `holder` says whose items these are in messages ("the execution"); `limit_name` names the
  // setting. Both must be string literals (they are kept as views).
  ItemBudget(size_t limit, std::string_view holder, std::string_view limit_name,
             ItemBudget* parent = nullptr);
  ItemBudget(const ItemBudget&) = delete;
  ItemBudget& operator=(const ItemBudget&) = delete;

  // Reserves `bytes` here and in the parent, or nothing at all: then RESOURCE_EXHAUSTED, class
  // "limit_exceeded", naming the limit that would be crossed.
  absl::Status Reserve(size_t bytes);

  // Gives back `bytes` reserved earlier, here and in the parent.
  void Release(size_t bytes);

  size_t limit() const { return limit_; }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  // What a reservation could still get here and in the parent.
  size_t available() const;
  // The error Reserve(bytes) would return now, without reserving; OK when it would succeed.
  absl::Status Refusal(size_t bytes) const;

 private:
  // Reserves here only; false (nothing reserved) past the limit.
  bool TryReserve(size_t bytes);
  absl::Status Exceeded() const;

  const size_t limit_;
  const std::string_view holder_;
  const std::string_view limit_name_;
  ItemBudget* const parent_;
  std::atomic<size_t> used_{0};
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_ITEM_BUDGET_H_
