// Opens the execution store the host configuration's `store:` section names. Called once at
// start-up (it blocks while it connects and migrates).
#ifndef FLOWHOST_SERVER_STORE_STORE_FACTORY_H_
#define FLOWHOST_SERVER_STORE_STORE_FACTORY_H_

#include "absl/status/statusor.h"
#include "flowhost/sdk/scheduler.h"
#include "server/config/store_config.h"
#include "server/store/execution_store.h"
#include "server/store/store_options.h"

namespace flowhost::store {

// The store options `config` sets (caps, retention, save policy, leases); `clock` may be null.
StoreOptions StoreOptionsFromConfig(const config::StoreConfig& config,
                                    const sdk::Clock* clock = nullptr);

// The configured store, or nullptr for backend `none`. Errors are those of OpenSqliteStore and
// OpenPostgresStore, and INVALID_ARGUMENT for a configuration StoreConfigProblems refuses.
absl::StatusOr<ExecutionStorePtr> OpenConfiguredStore(const config::StoreConfig& config,
                                                      const sdk::Clock* clock = nullptr);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_STORE_FACTORY_H_
