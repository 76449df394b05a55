#include "server/workflow/node_config_adapter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/schema_annotations.h"

namespace flowhost::workflow {

NodeConfigAdapter::NodeConfigAdapter(const std::string& name, const sdk::Json& params,
                                     const expr::CompiledJson* compiled, std::string params_pointer,
                                     Reporter& reporter)
    : name_(name),
      params_(params),
      compiled_(compiled),
      params_pointer_(std::move(params_pointer)),
      reporter_(reporter) {}

bool NodeConfigAdapter::IsDynamic(std::string_view pointer) const {
  if (compiled_ != nullptr) return compiled_->IsDynamic(pointer);
  const sdk::Json* value = ResolvePointer(params_, pointer);
  return value != nullptr && ContainsTemplate(*value);
}

std::string NodeConfigAdapter::DocumentPointer(std::string_view pointer) const {
  // Be forgiving with node authors who write "model" for "/model".
  if (!pointer.empty() && pointer.front() != '/') {
    return absl::StrCat(params_pointer_, "/", sdk::AsAbsl(pointer));
  }
  return absl::StrCat(params_pointer_, sdk::AsAbsl(pointer));
}

void NodeConfigAdapter::Error(std::string_view pointer, std::string_view message) {
  ++errors_;
  reporter_.Error(DocumentPointer(pointer), std::string(message));
}

void NodeConfigAdapter::Warning(std::string_view pointer, std::string_view message) {
  reporter_.Warning(DocumentPointer(pointer), std::string(message));
}

}  // namespace flowhost::workflow
