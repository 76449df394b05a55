// A node's parameters for one execution.
//
// In a workflow file parameters may hold `{{ expression }}` strings. The host parses them once when the
// workflow loads; at run time a node asks for its parameters evaluated against one input item. Static
// parameters (no expressions) are also given to NodeType::Create at load time, so a node can check and
// pre-compute them once.
//
// A parameter whose schema has `"x-deferred": true` is *not* evaluated by ForItem (it keeps its source
// text there); the node evaluates it later with EvaluateDeferred, binding `$json` to a value of its
// choice (the router's `accept` check binds the answer, for example).
//
// Thread-safety: const methods are safe from any thread.
#ifndef FLOWHOST_SDK_PARAMETERS_H_
#define FLOWHOST_SDK_PARAMETERS_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

class Parameters {
 public:
  virtual ~Parameters() = default;

  // All parameters, with expressions evaluated for item `item_index` of input 0 (`$json` is that item)
  // and schema defaults filled in. The result is checked against the parameter schema; an expression
  // error or a mistyped result is INVALID_ARGUMENT naming the parameter.
  virtual absl::StatusOr<Json> ForItem(size_t item_index) const = 0;

  // Evaluates the deferred parameter at JSON pointer `pointer` (e.g. "/accept", "/routes/1/accept")
  // for item `item_index`, with `$json` bound to `json`. NOT_FOUND if there is no such parameter.
  virtual absl::StatusOr<Json> EvaluateDeferred(std::string_view pointer, size_t item_index,
                                                const Json& json) const = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_PARAMETERS_H_
