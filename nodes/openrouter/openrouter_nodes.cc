#include "nodes/openrouter/openrouter_nodes.h"

#include <memory>
#include <utility>

#include "nodes/openrouter/chat_node.h"
#include "nodes/openrouter/models_node.h"

namespace flowhost::nodes::openrouter {

absl::Status RegisterOpenRouterNodes(sdk::NodeRegistry& registry,
                                     std::shared_ptr<OpenRouterClient> client) {
  if (absl::Status status = registry.Register(std::make_shared<ChatNodeType>(client));
      !status.ok()) {
    return status;
  }
  return registry.Register(std::make_shared<ModelsNodeType>(std::move(client)));
}

absl::Status RegisterOpenRouterNodes(sdk::NodeRegistry& registry) {
  return RegisterOpenRouterNodes(registry, std::make_shared<OpenRouterClient>());
}

}  // namespace flowhost::nodes::openrouter
