// What an expression can see while it is evaluated: the names an n8n user already knows.
//
//   $json            the current item (input 0, item $itemIndex)
//   $itemIndex       that item's index
//   $inputs          the execution's inputs (an object)
//   $vars            the workflow's `vars`
//   $env.NAME        an environment variable, only when NAME is on the host's allowlist
//   $execution       {id, workflow, started_at}
//   $budget          {max_usd, spent_usd, remaining_usd} of the execution's max_cost_usd, or null
//   $("Node") / $node["Node"]   an upstream node's output (see expressions.md for the accessors)
//   $input           the current node's input items ($input.all(), $input.first(), $input.item)
//   now()            the scope's clock
//
// The executor implements this per node run; tests implement it with plain values.
// Thread-safety: an EvalScope is used by one evaluation at a time.
#ifndef FLOWHOST_SERVER_EXPR_EVAL_SCOPE_H_
#define FLOWHOST_SERVER_EXPR_EVAL_SCOPE_H_

#include <cstddef>
#include <string_view>

#include "absl/time/time.h"
#include "flowhost/sdk/json.h"

namespace flowhost::expr {

using sdk::Items;
using sdk::Json;

class EvalScope {
 public:
  virtual ~EvalScope() = default;

  virtual const Json& json() const = 0;
  virtual size_t item_index() const = 0;
  virtual const Json& inputs() const = 0;
  virtual const Json& vars() const = 0;
  virtual const Json& execution() const = 0;
  // The execution's cost budget as it is now ({max_usd, spent_usd, remaining_usd}), or null when
  // it has none (this default).
  virtual Json budget() const { return nullptr; }
  // The allowlisted environment variable `name`, or nullptr when unset or not allowed.
  virtual const Json* env(std::string_view name) const = 0;
  // The items on output 0 of node `name` in this execution, or nullptr if it has not produced any.
  virtual const Items* node_output(std::string_view name) const = 0;
  // The current node's input 0 items.
  virtual const Items& input_items() const = 0;
  virtual absl::Time now() const = 0;
};

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_EVAL_SCOPE_H_
