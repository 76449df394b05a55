// A route of `router.fallback`, as read from the router's parameters evaluated for one item.
//
// A chat route is a chat configuration (flowhost/openrouter/client.h): its own settings, over the
// router's shared ones (messages, system, prompt, temperature, ...), with a `model` or `models`. A
// node route names another node of the workflow (`node`), run through NodeContext::InvokeNode on
// the item. A query route is a chat configuration without a model and a catalogue `query`
// (flowhost/openrouter/model_query.h): the walk resolves it against the live catalogue into chat
// routes, one per model it picks (query_route.h). All have a display name, a number of attempts
// and an optional cool-down period; chat and query routes may also have a timeout (a node route
// uses its node's own `timeout` setting).
//
// Thread-safety: plain values and pure functions.
#ifndef FLOWHOST_NODES_ROUTER_ROUTE_H_
#define FLOWHOST_NODES_ROUTER_ROUTE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/openrouter/model_query.h"
#include "flowhost/sdk/json.h"

namespace flowhost::nodes::router {

struct Route {
  enum class Kind { kChat, kNode, kQuery };

  Kind kind = Kind::kChat;
  std::string name;  // as configured, else the model (or models) or the node name
  size_t index = 0;  // its place in the configured `routes` (a query's models share their route's)
  std::string node;  // kNode: the node to invoke
  // kChat: the merged chat parameters (for BuildChatBody); kQuery: the same, without a model.
  sdk::Json chat = sdk::Json::object();
  std::string model_label;  // kChat: ModelLabel(chat)
  // kQuery: the catalogue query (its `limit` cleared: it applies after expired and open models
  // are set aside) and how many of its models the route may call (the query's `limit`, default
  // kDefaultQueryModels; 0: every match).
  std::shared_ptr<const openrouter::ModelQuery> query;
  size_t query_models = 0;
  std::optional<absl::Duration> timeout;
  int attempts = 1;
  std::optional<absl::Duration> cooldown;  // overrides the router's `cooldown` (open period)
};

// How many models a query route calls when its query sets no `limit`.
inline constexpr size_t kDefaultQueryModels = 3;

// The routes of the router's evaluated parameters, in order. Names are made unique ("#2", ...).
absl::StatusOr<std::vector<Route>> RoutesFromParams(const sdk::Json& params);

// The health key of a route (see route_health.h). `base_url` is the OpenRouter endpoint of
// chat routes; `workflow` scopes node routes.
std::string RouteKey(const Route& route, std::string_view base_url, std::string_view workflow);

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ROUTE_H_
