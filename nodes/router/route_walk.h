// One input item's way through the router's routes: try each route in order (its attempts, its
// timeout), skip routes that are open (or half-open with another execution's probe out) or would
// break the cost ceiling, check each answer (`accept_schema`, `accept`), escalate on the
// configured failure classes, tell the route health every call's outcome, and finish with the
// answer (saying which route gave it and listing every attempt) or with an error that carries
// every attempt.
//
// Ownership: a walk keeps itself alive (shared_ptr) until it reports through `done`.
// Thread-safety: one step at a time; steps run on the host's worker pool, one after another.
#ifndef FLOWHOST_NODES_ROUTER_ROUTE_WALK_H_
#define FLOWHOST_NODES_ROUTER_ROUTE_WALK_H_

#include <cstddef>
#include <memory>

#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/item_batch.h"
#include "nodes/router/router_settings.h"

namespace flowhost::nodes::router {

// Starts the walk for item `index`. `token` stops it (the run's cancellation, or a failure of
// another item). `done` gets the output item or the error, exactly once.
void StartRouteWalk(std::shared_ptr<const RouterRun> run, size_t index,
                    sdk::CancellationToken token, sdk::ItemBatch::ItemDone done);

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ROUTE_WALK_H_
