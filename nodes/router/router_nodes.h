// The router node family: `router.fallback`. Built only against the SDK and the OpenRouter client
// library (flowhost/openrouter/client.h), exactly like a plugin.
//
// The router's chat routes use the OpenRouter client, so registration takes the OpenRouterClient
// the openrouter family was registered with (one catalogue for the process):
//
//   auto openrouter = std::make_shared<nodes::openrouter::OpenRouterClient>();
//   RegisterOpenRouterNodes(registry, openrouter);
//   RegisterRouterNodes(registry, openrouter);
//
// Thread-safety: registration happens at start-up, from one thread.
#ifndef FLOWHOST_NODES_ROUTER_ROUTER_NODES_H_
#define FLOWHOST_NODES_ROUTER_ROUTER_NODES_H_

#include <memory>

#include "absl/status/status.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/registry.h"
#include "nodes/router/route_health.h"

namespace flowhost::nodes::router {

// Registers router.fallback, sharing `client` with the openrouter family. `health` is the
// process's route health table (the host keeps it to report it); a new one when null.
absl::Status RegisterRouterNodes(sdk::NodeRegistry& registry,
                                 std::shared_ptr<openrouter::OpenRouterClient> client,
                                 std::shared_ptr<RouteHealthTable> health = nullptr);

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ROUTER_NODES_H_
