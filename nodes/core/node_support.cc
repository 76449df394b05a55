#include "nodes/core/node_support.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_bytes.h"

namespace flowhost::nodes::core {

absl::StatusOr<Json> ParamsForItem(const sdk::NodeContext& context, size_t index) {
  absl::StatusOr<Json> params = context.params().ForItem(index);
  if (!params.ok()) return ItemError(params.status(), index, InputItems(context).size());
  return params;
}

absl::Status ItemError(const absl::Status& status, size_t index, size_t items) {
  return items > 1 ? sdk::Annotate(status, absl::StrCat("item ", index)) : status;
}

absl::Status ReserveItem(sdk::NodeContext& context, const Json& item) {
  return context.ReserveItemBytes(sdk::ItemBytes(item));
}

absl::Status InvalidInput(std::string_view message) {
  return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kInvalidInput,
                        message);
}

absl::Status AsInvalidInput(const absl::Status& status) {
  return InvalidInput(sdk::AsStd(status.message()));
}

const Items& InputItems(const sdk::NodeContext& context, size_t port) {
  static const Items* const kEmpty = new Items();
  const std::vector<Items>& inputs = context.inputs();
  return port < inputs.size() ? inputs[port] : *kEmpty;
}

Json SchemaFromText(std::string_view text) {
  Json schema = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return schema.is_discarded() ? Json("malformed schema text") : schema;
}

sdk::NodeResult SingleOutput(Items items) {
  sdk::NodeResult result;
  result.outputs.push_back(std::move(items));
  return result;
}

}  // namespace flowhost::nodes::core
