#include "nodes/router/router_nodes.h"

#include <memory>
#include <utility>

#include "nodes/router/fallback_router_node.h"
#include "nodes/router/route_health.h"

namespace flowhost::nodes::router {

absl::Status RegisterRouterNodes(sdk::NodeRegistry& registry,
                                 std::shared_ptr<openrouter::OpenRouterClient> client,
                                 std::shared_ptr<RouteHealthTable> health) {
  if (health == nullptr) health = std::make_shared<RouteHealthTable>();
  return registry.Register(
      std::make_shared<FallbackRouterNodeType>(std::move(client), std::move(health)));
}

}  // namespace flowhost::nodes::router
