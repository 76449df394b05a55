// Conversions between the C ABI's plain types (plugin_abi.h) and the C++ SDK's, shared by both
// sides of the boundary: the plugin's C++ layer (plugin.h) and the host's adapters (server/plugins/).
// Each side compiles its own copy, so nothing here crosses as C++.
//
// Thread-safety: pure functions and value types.
#ifndef FLOWHOST_PLUGIN_CONVERT_H_
#define FLOWHOST_PLUGIN_CONVERT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/plugin_abi.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/json_text.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/usage.h"

namespace flowhost::plugin {

inline fh_str Str(std::string_view text) { return fh_str{text.data(), text.size()}; }
inline std::string_view View(fh_str text) {
  return text.size == 0 ? std::string_view() : std::string_view(text.data, text.size);
}

// Times and durations as int64 ns, FH_TIME_INFINITE for none.
inline int64_t TimeToNs(absl::Time time) {
  return time == absl::InfiniteFuture() ? FH_TIME_INFINITE : absl::ToUnixNanos(time);
}
inline absl::Time TimeFromNs(int64_t ns) {
  return ns == FH_TIME_INFINITE ? absl::InfiniteFuture() : absl::FromUnixNanos(ns);
}
inline int64_t DurationToNs(absl::Duration duration) {
  return duration == absl::InfiniteDuration() ? FH_TIME_INFINITE
                                               : absl::ToInt64Nanoseconds(duration);
}
inline absl::Duration DurationFromNs(int64_t ns) {
  return ns == FH_TIME_INFINITE ? absl::InfiniteDuration() : absl::Nanoseconds(ns);
}

// A Status as an fh_error: holds the strings the fh_error points into. OK gives code 0.
class ErrorView {
 public:
  explicit ErrorView(const absl::Status& status)
      : class_(sdk::ErrorClassOf(status)), message_(status.message()) {
    sdk::Json details = sdk::ErrorDetailsOf(status);
    if (!details.is_null()) sdk::AppendJsonText(details, details_);
    auto retry_after = sdk::RetryAfterOf(status);
    error_ = fh_error{static_cast<int32_t>(status.code()), Str(class_), Str(message_),
                      Str(details_), retry_after ? DurationToNs(*retry_after) : -1};
  }
  ErrorView(const ErrorView&) = delete;
  ErrorView& operator=(const ErrorView&) = delete;
  const fh_error* get() const { return &error_; }

 private:
  std::string class_;
  std::string message_;
  std::string details_;
  fh_error error_;
};

// The Status an fh_error describes (OK for NULL or code 0), its class, details and Retry-After kept.
inline absl::Status StatusFromError(int32_t code, std::string_view error_class,
                                    std::string_view message, std::string_view details_json,
                                    int64_t retry_after_ns) {
  if (code == 0) return absl::OkStatus();
  auto status_code = static_cast<absl::StatusCode>(code);
  if (code < 0 || code > 16) status_code = absl::StatusCode::kUnknown;
  sdk::Json details;
  if (!details_json.empty()) {
    absl::StatusOr<sdk::Json> parsed = sdk::ParseJsonText(details_json);
    if (parsed.ok()) details = *std::move(parsed);
  }
  std::optional<absl::Duration> retry_after;
  if (retry_after_ns >= 0) retry_after = DurationFromNs(retry_after_ns);
  std::string klass(error_class.empty() ? sdk::ErrorClassOf(absl::Status(status_code, "x"))
                                        : std::string(error_class));
  return sdk::NodeError(status_code, klass, message, details, retry_after);
}
inline absl::Status StatusFromError(const fh_error* error) {
  if (error == nullptr) return absl::OkStatus();
  return StatusFromError(error->code, View(error->error_class), View(error->message),
                         View(error->details_json), error->retry_after_ns);
}

// JSON text that never throws: invalid UTF-8 is replaced.
inline std::string DumpJson(const sdk::Json& value) { return sdk::JsonText(value); }

// Parses JSON text; INVALID_ARGUMENT naming `what` (and the byte at fault) when it is not JSON.
inline absl::StatusOr<sdk::Json> ParseJson(std::string_view text, std::string_view what) {
  absl::StatusOr<sdk::Json> value = sdk::ParseJsonText(text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(std::string(what) + " is not valid JSON (" +
                                      std::string(value.status().message()) + ")");
  }
  return value;
}

// Lists of item lists (a node's inputs or outputs) as a JSON array of arrays, and back. Each item
// is written straight into the text, with no copy of the lists as one Json array first.
inline std::string DumpItemLists(const std::vector<sdk::Items>& lists) {
  std::string out;
  out.reserve(256);  // one allocation for the usual few small items
  out += '[';
  for (size_t i = 0; i < lists.size(); ++i) {
    if (i != 0) out += ',';
    out += '[';
    for (size_t j = 0; j < lists[i].size(); ++j) {
      if (j != 0) out += ',';
      sdk::AppendJsonText(lists[i][j], out);
    }
    out += ']';
  }
  out += ']';
  return out;
}
inline absl::StatusOr<std::vector<sdk::Items>> ParseItemLists(std::string_view text,
                                                              std::string_view what) {
  absl::StatusOr<std::vector<sdk::Items>> lists = sdk::ParseJsonTextLists(text);
  if (lists.ok()) return lists;
  // Not lists of items: say whether it is JSON at all (the rare path parses twice).
  absl::StatusOr<sdk::Json> json = ParseJson(text, what);
  if (!json.ok()) return json.status();
  return absl::InvalidArgumentError(std::string(what) + " is not an array of item arrays");
}

// A port list ([{"name":..,"description":..}]) and back.
inline sdk::Json PortsToJson(const std::vector<sdk::PortInfo>& ports) {
  sdk::Json out = sdk::Json::array();
  for (const auto& port : ports) out.push_back({{"name", port.name}, {"description", port.description}});
  return out;
}
inline absl::StatusOr<std::vector<sdk::PortInfo>> PortsFromJson(const sdk::Json& json,
                                                                std::string_view what) {
  if (!json.is_array()) return absl::InvalidArgumentError(std::string(what) + " is not an array");
  std::vector<sdk::PortInfo> ports;
  for (const sdk::Json& port : json) {
    if (!port.is_object() || !port.contains("name") || !port["name"].is_string()) {
      return absl::InvalidArgumentError(std::string(what) +
                                        " holds a port without a string \"name\"");
    }
    ports.push_back({port["name"].get<std::string>(), sdk::StringField(port, "description")});
  }
  return ports;
}

// A node type's description and back (fh_node_type_def::info_json).
inline sdk::Json NodeTypeInfoToJson(const sdk::NodeTypeInfo& info) {
  return {{"type", info.type},
          {"version", info.version},
          {"description", info.description},
          {"parameter_schema", info.parameter_schema},
          {"inputs", PortsToJson(info.inputs)},
          {"outputs", PortsToJson(info.outputs)},
          {"output_schema", info.output_schema}};
}
inline absl::StatusOr<sdk::NodeTypeInfo> NodeTypeInfoFromJson(std::string_view text) {
  absl::StatusOr<sdk::Json> json = ParseJson(text, "the node type's info");
  if (!json.ok()) return json.status();
  if (!json->is_object() || !json->contains("type") || !(*json)["type"].is_string()) {
    return absl::InvalidArgumentError("the node type's info has no string \"type\"");
  }
  sdk::NodeTypeInfo info;
  info.type = (*json)["type"].get<std::string>();
  const std::string prefix = "node type '" + info.type + "': ";
  if (json->contains("version")) {
    if (!(*json)["version"].is_number_integer()) {
      return absl::InvalidArgumentError(prefix + "\"version\" is not an integer");
    }
    info.version = static_cast<int>(sdk::IntField(*json, "version", 1));
  }
  info.description = sdk::StringField(*json, "description");
  if (json->contains("parameter_schema")) info.parameter_schema = (*json)["parameter_schema"];
  // Optional (added in ABI 1.x, append-only): a description without it leaves the items open.
  if (json->contains("output_schema")) info.output_schema = (*json)["output_schema"];
  for (auto [key, ports] : {std::pair{"inputs", &info.inputs}, std::pair{"outputs", &info.outputs}}) {
    if (!json->contains(key)) continue;
    auto parsed = PortsFromJson((*json)[key], prefix + "\"" + key + "\"");
    if (!parsed.ok()) return parsed.status();
    *ports = *std::move(parsed);
  }
  return info;
}

// An upstream call record and back (host->exec_record_attempt).
inline sdk::Json AttemptToJson(const sdk::AttemptRecord& a) {
  return {{"route", a.route},
          {"model", a.model},
          {"provider", a.provider},
          {"outcome", a.outcome},
          {"error_class", a.error_class},
          {"error_message", a.error_message},
          {"prompt_tokens", a.prompt_tokens},
          {"completion_tokens", a.completion_tokens},
          {"cost_usd", a.cost_usd},
          {"latency_ns", DurationToNs(a.latency)},
          {"item_index", a.item_index}};
}
inline sdk::AttemptRecord AttemptFromJson(const sdk::Json& json) {
  sdk::AttemptRecord a;
  a.route = sdk::StringField(json, "route");
  a.model = sdk::StringField(json, "model");
  a.provider = sdk::StringField(json, "provider");
  a.outcome = sdk::StringField(json, "outcome", sdk::outcome::kOk);
  a.error_class = sdk::StringField(json, "error_class");
  a.error_message = sdk::StringField(json, "error_message");
  a.prompt_tokens = sdk::IntField(json, "prompt_tokens");
  a.completion_tokens = sdk::IntField(json, "completion_tokens");
  if (json.is_object() && json.contains("cost_usd") && json["cost_usd"].is_number()) {
    a.cost_usd = json["cost_usd"].get<double>();
  }
  a.latency = DurationFromNs(sdk::IntField(json, "latency_ns"));
  a.item_index = static_cast<size_t>(std::max<int64_t>(0, sdk::IntField(json, "item_index")));
  return a;
}

}  // namespace flowhost::plugin

#endif  // FLOWHOST_PLUGIN_CONVERT_H_
