// The embedded execution store: one SQLite file, `flowhost.db` under the data directory, in WAL
// mode. One store thread owns the only connection; it commits each run of queued writes in one
// transaction (a savepoint around each write of several statements, so one bad write fails alone),
// at most one every commit_interval (group commit), and serves reads between them.
//
// SQLite serves one process: the store holds an exclusive lock on `flowhost.db.lock` beside the
// database while open, and a second process (or a second store on the same directory) is refused
// with FAILED_PRECONDITION. For several replicas use the PostgreSQL store.
//
// Ownership: Open returns the store; destroying it shuts it down (queued operations complete).
#ifndef FLOWHOST_SERVER_STORE_SQLITE_SQLITE_EXECUTION_STORE_H_
#define FLOWHOST_SERVER_STORE_SQLITE_SQLITE_EXECUTION_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/store/execution_store.h"
#include "server/store/store_options.h"

namespace flowhost::store {

struct SqliteStoreOptions {
  std::string data_dir = "data";  // created if missing
  int64_t max_database_bytes =
      0;  // 0: no bound but the disk; else writes past it: RESOURCE_EXHAUSTED
  // SQLite's `synchronous` in WAL mode (store.sqlite.synchronous). NORMAL: a commit is in the WAL
  // when its callback runs, so it survives the process being killed; the WAL is synced at
  // checkpoints, so an OS crash or power loss may lose the last commits (never the database).
  // FULL: the WAL is also synced at every commit (every batch), which survives power loss too.
  bool sync_every_commit = false;
  // The shortest time between the starts of two write transactions: writes queued meanwhile wait
  // and are committed together. A commit costs mostly the pages it writes to the WAL (each index
  // and table the writes touch), whatever the number of writes in it, so under load one commit per
  // interval writes a fraction of the pages one commit per few writes did. A write's callback (and
  // a read queued behind it) may come up to this much later; nothing on a request path waits for
  // it but StartWorkflow's reply. Zero: commit as soon as writes are queued.
  absl::Duration commit_interval = absl::Milliseconds(5);
};

// Opens (creating) the database, applies missing schema migrations and starts the store thread.
// Blocks: call at start-up. Errors: FAILED_PRECONDITION (directory in use, schema newer than this
// build), DATA_LOSS (not a database), UNAVAILABLE (cannot create or open the file).
absl::StatusOr<ExecutionStorePtr> OpenSqliteStore(const SqliteStoreOptions& sqlite,
                                                  StoreOptions options);

// The database file's path for `data_dir`.
std::string SqliteDatabasePath(const std::string& data_dir);

// Applies the migrations up to `version` (not past it) to the database file at `path`, without
// opening a store: for tests of migrations from an older schema.
absl::Status MigrateSqliteDatabase(const std::string& path, int version);

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_SQLITE_SQLITE_EXECUTION_STORE_H_
