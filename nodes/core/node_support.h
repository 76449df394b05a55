// Small helpers shared by the core nodes: per-item parameters with the item named in errors, the
// classified error for bad input, and input access that tolerates a node with no connected input.
//
// Thread-safety: pure functions over the context they are given.
#ifndef FLOWHOST_NODES_CORE_NODE_SUPPORT_H_
#define FLOWHOST_NODES_CORE_NODE_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/node_context.h"

namespace flowhost::nodes::core {

using sdk::BoolField;
using sdk::IntField;
using sdk::Items;
using sdk::Json;
using sdk::StringField;

// The node's parameters evaluated for item `index` of input 0. An error names the item ("item 3:
// ...") when the input holds more than one.
absl::StatusOr<Json> ParamsForItem(const sdk::NodeContext& context, size_t index);

// `status` with "item INDEX: " in front when the input holds more than one item (`items`), so that
// a failure names the item it came from; `status` as it is otherwise.
absl::Status ItemError(const absl::Status& status, size_t index, size_t items);

// Counts `item`, which the node has just built, against the execution's item budget
// (NodeContext::ReserveItemBytes); a node that builds items stops at the first refusal and returns
// it, so that an output too large for the budget fails while it is being made.
absl::Status ReserveItem(sdk::NodeContext& context, const Json& item);

// INVALID_ARGUMENT with error class "invalid_input": the items or parameters are unusable as given.
absl::Status InvalidInput(std::string_view message);
// The same, keeping the message of `status` (a failed path or duration check).
absl::Status AsInvalidInput(const absl::Status& status);

// The items on input `port`, or an empty list when the node has no such input.
const Items& InputItems(const sdk::NodeContext& context, size_t port = 0);

// Parses a parameter schema written as JSON text in a node's source. A malformed text yields a
// value that the registry's schema check rejects, so the mistake shows at start-up, never as an
// exception.
Json SchemaFromText(std::string_view text);

// A NodeResult with `items` on output 0.
sdk::NodeResult SingleOutput(Items items);

}  // namespace flowhost::nodes::core

#endif  // FLOWHOST_NODES_CORE_NODE_SUPPORT_H_
