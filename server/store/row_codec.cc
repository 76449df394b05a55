#include "server/store/row_codec.h"

#include "absl/strings/numbers.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/json.h"

namespace flowhost::store {

const char* const kExecutionSummaryColumns =
    "id, workflow, workflow_hash, status, created_at, started_at, finished_at, error_code, "
    "error_message, failed_node, prompt_tokens, completion_tokens, cost_usd, idempotency_key, "
    "owner, lease_expires_at, fencing_token, wake_at, cancel_requested, save_policy, "
    "restart_policy, stored_output_bytes, output_truncated, retry_of";
const char* const kExecutionColumns =
    "id, workflow, workflow_hash, status, created_at, started_at, finished_at, error_code, "
    "error_message, failed_node, prompt_tokens, completion_tokens, cost_usd, idempotency_key, "
    "owner, lease_expires_at, fencing_token, wake_at, cancel_requested, save_policy, "
    "restart_policy, stored_output_bytes, output_truncated, retry_of, input_json, output_json";
const char* const kNodeColumns =
    "name, type, state, attempts, started_at, finished_at, items_in, items_out, error_code, "
    "error_message, prompt_tokens, completion_tokens, cost_usd, output_json, output_truncated";

namespace {

absl::Status Corrupt(const std::string& id, std::string_view column, const std::string& what) {
  return absl::DataLossError(
      "execution store: execution " + id + ": column " + std::string(column) + " " + what +
      " (a corrupted row; restore it from a backup or delete the execution)");
}

std::optional<int64_t> OptionalInt(const RowReader& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return row.Int(column);
}

absl::Status ErrorFrom(int64_t code, std::string message) {
  if (code == 0) return absl::OkStatus();
  if (code < 0 || code > 16) code = static_cast<int64_t>(absl::StatusCode::kUnknown);
  return absl::Status(static_cast<absl::StatusCode>(code), sdk::AsAbsl(message));
}

}  // namespace

std::optional<int64_t> ToMicros(absl::Time time) {
  if (time == absl::InfinitePast()) return std::nullopt;
  if (time == absl::InfiniteFuture()) return INT64_MAX;
  return absl::ToUnixMicros(time);
}

absl::Time FromMicros(std::optional<int64_t> micros) {
  if (!micros.has_value()) return absl::InfinitePast();
  return absl::FromUnixMicros(*micros);
}

absl::StatusOr<ExecutionRow> DecodeExecution(const RowReader& row, bool with_texts) {
  ExecutionRow e;
  e.id = row.Text(0);
  e.workflow = row.Text(1);
  e.workflow_hash = row.Text(2);
  std::string status = row.Text(3);
  std::optional<ExecutionStatus> parsed = ParseExecutionStatus(status);
  if (!parsed) return Corrupt(e.id, "status", "holds an unknown status '" + status + "'");
  e.status = *parsed;
  e.created_at = FromMicros(OptionalInt(row, 4));
  e.started_at = FromMicros(OptionalInt(row, 5));
  e.finished_at = FromMicros(OptionalInt(row, 6));
  e.error = ErrorFrom(row.Int(7), row.Text(8));
  e.failed_node = row.Text(9);
  e.totals = {row.Int(10), row.Int(11), row.Double(12)};
  if (!row.IsNull(13)) e.idempotency_key = row.Text(13);
  e.owner = row.Text(14);
  e.lease_expires_at = FromMicros(OptionalInt(row, 15));
  e.fencing_token = row.Int(16);
  e.wake_at = FromMicros(OptionalInt(row, 17));
  e.cancel_requested = row.Int(18) != 0;
  std::string save = row.Text(19);
  std::optional<SavePolicy> save_policy = ParseSavePolicy(save);
  if (!save_policy) return Corrupt(e.id, "save_policy", "holds an unknown policy '" + save + "'");
  e.save_policy = *save_policy;
  std::string restart = row.Text(20);
  std::optional<RestartPolicy> restart_policy = ParseRestartPolicy(restart);
  if (!restart_policy) {
    return Corrupt(e.id, "restart_policy", "holds an unknown policy '" + restart + "'");
  }
  e.restart_policy = *restart_policy;
  e.stored_output_bytes = row.Int(21);
  e.output_truncated = row.Int(22) != 0;
  e.retry_of = row.Text(23);
  if (with_texts) {
    e.input_json = row.Text(24);
    if (!sdk::Json::accept(e.input_json)) return Corrupt(e.id, "input_json", "is not valid JSON");
    e.output_json = row.Text(25);
    if (!e.output_json.empty() && !sdk::Json::accept(e.output_json)) {
      return Corrupt(e.id, "output_json", "is not valid JSON");
    }
  }
  return e;
}

absl::StatusOr<NodeRow> DecodeNode(const RowReader& row, const std::string& execution_id,
                                   bool with_items) {
  NodeRow n;
  n.name = row.Text(0);
  n.type = row.Text(1);
  std::string state = row.Text(2);
  std::optional<NodeState> parsed = ParseNodeState(state);
  if (!parsed) {
    return Corrupt(execution_id, "execution_nodes.state",
                   "of node '" + n.name + "' holds an unknown state '" + state + "'");
  }
  n.state = *parsed;
  n.attempts = static_cast<int>(row.Int(3));
  n.started_at = FromMicros(OptionalInt(row, 4));
  n.finished_at = FromMicros(OptionalInt(row, 5));
  n.items_in = row.Int(6);
  n.items_out = row.Int(7);
  n.error = ErrorFrom(row.Int(8), row.Text(9));
  n.totals = {row.Int(10), row.Int(11), row.Double(12)};
  n.output_truncated = row.Int(14) != 0;
  if (with_items) {
    n.output_json = row.Text(13);
    if (!n.output_json.empty() && !sdk::Json::accept(n.output_json)) {
      return Corrupt(execution_id, "execution_nodes.output_json",
                     "of node '" + n.name + "' is not valid JSON");
    }
  }
  return n;
}

std::string EncodeOutputReference(const std::vector<std::pair<std::string, int>>& from) {
  sdk::Json refs = sdk::Json::array();
  for (const auto& [node, port] : from) refs.push_back(sdk::Json::array({node, port}));
  return sdk::Json{{"from", std::move(refs)}}.dump(-1, ' ', false,
                                                   sdk::Json::error_handler_t::replace);
}

bool IsOutputReference(std::string_view output_json) {
  return !output_json.empty() && output_json.front() == '{';
}

absl::Status ResolveOutputReference(ExecutionRow& execution, const std::vector<NodeRow>& nodes) {
  if (!IsOutputReference(execution.output_json)) return absl::OkStatus();
  sdk::Json reference = sdk::Json::parse(execution.output_json, nullptr, false);
  const sdk::Json* from =
      reference.is_object() && reference.contains("from") ? &reference["from"] : nullptr;
  if (from == nullptr || !from->is_array()) {
    return Corrupt(execution.id, "output_json", "holds an output reference without 'from'");
  }
  sdk::Json items = sdk::Json::array();
  for (const sdk::Json& ref : *from) {
    if (!ref.is_array() || ref.size() != 2 || !ref[0].is_string() || !ref[1].is_number_integer()) {
      return Corrupt(execution.id, "output_json", "holds a malformed output reference");
    }
    const std::string& name = ref[0].get_ref<const std::string&>();
    auto port = ref[1].get<int64_t>();
    for (const NodeRow& node : nodes) {
      if (node.name != name || node.output_json.empty()) continue;
      sdk::Json ports = sdk::Json::parse(node.output_json, nullptr, false);
      if (!ports.is_array()) {
        return Corrupt(execution.id, "execution_nodes.output_json",
                       "of node '" + name + "' is not an array of ports");
      }
      if (port >= 0 && port < static_cast<int64_t>(ports.size()) && ports[port].is_array()) {
        for (sdk::Json& item : ports[port]) items.push_back(std::move(item));
      }
      if (node.output_truncated) execution.output_truncated = true;
      break;
    }
  }
  execution.output_json = items.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
  return absl::OkStatus();
}

std::string EncodePageToken(absl::Time created_at, const std::string& id) {
  return std::to_string(absl::ToUnixMicros(created_at)) + "." + id;
}

absl::StatusOr<std::pair<int64_t, std::string>> DecodePageToken(std::string_view token) {
  size_t dot = token.find('.');
  int64_t micros = 0;
  if (dot == std::string_view::npos || dot + 1 == token.size() ||
      !absl::SimpleAtoi(sdk::AsAbsl(token.substr(0, dot)), &micros)) {
    return absl::InvalidArgumentError("ListExecutions: page_token '" + std::string(token) +
                                      "' is not one this server issued");
  }
  return std::make_pair(micros, std::string(token.substr(dot + 1)));
}

}  // namespace flowhost::store
