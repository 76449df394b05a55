#include "server/executor/execution_record.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::executor {
namespace {

Json TimeJson(absl::Time time) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) return nullptr;
  return std::string(absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone()));
}

Json DurationMs(absl::Duration duration) {
  if (duration < absl::ZeroDuration() || duration == absl::InfiniteDuration()) return nullptr;
  return absl::ToDoubleMilliseconds(duration);
}

Json ErrorJson(const absl::Status& status) {
  if (status.ok()) return nullptr;
  Json error = {{"code", std::string(absl::StatusCodeToString(status.code()))},
                {"class", sdk::ErrorClassOf(status)},
                {"message", std::string(status.message())}};
  if (Json details = sdk::ErrorDetailsOf(status); !details.is_null()) error["details"] = details;
  return error;
}

Json CallJson(const sdk::AttemptRecord& call) {
  Json json = {{"outcome", call.outcome},
               {"prompt_tokens", call.prompt_tokens},
               {"completion_tokens", call.completion_tokens},
               {"cost_usd", call.cost_usd},
               {"latency_ms", DurationMs(call.latency)},
               {"item_index", call.item_index},
               {"attempt", call.attempt}};
  if (!call.route.empty()) json["route"] = call.route;
  if (!call.model.empty()) json["model"] = call.model;
  if (!call.provider.empty()) json["provider"] = call.provider;
  if (!call.error_class.empty()) json["error_class"] = call.error_class;
  if (!call.error_message.empty()) json["error_message"] = call.error_message;
  return json;
}

Json NodeJson(const NodeRecord& node) {
  Json json = {{"name", node.name},
               {"type", node.type},
               {"status", std::string(NodeStatusName(node.status))},
               {"attempts", node.attempts},
               {"started_at", TimeJson(node.started_at)},
               {"finished_at", TimeJson(node.finished_at)},
               {"duration_ms", DurationMs(node.duration())},
               {"items_in", node.items_in},
               {"items_out", node.items_out},
               {"prompt_tokens", node.prompt_tokens},
               {"completion_tokens", node.completion_tokens},
               {"cost_usd", node.cost_usd}};
  if (!node.model.empty()) json["model"] = node.model;
  if (node.reused) json["reused"] = true;
  if (!node.error.ok()) json["error"] = ErrorJson(node.error);
  if (!node.calls.empty()) {
    Json calls = Json::array();
    for (const sdk::AttemptRecord& call : node.calls) calls.push_back(CallJson(call));
    json["calls"] = std::move(calls);
  }
  return json;
}

}  // namespace

std::string_view NodeStatusName(NodeStatus status) {
  switch (status) {
    case NodeStatus::kNotRun:
      return "not_run";
    case NodeStatus::kRunning:
      return "running";
    case NodeStatus::kSucceeded:
      return "succeeded";
    case NodeStatus::kFailed:
      return "failed";
    case NodeStatus::kSkipped:
      return "skipped";
    case NodeStatus::kDisabled:
      return "disabled";
    case NodeStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

absl::Duration NodeRecord::duration() const {
  if (started_at == absl::InfinitePast() || finished_at == absl::InfinitePast()) {
    return absl::ZeroDuration();
  }
  return finished_at - started_at;
}

Json ExecutionRecord::ToJson() const {
  Json nodes_json = Json::array();
  for (const NodeRecord& node : nodes) nodes_json.push_back(NodeJson(node));
  Json json = {{"id", id},
               {"workflow", workflow},
               {"status", status.ok() ? "ok" : "failed"},
               {"started_at", TimeJson(started_at)},
               {"finished_at", TimeJson(finished_at)},
               {"duration_ms", DurationMs(duration())},
               {"output_items", output.size()},
               {"nodes", std::move(nodes_json)},
               {"prompt_tokens", prompt_tokens},
               {"completion_tokens", completion_tokens},
               {"cost_usd", cost_usd}};
  if (!status.ok()) json["error"] = ErrorJson(status);
  if (!failed_node.empty()) json["failed_node"] = failed_node;
  if (!failed_node_location.empty()) json["failed_node_location"] = failed_node_location;
  if (!trace_id.empty()) json["trace_id"] = trace_id;
  return json;
}

}  // namespace flowhost::executor
