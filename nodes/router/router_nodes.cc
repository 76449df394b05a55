#include "nodes/router/router_nodes.h"

#include <memory>
#include <utility>

#include "nodes/router/cooldown_table.h"
#include "nodes/router/fallback_router_node.h"

namespace flowhost::nodes::router {

absl::Status RegisterRouterNodes(sdk::NodeRegistry& registry,
                                 std::shared_ptr<openrouter::OpenRouterClient> client) {
  return registry.Register(std::make_shared<FallbackRouterNodeType>(
      std::move(client), std::make_shared<CooldownTable>()));
}

}  // namespace flowhost::nodes::router
