// The replicated execution store: several flowhost processes share one PostgreSQL database.
//
// The store thread owns two connections: one in libpq's pipeline mode that carries every write
// batch (one implicit transaction per run of queued writes) and every read, in queue order, many
// in flight at once; and one that LISTENs on `flowhost_work`, on which replicas NOTIFY when
// they queue an execution or release one, as a wake-up hint beside polling (and on
// `flowhost_route_health`, for shared route health: shared_route_health_store.h, which this store
// implements). Replicas claim
// executions with FOR UPDATE SKIP LOCKED under leases, and every write to an execution is fenced
// by its fencing token (execution_store.h).
//
// When the database is unreachable, operations in flight fail with UNAVAILABLE, new ones are
// refused with UNAVAILABLE, and the store reconnects in the background; Health() says which.
//
// Ownership: Open returns the store; destroying it shuts it down (queued operations complete).
#ifndef FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_EXECUTION_STORE_H_
#define FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_EXECUTION_STORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/store/execution_store.h"
#include "server/store/store_options.h"

namespace flowhost::store {

// The channel replicas NOTIFY and LISTEN on. A payload "cancel:<execution id>" asks the
// execution's owner to cancel it (RequestCancel); any other payload signals claimable work.
inline constexpr const char* kWorkChannel = "flowhost_work";
// The channel a replica NOTIFYs when it changed a shared route row (shared_route_health_store.h).
inline constexpr const char* kSharedRouteChannel = "flowhost_route_health";
inline constexpr const char* kCancelPrefix = "cancel:";

// Connects to `url` (a postgresql:// URL or libpq key=value pairs; the password may also come
// from PGPASSWORD or ~/.pgpass), applies missing schema migrations (under an advisory lock, so
// replicas starting together migrate once) and starts the store thread. Blocks: call at start-up.
// Errors: INVALID_ARGUMENT (a malformed URL), UNAVAILABLE (cannot connect), FAILED_PRECONDITION
// (a schema newer than this build). Messages never contain the password.
absl::StatusOr<ExecutionStorePtr> OpenPostgresStore(const std::string& url, StoreOptions options);

// Applies the migrations up to `version` (not past it) to the database at `url`, without opening a
// store: for tests of migrations from an older schema.
absl::Status MigratePostgresDatabase(const std::string& url, int version);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_POSTGRES_POSTGRES_EXECUTION_STORE_H_
