// A node type a plugin registered, seen by the host as any other sdk::NodeType: Create runs the
// plugin's `create` through the C ABI and wraps what it returns in a PluginNode, whose Execute hands
// the plugin an fh_exec token (plugin_exec.h) and whose completion comes back through
// host->complete. Built by InitPlugin from an fh_node_type_def.
//
// Ownership: the type owns the plugin's type_data (destroy_type when the type goes) and each node
// its plugin node (destroy_node). Thread-safety: as sdk::NodeType and sdk::Node.
#ifndef FLOWHOST_SERVER_PLUGINS_PLUGIN_NODE_TYPE_H_
#define FLOWHOST_SERVER_PLUGINS_PLUGIN_NODE_TYPE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "flowhost/plugin_abi.h"
#include "flowhost/sdk/node.h"

namespace flowhost::plugins {

class PluginNodeType : public sdk::NodeType,
                       public std::enable_shared_from_this<PluginNodeType> {
 public:
  // Checks `def` (its table's size and functions, its info) and builds the type.
  static absl::StatusOr<std::shared_ptr<PluginNodeType>> Create(const fh_node_type_def& def);
  ~PluginNodeType() override;

  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override;

 private:
  PluginNodeType(sdk::NodeTypeInfo info, const fh_node_type_vtable* vtable, void* type_data)
      : info_(std::move(info)), vtable_(vtable), type_data_(type_data) {}

  const sdk::NodeTypeInfo info_;
  const fh_node_type_vtable* const vtable_;
  void* const type_data_;
};

}  // namespace flowhost::plugins

#endif  // FLOWHOST_SERVER_PLUGINS_PLUGIN_NODE_TYPE_H_
