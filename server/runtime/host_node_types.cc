#include "server/runtime/host_node_types.h"

#include "absl/strings/str_cat.h"
#include "server/registry/builtin_nodes.h"

namespace flowhost::runtime {

absl::StatusOr<std::vector<plugins::LoadedPlugin>> RegisterHostNodeTypes(
    const config::HostConfig& config, registry::NodeTypeRegistry& registry,
    std::shared_ptr<nodes::router::RouteHealthTable> route_health) {
  registry::BuiltinNodeOptions options;
  options.max_retry_after = config.http.max_retry_after;
  options.route_health = std::move(route_health);
  if (absl::Status status = registry::RegisterBuiltinNodes(registry, options); !status.ok()) {
    return absl::InternalError(absl::StrCat("registering built-in nodes: ", status.message()));
  }
  return plugins::LoadPlugins(config.plugins, registry);
}

}  // namespace flowhost::runtime
