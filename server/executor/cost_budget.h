// The money one execution tree may spend: the workflow's `max_cost_usd` (docs/workflows.md). A
// top-level execution with `max_cost_usd` has one; its sub-workflows share it, and a sub-workflow
// with a `max_cost_usd` of its own gets a budget within its parent's, so a charge or reservation
// counts in both and succeeds only when both have room.
//
// Nodes spend through their NodeContext (ReserveCost before a paid call with its worst case,
// SettleCost after it with the actual cost); what an attempt reserved and did not settle is given
// back when the attempt ends. Actual costs are always charged, also past the ceiling (the money was
// spent); the ceiling refuses the next reservation.
//
// Ownership: shared by the executions of the tree and their node attempts; a child holds its
// parent. Thread-safety: every method may be called from any thread.
#ifndef FLOWHOST_SERVER_EXECUTOR_COST_BUDGET_H_
#define FLOWHOST_SERVER_EXECUTOR_COST_BUDGET_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/json.h"

namespace flowhost::executor {

class CostBudget {
 public:
  // `workflow` names the workflow whose `max_cost_usd` this is, for messages.
  CostBudget(double max_usd, std::string workflow, std::shared_ptr<CostBudget> parent = nullptr);
  CostBudget(const CostBudget&) = delete;
  CostBudget& operator=(const CostBudget&) = delete;

  // Reserves `usd` here and in the parent, or nothing: then RESOURCE_EXHAUSTED, class
  // "limit_exceeded", naming the budget that would be crossed and what is left of it.
  // INVALID_ARGUMENT for a negative or non-finite amount.
  absl::Status Reserve(double usd);

  // Gives back `reserved_usd` and charges `actual_usd`, here and in the parent. Negative or
  // non-finite amounts count as 0.
  void Settle(double reserved_usd, double actual_usd);

  double max_usd() const { return max_usd_; }
  double spent() const;
  // What a reservation could still get here and in the parent: never below zero.
  double remaining() const;

  // {"max_usd", "spent_usd", "remaining_usd"}: what `$budget` shows to expressions.
  sdk::Json ToJson() const;

 private:
  // Reserves here only; false (nothing reserved) when it does not fit.
  bool TryReserve(double usd);
  void SettleHere(double reserved_usd, double actual_usd);
  absl::Status Exceeded(double usd) const;

  const double max_usd_;
  const std::string workflow_;
  const std::shared_ptr<CostBudget> parent_;
  mutable absl::Mutex mu_;
  double spent_ ABSL_GUARDED_BY(mu_) = 0;
  double reserved_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_COST_BUDGET_H_
