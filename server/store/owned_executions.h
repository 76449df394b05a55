// What the store thread knows of each execution this store instance holds (created with
// claim_now, or claimed): its current fencing token, and how much of its output and event caps
// is used. A fenced write is checked here first, then against the database (which alone knows
// whether another replica has taken the execution over since).
//
// Thread-safety: store thread only.
#ifndef FLOWHOST_SERVER_STORE_OWNED_EXECUTIONS_H_
#define FLOWHOST_SERVER_STORE_OWNED_EXECUTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"
#include "server/store/execution_model.h"
#include "server/store/execution_store.h"

namespace flowhost::store {

struct OwnedExecution {
  int64_t token = 0;
  int64_t output_bytes = 0;  // stored so far, against StoreOptions::max_output_bytes
  int64_t events = 0;        // stored so far, against StoreOptions::max_events_per_execution
  bool events_truncated = false;
  // Whether a durable timer may be stored for it (set one, or claimed: not known), so that
  // finishing it must delete its timers; a new execution has none until SetTimer.
  bool may_have_timers = true;
  // Its save policy, when the store knows it without asking the database (SQLite: from its
  // creation or claim), so that finishing it needs no read back; unset: read it at the finish.
  std::optional<SavePolicy> save_policy;
  // Created by this instance (CreateExecution with claim_now), not claimed: its nodes and events
  // are all written by this instance, which may then fold the last of them into the execution's
  // row (SQLite, folded_rows.h).
  bool created_here = false;
};

class OwnedExecutions {
 public:
  void Hold(const std::string& id, OwnedExecution execution) { held_[id] = execution; }
  void Drop(const std::string& id) { held_.erase(id); }
  // Drops the execution only while it is held under `fence`'s token (a stale fence must not drop
  // a newer claim of the same execution).
  void Drop(const Fence& fence);

  // The execution `fence` names, when this instance holds it under that token; ABORTED otherwise.
  absl::StatusOr<OwnedExecution*> Check(const Fence& fence);

  size_t size() const { return held_.size(); }

 private:
  std::unordered_map<std::string, OwnedExecution> held_;
};

// Output items serialised for storage under a byte budget.
struct StoredItems {
  std::string json;   // for ports: [[item, ...], ...]; for one list: [item, ...]
  int64_t bytes = 0;  // the items' bytes counted against the budget
  bool truncated = false;
};

// Serialises `ports` (one list of items per output port), keeping each port's first items while
// `remaining` lasts, and takes what was used from `remaining`. Items are kept whole or not at all.
StoredItems SerializePortsWithin(const std::vector<sdk::Items>& ports, int64_t& remaining);
StoredItems SerializeItemsWithin(const sdk::Items& items, int64_t& remaining);
// What FinishExecution stores as the execution's output: the reference of
// ExecutionOutcome::output_from when it is set (no bytes against the budget: the items are the
// nodes'), else `output`'s items within `remaining`.
StoredItems SerializeOutcomeWithin(const ExecutionOutcome& outcome, int64_t& remaining);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_OWNED_EXECUTIONS_H_
