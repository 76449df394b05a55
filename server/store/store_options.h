// The settings every store backend shares: caps, retention, the default save policy, leases and
// the queue bound. Built from the `store:` section of the host configuration (store_factory.h)
// or directly by tests.
//
// Ownership: a plain value copied into the store. `clock` is not owned and must outlive it.
#ifndef FLOWHOST_SERVER_STORE_STORE_OPTIONS_H_
#define FLOWHOST_SERVER_STORE_STORE_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "flowhost/sdk/scheduler.h"
#include "server/store/execution_model.h"

namespace flowhost::store {

struct StoreOptions {
  // This instance's name as recorded in the executions it owns; empty: HOSTNAME-PID-RANDOM.
  std::string owner;
  SavePolicy default_save_policy = SavePolicy::kAll;
  // Retention of finished executions (n8n's defaults: 14 days, 10,000 runs).
  absl::Duration retention_max_age = absl::Hours(24 * 14);
  int64_t retention_max_count = 10'000;
  absl::Duration prune_interval = absl::Hours(1);  // automatic pruning; InfiniteDuration: never
  // Caps per execution.
  int64_t max_input_bytes = 4 << 20;   // the input's JSON text
  int64_t max_output_bytes = 1 << 20;  // node and final output items, together
  int64_t max_events_per_execution = 10'000;
  // The queue between callers and the store thread; full: RESOURCE_EXHAUSTED.
  int64_t max_queued_operations = 10'000;
  int max_batch_operations = 512;  // writes committed in one transaction, at most
  // Leases of claimed executions, and how often claimable work is looked for without a hint.
  absl::Duration lease = absl::Seconds(30);
  absl::Duration poll_interval = absl::Seconds(5);
  // Leases, timers, timestamps and retention are measured on this clock (tests inject one).
  const sdk::Clock* clock = nullptr;  // nullptr: the real clock
};

// The owner name used when StoreOptions::owner is empty: host name, process id and a random
// suffix, unique per store instance.
std::string DefaultOwnerName();

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_STORE_OPTIONS_H_
