// The OpenRouter node family: `openrouter.chat` and `openrouter.models`. Built only against the
// SDK and the OpenRouter client library (flowhost/openrouter/client.h), exactly like a plugin.
//
// Both types share one OpenRouterClient (and so one catalogue cache). The host creates the client,
// registers this family with it, and passes the same client to RegisterRouterNodes
// (nodes/router/router_nodes.h) so that `router.fallback` shares it too.
//
// Thread-safety: registration happens at start-up, from one thread.
#ifndef FLOWHOST_NODES_OPENROUTER_OPENROUTER_NODES_H_
#define FLOWHOST_NODES_OPENROUTER_OPENROUTER_NODES_H_

#include <memory>

#include "absl/status/status.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/registry.h"

namespace flowhost::nodes::openrouter {

// Registers openrouter.chat and openrouter.models, sharing `client`.
absl::Status RegisterOpenRouterNodes(sdk::NodeRegistry& registry,
                                     std::shared_ptr<OpenRouterClient> client);

// Same, with a client of its own (default options).
absl::Status RegisterOpenRouterNodes(sdk::NodeRegistry& registry);

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_OPENROUTER_NODES_H_
