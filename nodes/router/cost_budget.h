// The router's cost ceiling (`max_cost_usd`) for one run of the node, shared by the items it
// processes concurrently. Before a chat route is called, its worst case (the prompt's estimated
// tokens at the model's prompt price, plus max_tokens, or the model's completion limit, at its
// completion price: openrouter::WorstCaseCost) is reserved; a route whose worst case does not fit
// in what is left is not called. After the call the reservation is replaced by what it actually
// cost. (The workflow's `max_cost_usd` is the host's, NodeContext::ReserveCost; both apply.)
//
// Thread-safety: safe from any thread.
#ifndef FLOWHOST_NODES_ROUTER_COST_BUDGET_H_
#define FLOWHOST_NODES_ROUTER_COST_BUDGET_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace flowhost::nodes::router {

class CostBudget {
 public:
  explicit CostBudget(double max_usd) : max_usd_(max_usd) {}

  double max_usd() const { return max_usd_; }

  // Reserves `worst_case_usd` when spent + reserved + worst_case_usd <= max. False otherwise.
  bool Reserve(double worst_case_usd);

  // Replaces a reservation made with Reserve by the actual cost.
  void Settle(double reserved_usd, double actual_usd);

  // Adds a cost that was not reserved (a node route's reported cost).
  void Spend(double actual_usd);

  double spent() const;
  // max - spent - reserved, never below zero.
  double remaining() const;

 private:
  const double max_usd_;
  mutable absl::Mutex mu_;
  double spent_ ABSL_GUARDED_BY(mu_) = 0;
  double reserved_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_COST_BUDGET_H_
