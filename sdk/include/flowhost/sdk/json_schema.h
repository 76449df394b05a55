// Checks a JSON value against the JSON-Schema subset node types use for their parameters (see node.h for
// the keywords). Used by the host to validate workflow parameters at load and evaluated parameters at
// run time, and by nodes that check values against a user-given schema (the router's `accept`).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SDK_JSON_SCHEMA_H_
#define FLOWHOST_SDK_JSON_SCHEMA_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

// One violation: where in the value (a JSON pointer, "" for the root) and what is wrong, in words a
// workflow author understands ("expected integer, got string \"ten\"", "unknown parameter 'modle'",
// "missing required parameter 'model'", "must be one of: stop, continue, error_output").
struct SchemaViolation {
  std::string pointer;
  std::string message;
};

// Appends every violation of `schema` by `value` to `out` (all of them, not just the first).
// `skip(pointer)` (optional) marks values to leave unchecked (expressions not yet evaluated).
void ValidateAgainstSchema(const Json& value, const Json& schema, std::vector<SchemaViolation>& out,
                           const std::function<bool(const std::string& pointer)>& skip = nullptr);

// Returns `value` with the schema's `default`s filled in for absent properties, recursively.
Json ApplySchemaDefaults(const Json& value, const Json& schema);

// Checks that `schema` itself uses only the supported subset, correctly. INVALID_ARGUMENT naming the
// offending keyword otherwise. Used when a node type registers and for schemas given in workflows.
absl::Status CheckSchema(const Json& schema);

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_JSON_SCHEMA_H_
