#include "server/plugins/plugin_node_type.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/plugin/convert.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/output_schema.h"
#include "server/common/contained_task.h"
#include "server/plugins/host_objects.h"
#include "server/plugins/plugin_exec.h"

namespace flowhost::plugins {
namespace {

using plugin::View;

constexpr size_t kVtableV1Size =
    offsetof(fh_node_type_vtable, destroy_type) + sizeof(fh_node_type_vtable::destroy_type);

class PluginNode : public sdk::Node {
 public:
  PluginNode(std::shared_ptr<const PluginNodeType> type, const fh_node_type_vtable* vtable,
             void* node)
      : type_(std::move(type)), vtable_(vtable), node_(node) {}
  ~PluginNode() override { vtable_->destroy_node(node_); }

  // Reads the node's own ports, if it has any; false (reported through `config`) when malformed.
  bool ReadPorts(sdk::NodeConfig& config) {
    if (vtable_->node_ports == nullptr) return true;
    std::string_view text = View(vtable_->node_ports(node_));
    if (text.empty()) return true;
    absl::StatusOr<sdk::Json> ports = plugin::ParseJson(text, "the node's ports");
    if (ports.ok() && !ports->is_object()) {
      ports = absl::InvalidArgumentError("the node's ports are not an object");
    }
    for (auto [key, out] : {std::pair{"inputs", &inputs_}, std::pair{"outputs", &outputs_}}) {
      if (!ports.ok() || !ports->contains(key)) continue;
      auto parsed = plugin::PortsFromJson((*ports)[key], absl::StrCat("the node's \"", key, "\""));
      if (parsed.ok()) *out = *std::move(parsed);
      else ports = parsed.status();
    }
    if (ports.ok() && ports->contains("output_schema")) {
      const sdk::Json& schema = (*ports)["output_schema"];
      if (absl::Status checked = sdk::CheckOutputSchema(schema); checked.ok()) {
        output_schema_ = schema;
      } else {
        ports = absl::InvalidArgumentError(
            absl::StrCat("its \"output_schema\": ", checked.message()));
      }
    }
    if (!ports.ok()) {
      config.Error("", absl::StrCat("plugin node type '", type_->info().type,
                                    "' returned malformed ports: ", ports.status().message()));
      return false;
    }
    return true;
  }

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    auto exec = std::make_shared<PluginExec>(context, std::move(done), type_->info().type);
    exec->inputs_json = plugin::DumpItemLists(context.inputs());
    PluginExecTable& table = PluginExecTable::Get();
    fh_exec token = table.Insert(exec);  // `exec` stays ours while `execute` runs
    try {
      InlineExecScope running(token, exec.get());
      vtable_->execute(node_, token);
    } catch (...) {
      // A C++ plugin that does not use the SDK's layer let an exception out of `execute`.
      if (std::shared_ptr<PluginExec> taken = table.Take(token)) {
        taken->done(absl::InternalError(absl::StrCat("node type '", type_->info().type,
                                                     "' threw ",
                                                     common::DescribeCurrentException())));
      }
    }
  }

  std::optional<std::vector<sdk::PortInfo>> inputs() const override { return inputs_; }
  std::optional<std::vector<sdk::PortInfo>> outputs() const override { return outputs_; }
  std::optional<sdk::Json> output_schema() const override { return output_schema_; }

 private:
  const std::shared_ptr<const PluginNodeType> type_;
  const fh_node_type_vtable* const vtable_;
  void* const node_;
  std::optional<std::vector<sdk::PortInfo>> inputs_;
  std::optional<std::vector<sdk::PortInfo>> outputs_;
  std::optional<sdk::Json> output_schema_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<PluginNodeType>> PluginNodeType::Create(
    const fh_node_type_def& def) {
  if (def.struct_size < offsetof(fh_node_type_def, type_data) + sizeof(def.type_data)) {
    return absl::InvalidArgumentError(
        absl::StrCat("its node type definition is too small (struct_size ", def.struct_size, ")"));
  }
  absl::StatusOr<sdk::NodeTypeInfo> info = plugin::NodeTypeInfoFromJson(View(def.info_json));
  if (!info.ok()) return info.status();
  const fh_node_type_vtable* vtable = def.vtable;
  if (vtable == nullptr || vtable->struct_size < kVtableV1Size) {
    return absl::InvalidArgumentError(absl::StrCat("node type '", info->type,
                                                   "' has no function table, or one too small"));
  }
  if (vtable->create == nullptr || vtable->execute == nullptr || vtable->destroy_node == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node type '", info->type, "' lacks one of create, execute and destroy_node"));
  }
  return std::shared_ptr<PluginNodeType>(
      new PluginNodeType(*std::move(info), vtable, def.type_data));
}

PluginNodeType::~PluginNodeType() {
  if (vtable_->destroy_type != nullptr) vtable_->destroy_type(type_data_);
}

std::unique_ptr<sdk::Node> PluginNodeType::Create(sdk::NodeConfig& config) const {
  fh_node_config handle{&config, plugin::DumpJson(config.params())};
  void* node = vtable_->create(type_data_, &handle);
  if (node == nullptr) {
    if (!handle.reported_error) {
      config.Error("", absl::StrCat("plugin node type '", info_.type,
                                    "' could not create the node and did not say why"));
    }
    return nullptr;
  }
  // The node keeps its type alive: the type's data may hold what the node uses.
  auto result = std::make_unique<PluginNode>(shared_from_this(), vtable_, node);
  if (!result->ReadPorts(config)) return nullptr;
  return result;
}

}  // namespace flowhost::plugins
