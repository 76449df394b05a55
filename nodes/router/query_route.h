// Resolving a query route (route.h) when the walk reaches it: the catalogue models its query
// matches, in the query's order, less the withdrawn ones (past their expiration date) and those
// whose own route is open, up to the route's number of models. Each picked model becomes a chat
// route with the query route's settings. What was picked, and why the others were not, goes into
// the answer (`query_picks`) and the log.
//
// Thread-safety: a pure function of its arguments.
#ifndef FLOWHOST_NODES_ROUTER_QUERY_ROUTE_H_
#define FLOWHOST_NODES_ROUTER_QUERY_ROUTE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/json.h"
#include "nodes/router/route.h"

namespace flowhost::nodes::router {

struct QueryResolution {
  std::vector<Route> routes;  // the chat routes, in the order to try them; empty when none is left
  // {"route", "picked": [ids], "matched": n, "expired": [ids], "open": [ids], "catalogue_fetched_at"}
  sdk::Json pick;
  std::string why_none;  // when `routes` is empty: why, in words
};

// `query_route` is a Route::Kind::kQuery. `is_open(chat_route)` says whether a candidate's own
// route is open now (the walk asks its route health).
QueryResolution ResolveQueryRoute(const Route& query_route,
                                  const openrouter::Catalogue& catalogue, absl::Time now,
                                  const std::function<bool(const Route&)>& is_open);

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_QUERY_ROUTE_H_
