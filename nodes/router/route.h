// A route of `router.fallback`, as read from the router's parameters evaluated for one item.
//
// A chat route is a chat configuration (flowhost/openrouter/client.h): its own settings, over the
// router's shared ones (messages, system, prompt, temperature, ...), with a `model` or `models`. A
// node route names another node of the workflow (`node`), run through NodeContext::InvokeNode on
// the item. Both have a display name, a number of attempts and an optional cool-down period; chat
// routes may also have a timeout (a node route uses its node's own `timeout` setting).
//
// Thread-safety: plain values and pure functions.
#ifndef FLOWHOST_NODES_ROUTER_ROUTE_H_
#define FLOWHOST_NODES_ROUTER_ROUTE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"

namespace flowhost::nodes::router {

struct Route {
  enum class Kind { kChat, kNode };

  Kind kind = Kind::kChat;
  std::string name;  // as configured, else the model (or models) or the node name
  std::string node;  // kNode: the node to invoke
  sdk::Json chat = sdk::Json::object();  // kChat: the merged chat parameters (for BuildChatBody)
  std::string model_label;               // kChat: ModelLabel(chat)
  std::optional<absl::Duration> timeout;
  int attempts = 1;
  std::optional<absl::Duration> cooldown;  // overrides the router's `cooldown` (open period)
};

// The routes of the router's evaluated parameters, in order. Names are made unique ("#2", ...).
absl::StatusOr<std::vector<Route>> RoutesFromParams(const sdk::Json& params);

// The health key of a route (see route_health.h). `base_url` is the OpenRouter endpoint of
// chat routes; `workflow` scopes node routes.
std::string RouteKey(const Route& route, std::string_view base_url, std::string_view workflow);

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ROUTE_H_
