// A benchmark plugin (libbench_core_plugin.so): the core node family, the very sources flowhost
// builds in, registered under the prefix "plugin_" (plugin_noop, plugin_set, ...) so that one
// flowhost can serve the built-in node and the same node from a .so side by side
// (bench/scenarios/plugin_ab.sh).
#include <memory>
#include <string>
#include <utility>

#include "flowhost/plugin/plugin.h"
#include "nodes/core/core_nodes.h"

namespace {

// A node type under another name; everything else is the wrapped type's.
class RenamedType : public flowhost::sdk::NodeType {
 public:
  RenamedType(std::shared_ptr<const flowhost::sdk::NodeType> type, const std::string& prefix)
      : type_(std::move(type)), info_(type_->info()) {
    info_.type = prefix + info_.type;
  }
  const flowhost::sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<flowhost::sdk::Node> Create(flowhost::sdk::NodeConfig& config) const override {
    return type_->Create(config);
  }

 private:
  const std::shared_ptr<const flowhost::sdk::NodeType> type_;
  flowhost::sdk::NodeTypeInfo info_;
};

class RenamingRegistry : public flowhost::sdk::NodeRegistry {
 public:
  explicit RenamingRegistry(flowhost::sdk::NodeRegistry& target) : target_(target) {}
  absl::Status Register(std::shared_ptr<const flowhost::sdk::NodeType> type) override {
    return target_.Register(std::make_shared<RenamedType>(std::move(type), "plugin_"));
  }

 private:
  flowhost::sdk::NodeRegistry& target_;
};

}  // namespace

FLOWHOST_PLUGIN("bench_core", "1.0.0", registry) {
  RenamingRegistry renaming(registry);
  return flowhost::nodes::core::RegisterCoreNodes(renaming);
}
