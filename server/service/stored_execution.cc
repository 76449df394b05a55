#include "server/service/stored_execution.h"

#include <utility>

namespace flowhost::service {

absl::StatusOr<sdk::Json> StoredInput(const store::ExecutionRow& execution) {
  sdk::Json input = sdk::Json::parse(execution.input_json, nullptr, /*allow_exceptions=*/false);
  if (!input.is_object()) {
    return absl::DataLossError("execution " + execution.id +
                               ": its stored input is not a JSON object");
  }
  return input;
}

ReusedOutputs ReusableOutputs(const store::ExecutionDetail& detail) {
  ReusedOutputs reused;
  for (const store::NodeRow& node : detail.nodes) {
    if (node.state != store::NodeState::kSucceeded && node.state != store::NodeState::kDisabled) {
      continue;
    }
    if (node.output_truncated || node.output_json.empty()) continue;
    sdk::Json ports = sdk::Json::parse(node.output_json, nullptr, /*allow_exceptions=*/false);
    if (!ports.is_array()) continue;
    std::vector<sdk::Items> outputs;
    bool whole = true;
    for (sdk::Json& port : ports) {
      if (!port.is_array()) {
        whole = false;
        break;
      }
      sdk::Items items;
      items.reserve(port.size());
      for (sdk::Json& item : port) items.push_back(std::move(item));
      outputs.push_back(std::move(items));
    }
    if (whole) reused.emplace(node.name, std::move(outputs));
  }
  return reused;
}

}  // namespace flowhost::service
