#include "server/remote/remote_node_type.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/json_text.h"
#include "server/common/trace_context.h"

namespace flowhost::remote {
namespace {

class RemoteNode : public sdk::Node {
 public:
  RemoteNode(const sdk::NodeTypeInfo& info, std::shared_ptr<WorkerHub> hub,
             std::vector<std::string> credentials)
      : info_(info), hub_(std::move(hub)), credentials_(std::move(credentials)) {}

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    RemoteWorkRequest request;
    request.node_type = info_.type;
    request.output_count = info_.outputs.size();
    plugin::v1::Assignment& assignment = request.assignment;
    const sdk::ExecutionInfo& execution = context.execution();
    assignment.set_execution_id(execution.id);
    assignment.set_workflow(execution.workflow);
    assignment.set_node_name(context.node_name());
    assignment.set_node_type(info_.type);
    assignment.set_attempt(context.attempt());
    for (const sdk::Items& port : context.inputs()) {
      plugin::v1::PortItems& items = *assignment.add_inputs();
      for (const sdk::Json& item : port) sdk::AppendJsonText(item, *items.add_items_json());
    }
    const size_t item_count = context.inputs().empty() ? 0 : context.inputs()[0].size();
    for (size_t i = 0; i < std::max<size_t>(item_count, 1); ++i) {
      absl::StatusOr<sdk::Json> params = context.params().ForItem(i);
      if (!params.ok()) {
        if (item_count == 0) break;  // no item to evaluate against: send none
        done(params.status());
        return;
      }
      sdk::AppendJsonText(*params, *assignment.add_parameters_json());
    }
    const absl::Time deadline = context.cancellation().deadline();
    if (deadline != absl::InfiniteFuture()) {
      assignment.set_deadline_unix_micros(absl::ToUnixMicros(deadline));
    }
    for (const std::string& name : credentials_) {
      absl::StatusOr<sdk::Credential> credential = context.credential(name);
      if (!credential.ok()) {
        done(credential.status());
        return;
      }
      plugin::v1::Credential& out = *assignment.add_credentials();
      out.set_name(credential->name);
      out.set_secret(credential->secret.reveal());
      for (const auto& [key, value] : credential->attributes.items()) {
        if (value.is_string()) (*out.mutable_attributes())[key] = value.get<std::string>();
      }
    }
    if (std::optional<common::TraceContext> trace =
            common::TraceContext::Parse(execution.traceparent)) {
      assignment.set_traceparent(trace->Child().ToHeader());
    }
    request.context = &context;
    request.done = std::move(done);
    hub_->Submit(std::move(request));
  }

 private:
  const sdk::NodeTypeInfo info_;
  const std::shared_ptr<WorkerHub> hub_;
  const std::vector<std::string> credentials_;
};

}  // namespace

std::unique_ptr<sdk::Node> RemoteNodeType::Create(sdk::NodeConfig& config) const {
  // The credentials the node may send its worker: the values of parameters marked x-credential
  // (written out, never computed; the loader checks that).
  std::vector<std::string> credentials;
  const sdk::Json& properties = info_.parameter_schema.value("properties", sdk::Json::object());
  for (const auto& [name, schema] : properties.items()) {
    if (!schema.is_object() || !schema.value("x-credential", false)) continue;
    const sdk::Json& params = config.params();
    if (params.contains(name) && params[name].is_string()) {
      credentials.push_back(params[name].get<std::string>());
    }
  }
  return std::make_unique<RemoteNode>(info_, hub_, std::move(credentials));
}

}  // namespace flowhost::remote
