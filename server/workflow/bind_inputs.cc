// BindInputs: an execution's inputs checked against the workflow's declarations, defaults applied.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/workflow/describe.h"
#include "server/workflow/input_types.h"
#include "server/workflow/suggest.h"
#include "server/workflow/workflow.h"

namespace flowhost::workflow {

absl::StatusOr<Json> BindInputs(const CompiledWorkflow& workflow, const Json& inputs) {
  if (!inputs.is_null() && !inputs.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("workflow '", workflow.name,
                                                   "': inputs must be a JSON object, got ",
                                                   DescribeValue(inputs)));
  }
  std::vector<std::string> problems;
  std::vector<std::string> declared;
  for (const InputSpec& spec : workflow.inputs) declared.push_back(spec.name);

  Json bound = Json::object();
  for (const InputSpec& spec : workflow.inputs) {
    const Json* given = nullptr;
    if (inputs.is_object()) {
      auto it = inputs.find(spec.name);
      // An explicit null counts as not given: JSON APIs often send null for "unset".
      if (it != inputs.end() && !it->is_null()) given = &*it;
    }
    if (given == nullptr) {
      if (spec.default_value.has_value()) {
        bound[spec.name] = *spec.default_value;
      } else if (spec.required) {
        problems.push_back(absl::StrCat("missing required input '", spec.name, "'"));
      }
      continue;
    }
    if (std::optional<NonFiniteNumber> bad = FindNonFiniteNumber(*given)) {
      problems.push_back(absl::StrCat("input '", spec.name, "': ", DescribeNonFinite(*bad)));
    } else if (std::optional<Json> conformed = ConformInput(*given, spec.type)) {
      bound[spec.name] = std::move(*conformed);
    } else {
      problems.push_back(absl::StrCat("input '", spec.name, "': expected ",
                                      sdk::AsAbsl(InputTypeName(spec.type)), ", got ",
                                      DescribeValue(*given)));
    }
  }
  if (inputs.is_object()) {
    for (const auto& [name, unused] : inputs.items()) {
      if (std::find(declared.begin(), declared.end(), name) != declared.end()) continue;
      problems.push_back(absl::StrCat(
          "undeclared input '", name, "'",
          declared.empty() ? " (the workflow declares no inputs)" : DidYouMean(name, declared)));
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("workflow '", workflow.name, "': ", absl::StrJoin(problems, "; ")));
  }
  return bound;
}

}  // namespace flowhost::workflow
