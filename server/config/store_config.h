// The `store:` section of the host configuration: which execution store to use and its bounds
// (docs/executions.md). Plain values; server/store/store_factory.h opens the store from them.
//
// Thread-safety: a plain value, immutable once loaded.
#ifndef FLOWHOST_SERVER_CONFIG_STORE_CONFIG_H_
#define FLOWHOST_SERVER_CONFIG_STORE_CONFIG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace flowhost::config {

struct StoreConfig {
  std::string backend = "sqlite";  // sqlite, postgres or none
  // sqlite: the directory holding flowhost.db; empty until LoadHostConfig fills in
  // DefaultDataDir.
  std::string data_dir;
  std::string url;                 // postgres: a libpq connection URL or key=value string
  std::string save = "all";        // what finished executions keep: all, failed or none
  absl::Duration retention_max_age = absl::Hours(24 * 14);
  int64_t retention_max_count = 10'000;
  absl::Duration prune_interval = absl::Hours(1);
  int64_t max_input_bytes = 4 << 20;
  int64_t max_output_bytes = 1 << 20;
  int64_t max_events_per_execution = 10'000;
  int64_t max_queued_operations = 10'000;
  int64_t max_database_bytes = 0;  // sqlite: 0 for no bound but the disk
  // sqlite: `normal` (commits survive the process; the WAL is synced at checkpoints) or `full`
  // (synced at every commit: survives power loss, at a throughput cost; docs/executions.md).
  std::string sqlite_synchronous = "normal";
  absl::Duration lease = absl::Seconds(30);
  absl::Duration poll_interval = absl::Seconds(5);
  // A `wait` node with more than this long left in a background execution parks it in the store (a
  // durable timer) instead of holding it in memory; 0 turns that off.
  absl::Duration durable_wait_threshold = absl::Seconds(1);
  int64_t replicas = 1;  // flowhost processes sharing this store
};

// Where the sqlite store lives when store.data_dir is not set: $XDG_STATE_HOME/flowhost, else
// $HOME/.local/state/flowhost (the XDG base directory rules for state that outlives a restart),
// else ./flowhost-data. `getenv` returns nullopt for an unset (or empty) variable.
std::string DefaultDataDir(
    const std::function<std::optional<std::string>(const std::string&)>& getenv);

// The problems of `store`, one message each (empty when there are none): an unknown backend or
// save policy, postgres without a URL, more than one replica on SQLite, zero durations.
std::vector<std::string> StoreConfigProblems(const StoreConfig& store);

}  // namespace flowhost::config

#endif  // FLOWHOST_SERVER_CONFIG_STORE_CONFIG_H_
