#include "server/executor/node_parameters.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/json_schema.h"
#include "server/executor/node_eval_scope.h"

namespace flowhost::executor {
namespace {

const sdk::Items& NoItems() {
  static const sdk::Items* const kNone = new sdk::Items();
  return *kNone;
}

const sdk::Json& EmptyParams() {
  static const sdk::Json* const kEmpty = new sdk::Json(sdk::Json::object());
  return *kEmpty;
}

absl::Status InvalidParameters(std::string_view message) {
  return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kInvalidInput,
                        message);
}

}  // namespace

std::string ParameterName(std::string_view pointer) {
  std::string name;
  if (pointer.empty()) return name;
  for (absl::string_view token : absl::StrSplit(sdk::AsAbsl(pointer.substr(1)), '/')) {
    std::string key = absl::StrReplaceAll(token, {{"~1", "/"}, {"~0", "~"}});
    bool index =
        !name.empty() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
    absl::StrAppend(&name, index ? "[" : (name.empty() ? "" : "."), key, index ? "]" : "");
  }
  return name;
}

NodeParameters::NodeParameters(const ExecutionView& view, const workflow::CompiledNode& node,
                               const std::vector<sdk::Items>& inputs)
    : view_(view), node_(node), inputs_(inputs) {}

const sdk::Items& NodeParameters::input0() const {
  return inputs_.empty() ? NoItems() : inputs_.front();
}

absl::StatusOr<sdk::Json> NodeParameters::ForItem(size_t item_index) const {
  if (node_.params == nullptr) return EmptyParams();
  // Static parameters were checked against the schema, defaults applied, when the workflow loaded.
  if (node_.params->is_static()) return node_.params->raw();

  NodeEvalScope scope(view_, input0(), item_index);
  size_t available = view_.item_bytes_available();
  absl::StatusOr<sdk::Json> evaluated = node_.params->EvaluateWithin(scope, available);
  if (absl::IsResourceExhausted(evaluated.status())) {
    absl::Status refusal = view_.ItemBytesRefusal(available + 1);
    if (refusal.ok()) {  // the budget had room again a moment later: still, it had none
      refusal =
          sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kLimitExceeded,
                         "the execution's item budget had no room for the parameters");
    }
    return sdk::Annotate(refusal, sdk::AsStd(evaluated.status().message()));
  }
  if (!evaluated.ok()) {
    return InvalidParameters(sdk::AsStd(evaluated.status().message()));
  }
  const sdk::Json& schema = node_.type->info().parameter_schema;
  sdk::Json params = sdk::ApplySchemaDefaults(*evaluated, schema);
  std::vector<sdk::SchemaViolation> violations;
  const expr::CompiledJson& compiled = *node_.params;
  sdk::ValidateAgainstSchema(params, schema, violations, [&compiled](const std::string& pointer) {
    return compiled.FindDeferred(pointer) != nullptr;
  });
  if (!violations.empty()) {
    std::vector<std::string> messages;
    for (const sdk::SchemaViolation& violation : violations) {
      messages.push_back(violation.pointer.empty()
                             ? violation.message
                             : absl::StrCat("parameter '", ParameterName(violation.pointer),
                                            "': ", violation.message));
    }
    return InvalidParameters(absl::StrJoin(messages, "; "));
  }
  return params;
}

absl::StatusOr<sdk::Json> NodeParameters::EvaluateDeferred(std::string_view pointer,
                                                           size_t item_index,
                                                           const sdk::Json& json) const {
  const expr::Template* deferred =
      node_.params == nullptr ? nullptr : node_.params->FindDeferred(pointer);
  if (deferred == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no deferred parameter '", sdk::AsAbsl(ParameterName(pointer)), "'"));
  }
  NodeEvalScope scope(view_, input0(), item_index, &json);
  absl::StatusOr<sdk::Json> value = deferred->Evaluate(scope);
  if (!value.ok()) {
    return InvalidParameters(absl::StrCat("parameter '", sdk::AsAbsl(ParameterName(pointer)),
                                          "': ", value.status().message()));
  }
  return value;
}

}  // namespace flowhost::executor
