// The operations callers queue for the store thread: one struct per ExecutionStore method, each
// holding its arguments and callback. Internal to the store backends.
#ifndef FLOWHOST_SERVER_STORE_STORE_OPERATION_H_
#define FLOWHOST_SERVER_STORE_STORE_OPERATION_H_

#include <string>
#include <variant>
#include <vector>

#include "server/store/execution_store.h"
#include "server/store/shared_route_health_store.h"

namespace flowhost::store {

struct CreateOp {
  NewExecution execution;
  Callback<CreatedExecution> done;
};
struct NodeOp {
  Fence fence;
  NodeUpdate update;
  DoneCallback done;
};
struct EventOp {
  Fence fence;
  EventRow event;
  DoneCallback done;
};
struct TimerOp {
  Fence fence;
  TimerRow timer;
  bool clear = false;
  DoneCallback done;
};
struct ParkOp {
  Fence fence;
  absl::Time wake_at;
  DoneCallback done;
};
struct ReleaseOp {
  Fence fence;
  DoneCallback done;
  bool requeue = false;  // RequeueExecution: kQueued again rather than kRunning with no lease
};
struct FinishOp {
  Fence fence;
  ExecutionOutcome outcome;
  DoneCallback done;
};
struct CancelOp {
  std::string id;
  Callback<ExecutionStatus> done;
};
struct ClaimOp {
  int max = 0;
  Callback<std::vector<Claim>> done;
};
struct RenewOp {
  std::vector<Fence> fences;
  Callback<RenewResult> done;
};
struct GetOp {
  std::string id;
  GetOptions options;
  Callback<ExecutionDetail> done;
};
struct ListOp {
  ListQuery query;
  Callback<ExecutionPage> done;
};
struct EventsOp {
  std::string id;
  int64_t first_sequence = 0;
  int max_events = 0;
  Callback<std::vector<EventRow>> done;
};
struct PruneOp {
  Callback<PruneResult> done;  // may be empty: the store's own periodic prune
};

// Shared route health (PostgreSQL only; shared_route_health_store.h).
struct RoutePublishOp {
  SharedRouteRecord record;
  DoneCallback done;
};
struct RouteClaimOp {
  std::string route;
  std::string replica;
  absl::Time now;
  absl::Time lease_until;
  Callback<bool> done;
};
struct RouteReadOp {
  absl::Time since;
  Callback<SharedRoutePage> done;
};

using Operation = std::variant<CreateOp, NodeOp, EventOp, TimerOp, ParkOp, ReleaseOp, FinishOp,
                               CancelOp, ClaimOp, RenewOp, GetOp, ListOp, EventsOp, PruneOp,
                               RoutePublishOp, RouteClaimOp, RouteReadOp>;

// Whether the operation only reads (reads end a write batch, so they see it committed).
bool IsRead(const Operation& op);

// Completes `op` with `status` (not OK) without running it: at shutdown, or when the batch it was
// in failed as a whole.
void FailOperation(Operation& op, const absl::Status& status);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_STORE_OPERATION_H_
