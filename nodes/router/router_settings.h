// What a `router.fallback` node fixes when its workflow loads (its constant parameters), and what
// one run of it shares between the items it processes concurrently.
//
// Thread-safety: RouterSettings is immutable; RouterRun is immutable once the run starts (the
// budget inside locks itself).
#ifndef FLOWHOST_NODES_ROUTER_ROUTER_SETTINGS_H_
#define FLOWHOST_NODES_ROUTER_ROUTER_SETTINGS_H_

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/retry.h"
#include "nodes/router/cost_budget.h"
#include "nodes/router/route_health.h"

namespace flowhost::nodes::router {

struct RouterSettings {
  std::string credential = "openrouter";
  std::set<std::string, std::less<>> escalate_on;  // failure classes that move on to the next route
  std::set<std::string, std::less<>>
      cooldown_on;      // failure classes that count against a route's health
  HealthPolicy health;  // when those failures open a route (route_health.h)
  bool has_accept = false;                      // an `accept` expression is configured
  sdk::Json accept_schema = nullptr;            // a JSON schema the answer must match, or null
  std::optional<double> max_cost_usd;
  bool has_query_routes = false;  // a route has a catalogue `query` (query_route.h)
  size_t concurrency = 4;
  bool stream = false;
  // A streaming caller gets a chat route's text only once its answer passed the checks (accept,
  // accept_schema): failed and rejected attempts stream nothing.
  bool hold_back = false;
  // A route's own retries (`attempts` > 1) back off by this policy (its max_attempts is the
  // route's `attempts`), or wait the Retry-After when longer (sdk::PlanRetry).
  sdk::RetryPolicy same_route_retry = {
      .initial_backoff = absl::Milliseconds(250), .max_backoff = absl::Seconds(5), .jitter = 0};
  // They wait at most this long; a longer wait gives up on the route instead, so that the next
  // route answers sooner.
  absl::Duration max_same_route_wait = absl::Seconds(10);
};

// One run of the node (one execution reaching it).
struct RouterRun {
  sdk::NodeContext* context = nullptr;  // valid until the run's done is called
  std::shared_ptr<const RouterSettings> settings;
  std::shared_ptr<openrouter::OpenRouterClient> client;
  std::shared_ptr<RouteHealthTable> health;
  std::shared_ptr<CostBudget> budget;  // null without max_cost_usd
  // The execution has a cost budget (the workflow's max_cost_usd, NodeContext::ReserveCost): chat
  // routes reserve their worst case from it too.
  bool execution_budget = false;
  // Set when there is a budget or a query route (fetched once per run: the client's cache
  // refreshes it). Null when the fetch failed for query routes alone: `catalogue_error` says why.
  openrouter::CataloguePtr catalogue;
  std::string catalogue_error;
  bool listening = false;              // a caller wants token deltas
};

// The default escalation and cool-down classes.
const std::set<std::string, std::less<>>& DefaultEscalateOn();
const std::set<std::string, std::less<>>& DefaultCooldownOn();

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ROUTER_SETTINGS_H_
