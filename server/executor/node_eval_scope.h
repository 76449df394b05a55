// The EvalScope of one parameter evaluation for one node run: `$json` is item `index` of the node's
// input 0 (an empty object past its end, or the value a node binds for a deferred parameter), and
// the other names come from the execution (ExecutionView).
//
// Ownership: borrows the view and the items, which outlive the evaluation.
// Thread-safety: one evaluation at a time (it caches node outputs it has looked up).
#ifndef FLOWHOST_SERVER_EXECUTOR_NODE_EVAL_SCOPE_H_
#define FLOWHOST_SERVER_EXECUTOR_NODE_EVAL_SCOPE_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/executor/execution_view.h"
#include "server/expr/eval_scope.h"

namespace flowhost::executor {

class NodeEvalScope : public expr::EvalScope {
 public:
  // `json` overrides `$json` when not null.
  NodeEvalScope(const ExecutionView& view, const sdk::Items& input, size_t index,
                const sdk::Json* json = nullptr);

  const sdk::Json& json() const override { return *json_; }
  size_t item_index() const override { return index_; }
  const sdk::Json& inputs() const override { return view_.inputs(); }
  const sdk::Json& vars() const override { return view_.vars(); }
  const sdk::Json& execution() const override { return view_.execution_json(); }
  sdk::Json budget() const override { return view_.budget_json(); }
  const sdk::Json* env(std::string_view name) const override { return view_.env(name); }
  const sdk::Items* node_output(std::string_view name) const override;
  const sdk::Items& input_items() const override { return input_; }
  absl::Time now() const override { return view_.Now(); }

 private:
  const ExecutionView& view_;
  const sdk::Items& input_;
  const size_t index_;
  const sdk::Json* json_;
  // Outputs looked up so far, kept alive for the evaluation.
  mutable std::map<std::string, std::shared_ptr<const std::vector<sdk::Items>>, std::less<>>
      outputs_;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_NODE_EVAL_SCOPE_H_
