// `router.fallback`: answers each input item from the first route that succeeds. Routes are chat
// configurations (usually just a model, inheriting the router's shared messages and settings) or
// other nodes of the workflow. Failures of the configured classes escalate to the next route; an
// `accept` expression or `accept_schema` can reject a weak answer; failing routes are opened for
// the whole process by a circuit breaker (route_health.h); `max_cost_usd` keeps one run under a ceiling. See route_walk.h for one item's
// walk.
//
// The type shares the process-wide route health table and shares the OpenRouter client (and its
// catalogue) with the openrouter node family.
//
// Thread-safety: the type and its nodes are immutable (the table locks itself); Execute runs
// concurrently for many executions.
#ifndef FLOWHOST_NODES_ROUTER_FALLBACK_ROUTER_NODE_H_
#define FLOWHOST_NODES_ROUTER_FALLBACK_ROUTER_NODE_H_

#include <memory>

#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/node.h"
#include "nodes/router/route_health.h"

namespace flowhost::nodes::router {

class FallbackRouterNodeType : public sdk::NodeType {
 public:
  FallbackRouterNodeType(std::shared_ptr<openrouter::OpenRouterClient> client,
                         std::shared_ptr<RouteHealthTable> health);

  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override;

  // The process-wide route health (for tests and operators).
  RouteHealthTable& health() const { return *health_; }

 private:
  std::shared_ptr<openrouter::OpenRouterClient> client_;
  std::shared_ptr<RouteHealthTable> health_;
  sdk::NodeTypeInfo info_;
};

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_FALLBACK_ROUTER_NODE_H_
