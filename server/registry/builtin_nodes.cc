#include "server/registry/builtin_nodes.h"

#include <memory>

#include "nodes/core/core_nodes.h"
#include "nodes/openrouter/openrouter_nodes.h"
#include "nodes/router/router_nodes.h"

namespace flowhost::registry {

absl::Status RegisterBuiltinNodes(NodeTypeRegistry& registry, const BuiltinNodeOptions& options) {
  if (absl::Status status = nodes::core::RegisterCoreNodes(registry); !status.ok()) return status;
  // One OpenRouter client (and so one catalogue cache) shared by every OpenRouter-backed type.
  nodes::openrouter::OpenRouterOptions openrouter_options;
  openrouter_options.max_retry_after = options.max_retry_after;
  auto openrouter = std::make_shared<nodes::openrouter::OpenRouterClient>(openrouter_options);
  if (absl::Status status = nodes::openrouter::RegisterOpenRouterNodes(registry, openrouter);
      !status.ok()) {
    return status;
  }
  return nodes::router::RegisterRouterNodes(registry, openrouter, options.route_health);
}

}  // namespace flowhost::registry
