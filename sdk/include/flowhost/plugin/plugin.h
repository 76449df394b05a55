// Makes a node family written against the C++ SDK a plugin library. The family's sources stay as they
// are; one more source file defines the library's entry point:
//
//   #include "flowhost/plugin/plugin.h"
//   FLOWHOST_PLUGIN("textkit", "1.2.0", registry) { return textkit::RegisterNodes(registry); }
//
// and the family is linked into a shared library (CMake: add_library(NAME MODULE ...) linked with
// flowhost::plugin_sdk). The macro exports the one symbol the host looks for
// (flowhost_plugin_handshake); everything else below is this header-only layer: each registered
// sdk::NodeType becomes an fh_node_type_def whose functions run the type's Create and its nodes'
// Execute with C++ SDK objects built over the host's function table (node_context.h). No C++ object
// crosses to the host, and no exception either: one thrown by Create becomes an error of the node's
// configuration, one thrown by Execute (or by a callback on a host thread) an INTERNAL error of that
// node, naming its type and the exception.
#ifndef FLOWHOST_PLUGIN_PLUGIN_H_
#define FLOWHOST_PLUGIN_PLUGIN_H_

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "flowhost/plugin/convert.h"
#include "flowhost/plugin/host_services.h"
#include "flowhost/plugin/node_context.h"
#include "flowhost/plugin_abi.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/registry.h"

namespace flowhost::plugin {

// A node's configuration (fh_node_config) as an sdk::NodeConfig. Lives for one create call.
class PluginNodeConfig final : public sdk::NodeConfig {
 public:
  explicit PluginNodeConfig(fh_node_config* config)
      : config_(config),
        name_(View(Host().config_name(config))),
        params_(sdk::ParseJsonText(View(Host().config_params(config))).value_or(sdk::Json())) {}

  const std::string& name() const override { return name_; }
  const sdk::Json& params() const override { return params_; }
  bool IsDynamic(std::string_view pointer) const override {
    return Host().config_is_dynamic(config_, Str(pointer)) != 0;
  }
  bool ParamsAreFixed() const override {
    return FH_HAS_FIELD(&Host(), fh_host_api, config_params_fixed) &&
           Host().config_params_fixed(config_) != 0;
  }
  void Error(std::string_view pointer, std::string_view message) override {
    Host().config_error(config_, Str(pointer), Str(message));
  }
  void Warning(std::string_view pointer, std::string_view message) override {
    Host().config_warning(config_, Str(pointer), Str(message));
  }

 private:
  fh_node_config* const config_;
  const std::string name_;
  const sdk::Json params_;
};

// What the plugin hands the host for a type and for a node.
struct TypeHolder {
  std::shared_ptr<const sdk::NodeType> type;
  std::string name;
};
struct NodeHolder {
  std::unique_ptr<sdk::Node> node;
  const std::string* type_name;  // the TypeHolder's, which outlives its nodes
  std::string ports_json;        // the node's own ports, or empty
  // The parameters every execution gets, when the host says they are fixed (ABI 1.1): the
  // executions read them here instead of asking the host for each item.
  std::optional<sdk::Json> fixed_params;
};

// The node's `done` as given to Execute: completes the execution, or, if destroyed uncalled (a node
// that dropped it, or a task of the node that threw), completes it with INTERNAL saying so.
class Completion {
 public:
  explicit Completion(std::shared_ptr<PluginNodeContext> context) : context_(std::move(context)) {}
  // Movable, so that `done` holds it inline: the moved-from one is empty and completes nothing.
  Completion(Completion&& other) noexcept = default;
  Completion& operator=(Completion&&) = delete;
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;
  ~Completion() {
    if (context_ == nullptr) return;
    if (std::uncaught_exceptions() > 0) {
      // Destroyed while an exception unwinds Execute: the execute trampoline reports it.
      return;
    }
    const std::string* fault = CurrentFault();
    context_->Finish(absl::InternalError(
        fault != nullptr
            ? "node type '" + context_->node_type() + "' threw " + *fault
            : "node type '" + context_->node_type() + "' dropped its completion without calling it"));
  }
  void Call(absl::StatusOr<sdk::NodeResult> result) {
    std::shared_ptr<PluginNodeContext> context = std::move(context_);
    if (context != nullptr) context->Finish(std::move(result));
  }

 private:
  std::shared_ptr<PluginNodeContext> context_;
};

// ---- The node type's function table ----

inline void* CreateNode(void* type_data, fh_node_config* config) {
  auto* type = static_cast<TypeHolder*>(type_data);
  PluginNodeConfig node_config(config);
  try {
    std::unique_ptr<sdk::Node> node = type->type->Create(node_config);
    if (node == nullptr) return nullptr;
    auto holder = std::make_unique<NodeHolder>();
    std::optional<std::vector<sdk::PortInfo>> inputs = node->inputs();
    std::optional<std::vector<sdk::PortInfo>> outputs = node->outputs();
    std::optional<sdk::Json> output_schema = node->output_schema();
    if (inputs.has_value() || outputs.has_value() || output_schema.has_value()) {
      sdk::Json ports = sdk::Json::object();
      if (inputs.has_value()) ports["inputs"] = PortsToJson(*inputs);
      if (outputs.has_value()) ports["outputs"] = PortsToJson(*outputs);
      if (output_schema.has_value()) ports["output_schema"] = *std::move(output_schema);
      holder->ports_json = DumpJson(ports);
    }
    holder->node = std::move(node);
    holder->type_name = &type->name;
    if (node_config.ParamsAreFixed()) holder->fixed_params = node_config.params();
    return holder.release();
  } catch (...) {
    std::string message =
        "node type '" + type->name + "' threw " + DescribeCurrentException() + " in Create";
    Host().config_error(config, fh_str{"", 0}, Str(message));
    return nullptr;
  }
}

inline fh_str NodePorts(void* node) { return Str(static_cast<NodeHolder*>(node)->ports_json); }

inline void ExecuteNode(void* node, fh_exec exec) {
  auto* holder = static_cast<NodeHolder*>(node);
  std::shared_ptr<PluginNodeContext> context;
  try {
    context = std::make_shared<PluginNodeContext>(
        exec, *holder->type_name,
        holder->fixed_params.has_value() ? &*holder->fixed_params : nullptr);
    holder->node->Execute(*context, [completion = Completion(context)](
                                        absl::StatusOr<sdk::NodeResult> result) mutable {
      completion.Call(std::move(result));
    });
  } catch (...) {
    absl::Status error = absl::InternalError("node type '" + *holder->type_name + "' threw " +
                                             DescribeCurrentException());
    if (context != nullptr) {
      context->Finish(error);
    } else {
      ErrorView view(error);
      Host().complete(exec, view.get(), fh_str{nullptr, 0});
    }
  }
}

inline void DestroyNode(void* node) { delete static_cast<NodeHolder*>(node); }
inline void DestroyType(void* type_data) { delete static_cast<TypeHolder*>(type_data); }

inline const fh_node_type_vtable& NodeTypeVtable() {
  static const fh_node_type_vtable vtable = {sizeof(fh_node_type_vtable), &CreateNode, &NodePorts,
                                             &ExecuteNode, &DestroyNode, &DestroyType};
  return vtable;
}

// The registry a plugin's registration function sees: each Register goes to the host.
class PluginRegistry final : public sdk::NodeRegistry {
 public:
  explicit PluginRegistry(fh_registrar* registrar) : registrar_(registrar) {}

  absl::Status Register(std::shared_ptr<const sdk::NodeType> type) override {
    if (type == nullptr) return absl::InvalidArgumentError("cannot register a null node type");
    std::string info = DumpJson(NodeTypeInfoToJson(type->info()));
    auto* holder = new TypeHolder{type, type->info().type};
    fh_node_type_def def{sizeof(fh_node_type_def), Str(info), &NodeTypeVtable(), holder};
    fh_error_out error = NoError();
    // The host owns `holder` from here on, also when it refuses the type.
    if (Host().register_node_type(registrar_, &def, &error) != 0) return TakeError(error);
    return absl::OkStatus();
  }

 private:
  fh_registrar* const registrar_;
};

// The plugin's init: keeps the host's table and runs the family's registration function.
template <absl::Status (*kRegister)(sdk::NodeRegistry&)>
int32_t InitPlugin(const fh_host_api* host, fh_registrar* registrar) {
  if (host == nullptr ||
      host->struct_size < offsetof(fh_host_api, http_release) + sizeof(host->http_release)) {
    return 1;  // cannot even say why: the host would have refused this plugin's minor version
  }
  HostSlot() = host;
  PluginRegistry registry(registrar);
  absl::Status status;
  try {
    status = kRegister(registry);
  } catch (...) {
    status = absl::InternalError("registration threw " + DescribeCurrentException());
  }
  if (status.ok()) return 0;
  std::string message(status.message());
  host->registrar_error(registrar, Str(message));
  return 1;
}

}  // namespace flowhost::plugin

// Defines a plugin library's entry point: its name and version (string literals) and the body of
// its registration function, which registers the family's node types with `registry_var` (an
// sdk::NodeRegistry&) and returns an absl::Status. Use it once per library.
#define FLOWHOST_PLUGIN(plugin_name, plugin_version, registry_var)                               \
  static ::absl::Status FlowhostPluginRegister(::flowhost::sdk::NodeRegistry& registry_var);     \
  extern "C" FLOWHOST_PLUGIN_EXPORT const fh_plugin_info* flowhost_plugin_handshake(void) {      \
    static const fh_plugin_info info = {                                                         \
        sizeof(fh_plugin_info), FLOWHOST_ABI_MAJOR,    FLOWHOST_ABI_MINOR,                        \
        sizeof(void*),          FLOWHOST_ABI_FINGERPRINT, plugin_name,                           \
        plugin_version,         &::flowhost::plugin::InitPlugin<&FlowhostPluginRegister>};       \
    return &info;                                                                                \
  }                                                                                              \
  static ::absl::Status FlowhostPluginRegister(::flowhost::sdk::NodeRegistry& registry_var)

#endif  // FLOWHOST_PLUGIN_PLUGIN_H_
