// Output schemas: the shape of the items a node emits, declared so that the loader can tell, before
// a workflow runs, that an expression reads a field no upstream node produces (`$json.text` after a
// node whose items hold `content`).
//
// An output schema is an object schema in the JSON-Schema subset of parameter schemas (node.h),
// read at its top level only:
//   * exact:        "additionalProperties": false; the items hold at most the listed `properties`;
//   * open:         no "additionalProperties": false; the items may hold any field (the default);
//   * pass-through: "x-passthrough": true; the items hold the fields of the node's input items (of
//                   every input port) plus the listed `properties` (`if`, `filter`, `merge`, `set`
//                   in merge mode).
// A type declares one in NodeTypeInfo::output_schema; a node whose fields follow from its
// parameters
// (`set`, `aggregate`) returns its own from Node::output_schema().
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SDK_OUTPUT_SCHEMA_H_
#define FLOWHOST_SDK_OUTPUT_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

// Items that may hold any field.
Json OpenOutputSchema();

// Items holding exactly `fields` (a field name, or the first segment of a dotted path, each).
Json ExactOutputSchema(const std::vector<std::string>& fields);

// The input items' fields plus `added`.
Json PassThroughOutputSchema(const std::vector<std::string>& added = {});

// Checks an output schema: an object schema in the supported subset whose `type`, when given, is
// "object". INVALID_ARGUMENT naming the problem otherwise.
absl::Status CheckOutputSchema(const Json& schema);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_OUTPUT_SCHEMA_H_
