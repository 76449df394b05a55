// The types a workflow input can be declared with, shared by the loader (checking declarations and
// defaults) and BindInputs (checking an execution's inputs).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_WORKFLOW_INPUT_TYPES_H_
#define FLOWHOST_SERVER_WORKFLOW_INPUT_TYPES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/json.h"
#include "server/workflow/workflow.h"

namespace flowhost::workflow {

std::string_view InputTypeName(InputSpec::Type type);
std::optional<InputSpec::Type> ParseInputType(std::string_view name);
const std::vector<std::string>& InputTypeNames();

// `value` as an input of `type` (an integer written as 3.0 becomes 3), or nullopt when it is not
// one. NaN and ±Infinity are not numbers here.
std::optional<sdk::Json> ConformInput(const sdk::Json& value, InputSpec::Type type);

// A number that JSON cannot carry (NaN, Infinity or -Infinity) found in a value from outside: a
// caller's protobuf Struct (RunWorkflow, StreamWorkflow) can hold one. Expressions and outputs
// would see it as null, so inputs refuse it.
struct NonFiniteNumber {
  std::string pointer;  // where, as a JSON pointer; empty for the value itself
  std::string text;     // "NaN", "Infinity" or "-Infinity"
};

// The first non-finite number in `value` (depth first, in document order), if any. Walks without
// recursion, so any nesting is safe.
std::optional<NonFiniteNumber> FindNonFiniteNumber(const sdk::Json& value);

// "NaN at /a/0 is not a finite number (JSON has no NaN or Infinity)"; without " at ..." for the
// value itself.
std::string DescribeNonFinite(const NonFiniteNumber& found);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_INPUT_TYPES_H_
