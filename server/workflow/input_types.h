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
// one.
std::optional<sdk::Json> ConformInput(const sdk::Json& value, InputSpec::Type type);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_INPUT_TYPES_H_
