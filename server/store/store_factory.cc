#include "server/store/store_factory.h"

#include "absl/strings/str_join.h"
#include "server/store/postgres/postgres_execution_store.h"
#include "server/store/sqlite/sqlite_execution_store.h"

namespace flowhost::store {

StoreOptions StoreOptionsFromConfig(const config::StoreConfig& config, const sdk::Clock* clock) {
  StoreOptions options;
  options.default_save_policy = ParseSavePolicy(config.save).value_or(SavePolicy::kAll);
  options.retention_max_age = config.retention_max_age;
  options.retention_max_count = config.retention_max_count;
  options.prune_interval = config.prune_interval;
  options.max_input_bytes = config.max_input_bytes;
  options.max_output_bytes = config.max_output_bytes;
  options.max_events_per_execution = config.max_events_per_execution;
  options.max_queued_operations = config.max_queued_operations;
  options.lease = config.lease;
  options.poll_interval = config.poll_interval;
  options.clock = clock;
  return options;
}

absl::StatusOr<ExecutionStorePtr> OpenConfiguredStore(const config::StoreConfig& config,
                                                      const sdk::Clock* clock) {
  std::vector<std::string> problems = config::StoreConfigProblems(config);
  if (!problems.empty()) {
    return absl::InvalidArgumentError("invalid store configuration:\n" +
                                      absl::StrJoin(problems, "\n"));
  }
  StoreOptions options = StoreOptionsFromConfig(config, clock);
  if (config.backend == "sqlite") {
    return OpenSqliteStore(SqliteStoreOptions{config.data_dir, config.max_database_bytes,
                                              config.sqlite_synchronous == "full"},
                           std::move(options));
  }
  if (config.backend == "postgres") return OpenPostgresStore(config.url, std::move(options));
  return ExecutionStorePtr();
}

}  // namespace flowhost::store
