#include "server/registry/builtin_nodes.h"

#include <memory>

#include "nodes/core/core_nodes.h"
#include "nodes/openrouter/openrouter_nodes.h"
#include "nodes/router/router_nodes.h"

namespace flowhost::registry {

absl::Status RegisterBuiltinNodes(NodeTypeRegistry& registry) {
  if (absl::Status status = nodes::core::RegisterCoreNodes(registry); !status.ok()) return status;
  // One OpenRouter client (and so one catalogue cache) shared by every OpenRouter-backed type.
  auto openrouter = std::make_shared<nodes::openrouter::OpenRouterClient>();
  if (absl::Status status = nodes::openrouter::RegisterOpenRouterNodes(registry, openrouter);
      !status.ok()) {
    return status;
  }
  return nodes::router::RegisterRouterNodes(registry, openrouter);
}

}  // namespace flowhost::registry
