// The explicit list of node families built into flowhost. There is no static self-registration (a
// linker drops unreferenced objects from static libraries silently): this one function names them
// all, and a test checks that every expected type is present.
#ifndef FLOWHOST_SERVER_REGISTRY_BUILTIN_NODES_H_
#define FLOWHOST_SERVER_REGISTRY_BUILTIN_NODES_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/retry.h"
#include "nodes/router/route_health.h"
#include "server/registry/node_type_registry.h"

namespace flowhost::registry {

// Host settings the built-in families take.
struct BuiltinNodeOptions {
  // The longest Retry-After honoured from OpenRouter (the host's http.max_retry_after).
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
  // The process's route health, which router.fallback updates and the host reports
  // (ListRouteHealth); a private one when null.
  std::shared_ptr<nodes::router::RouteHealthTable> route_health;
};

// Registers every built-in node type. Fails on a duplicate or a malformed type description.
absl::Status RegisterBuiltinNodes(NodeTypeRegistry& registry,
                                  const BuiltinNodeOptions& options = {});

}  // namespace flowhost::registry

#endif  // FLOWHOST_SERVER_REGISTRY_BUILTIN_NODES_H_
