#include "server/service/history_convert.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/service/json_proto.h"
#include "server/service/proto_convert.h"

namespace flowhost::service {
namespace {

v1::NodeStatus NodeStateToProto(store::NodeState state) {
  switch (state) {
    case store::NodeState::kNotRun:
      return v1::NODE_STATUS_NOT_RUN;
    case store::NodeState::kRunning:
      return v1::NODE_STATUS_RUNNING;
    case store::NodeState::kSucceeded:
      return v1::NODE_STATUS_SUCCEEDED;
    case store::NodeState::kFailed:
      return v1::NODE_STATUS_FAILED;
    case store::NodeState::kSkipped:
      return v1::NODE_STATUS_SKIPPED;
    case store::NodeState::kDisabled:
      return v1::NODE_STATUS_DISABLED;
    case store::NodeState::kCancelled:
      return v1::NODE_STATUS_CANCELLED;
  }
  return v1::NODE_STATUS_UNSPECIFIED;
}

std::optional<store::ExecutionStatus> ExecutionStateFromProto(v1::ExecutionState state) {
  switch (state) {
    case v1::EXECUTION_STATE_QUEUED:
      return store::ExecutionStatus::kQueued;
    case v1::EXECUTION_STATE_RUNNING:
      return store::ExecutionStatus::kRunning;
    case v1::EXECUTION_STATE_WAITING:
      return store::ExecutionStatus::kWaiting;
    case v1::EXECUTION_STATE_SUCCEEDED:
      return store::ExecutionStatus::kSucceeded;
    case v1::EXECUTION_STATE_FAILED:
      return store::ExecutionStatus::kFailed;
    case v1::EXECUTION_STATE_CANCELLED:
      return store::ExecutionStatus::kCancelled;
    default:
      return std::nullopt;
  }
}

// Stored JSON text, parsed; DATA_LOSS naming the execution and what it was.
absl::StatusOr<sdk::Json> ParseStored(const std::string& text, const std::string& id,
                                      std::string_view what) {
  sdk::Json json = sdk::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::DataLossError(absl::StrCat("execution ", id, ": the stored ",
                                            sdk::AsAbsl(what), " is not JSON"));
  }
  return json;
}

absl::Status ItemsToValues(const sdk::Json& items,
                           google::protobuf::RepeatedPtrField<google::protobuf::Value>& out) {
  if (!items.is_array()) return absl::DataLossError("stored items are not a JSON array");
  for (const sdk::Json& item : items) {
    if (absl::Status converted = JsonToValue(item, *out.Add()); !converted.ok()) return converted;
  }
  return absl::OkStatus();
}

absl::Status NodeToProto(const store::NodeRow& node, const std::string& id,
                         const common::SecretScrubber& scrubber, v1::ExecutionNode& out) {
  out.set_name(node.name);
  out.set_type(node.type);
  out.set_status(NodeStateToProto(node.state));
  out.set_attempts(node.attempts);
  ToTimestamp(node.started_at, *out.mutable_start_time());
  ToTimestamp(node.finished_at, *out.mutable_end_time());
  out.set_items_in(node.items_in);
  out.set_items_out(node.items_out);
  if (!node.error.ok()) ErrorToProto(node.error, scrubber, *out.mutable_error());
  out.set_prompt_tokens(node.totals.prompt_tokens);
  out.set_completion_tokens(node.totals.completion_tokens);
  out.set_cost_usd(node.totals.cost_usd);
  out.set_output_truncated(node.output_truncated);
  if (node.output_json.empty()) return absl::OkStatus();
  absl::StatusOr<sdk::Json> ports =
      ParseStored(node.output_json, id, absl::StrCat("output of node ", node.name));
  if (!ports.ok()) return ports.status();
  if (!ports->is_array()) {
    return absl::DataLossError(
        absl::StrCat("execution ", id, ": the stored output of node ", node.name,
                     " is not a list of ports"));
  }
  for (const sdk::Json& port : *ports) {
    google::protobuf::ListValue& list = *out.add_outputs();
    if (absl::Status converted = ItemsToValues(port, *list.mutable_values()); !converted.ok()) {
      return absl::DataLossError(absl::StrCat("execution ", id, ": node ", node.name, ": ",
                                              converted.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

v1::ExecutionState ExecutionStateToProto(store::ExecutionStatus status) {
  switch (status) {
    case store::ExecutionStatus::kQueued:
      return v1::EXECUTION_STATE_QUEUED;
    case store::ExecutionStatus::kRunning:
      return v1::EXECUTION_STATE_RUNNING;
    case store::ExecutionStatus::kWaiting:
      return v1::EXECUTION_STATE_WAITING;
    case store::ExecutionStatus::kSucceeded:
      return v1::EXECUTION_STATE_SUCCEEDED;
    case store::ExecutionStatus::kFailed:
      return v1::EXECUTION_STATE_FAILED;
    case store::ExecutionStatus::kCancelled:
      return v1::EXECUTION_STATE_CANCELLED;
  }
  return v1::EXECUTION_STATE_UNSPECIFIED;
}

void ExecutionRowToProto(const store::ExecutionRow& row, const common::SecretScrubber& scrubber,
                         v1::Execution& out) {
  out.set_id(row.id);
  out.set_workflow(row.workflow);
  out.set_workflow_hash(row.workflow_hash);
  out.set_state(ExecutionStateToProto(row.status));
  ToTimestamp(row.created_at, *out.mutable_create_time());
  ToTimestamp(row.started_at, *out.mutable_start_time());
  ToTimestamp(row.finished_at, *out.mutable_end_time());
  if (!row.error.ok()) {
    out.set_error_code(std::string(sdk::AsStd(absl::StatusCodeToString(row.error.code()))));
    ErrorToProto(row.error, scrubber, *out.mutable_error());
  }
  out.set_failed_node(row.failed_node);
  out.set_prompt_tokens(row.totals.prompt_tokens);
  out.set_completion_tokens(row.totals.completion_tokens);
  out.set_cost_usd(row.totals.cost_usd);
  out.set_output_truncated(row.output_truncated);
  out.set_idempotency_key(row.idempotency_key);
  out.set_cancel_requested(row.cancel_requested);
  out.set_save_policy(std::string(store::SavePolicyName(row.save_policy)));
  out.set_retry_of(row.retry_of);
}

absl::Status ExecutionToProto(const store::ExecutionDetail& detail,
                              const common::SecretScrubber& scrubber, v1::Execution& out) {
  const store::ExecutionRow& row = detail.execution;
  ExecutionRowToProto(row, scrubber, out);
  if (!row.input_json.empty()) {
    absl::StatusOr<sdk::Json> input = ParseStored(row.input_json, row.id, "input");
    if (!input.ok()) return input.status();
    if (input->is_object()) {
      if (absl::Status converted = JsonToStruct(*input, *out.mutable_input()); !converted.ok()) {
        return absl::DataLossError(absl::StrCat("execution ", row.id, ": the stored input: ",
                                                converted.message()));
      }
    }
  }
  if (!row.output_json.empty()) {
    absl::StatusOr<sdk::Json> output = ParseStored(row.output_json, row.id, "output");
    if (!output.ok()) return output.status();
    if (absl::Status converted = ItemsToValues(*output, *out.mutable_output_items());
        !converted.ok()) {
      return absl::DataLossError(absl::StrCat("execution ", row.id, ": the stored output: ",
                                              converted.message()));
    }
  }
  for (const store::NodeRow& node : detail.nodes) {
    if (absl::Status converted = NodeToProto(node, row.id, scrubber, *out.add_nodes());
        !converted.ok()) {
      return converted;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<store::ListQuery> ListQueryFromProto(const v1::ListExecutionsRequest& request) {
  store::ListQuery query;
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must not be negative, got ", request.page_size()));
  }
  query.page_size = request.page_size() == 0 ? 50 : std::min(request.page_size(), 1000);
  query.page_token = request.page_token();
  query.workflow = request.workflow();
  for (int i = 0; i < request.states_size(); ++i) {
    std::optional<store::ExecutionStatus> status =
        ExecutionStateFromProto(static_cast<v1::ExecutionState>(request.states(i)));
    if (!status.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "states[", i, "] is not an execution state (", request.states(i),
          "); use EXECUTION_STATE_QUEUED, RUNNING, WAITING, SUCCEEDED, FAILED or CANCELLED"));
    }
    query.statuses.push_back(*status);
  }
  auto time_of = [](const google::protobuf::Timestamp& t, std::string_view field,
                    absl::Time& out) -> absl::Status {
    // Timestamp's range: 0001-01-01 to 9999-12-31, nanos 0..999,999,999.
    if (t.seconds() < -62135596800 || t.seconds() > 253402300799 || t.nanos() < 0 ||
        t.nanos() > 999'999'999) {
      return absl::InvalidArgumentError(absl::StrCat(sdk::AsAbsl(field),
                                                     " is not a valid timestamp"));
    }
    out = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
    return absl::OkStatus();
  };
  if (request.has_create_time_after()) {
    if (absl::Status ok = time_of(request.create_time_after(), "create_time_after",
                                  query.created_after);
        !ok.ok()) {
      return ok;
    }
  }
  if (request.has_create_time_before()) {
    if (absl::Status ok = time_of(request.create_time_before(), "create_time_before",
                                  query.created_before);
        !ok.ok()) {
      return ok;
    }
  }
  return query;
}

}  // namespace flowhost::service
