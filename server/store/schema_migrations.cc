#include "server/store/schema_migrations.h"

#include <array>
#include <string_view>

namespace flowhost::store {
namespace {

// One text per migration for both databases; $SERIAL_KEY, $DOUBLE and $BYTES stand for the types
// that differ (see MigrationSql). Times are microseconds since the Unix epoch (NULL: not yet);
// flags are 0/1 integers; JSON is text. Node and event rows belong to their execution and go with
// it (ON DELETE CASCADE).
const std::array<Migration, 6> kMigrations = {{
    {1, "executions and their nodes",
     R"sql(
CREATE TABLE executions (
  id TEXT PRIMARY KEY,
  workflow TEXT NOT NULL,
  workflow_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  error_code INTEGER NOT NULL DEFAULT 0,
  error_message TEXT NOT NULL DEFAULT '',
  failed_node TEXT NOT NULL DEFAULT '',
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd $DOUBLE NOT NULL DEFAULT 0,
  idempotency_key TEXT UNIQUE,
  owner TEXT NOT NULL DEFAULT '',
  lease_expires_at BIGINT,
  fencing_token BIGINT NOT NULL DEFAULT 0,
  wake_at BIGINT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  save_policy TEXT NOT NULL,
  restart_policy TEXT NOT NULL,
  stored_output_bytes BIGINT NOT NULL DEFAULT 0,
  output_truncated INTEGER NOT NULL DEFAULT 0,
  input_json TEXT NOT NULL,
  output_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX executions_by_created ON executions (created_at, id);
CREATE INDEX executions_by_workflow ON executions (workflow, created_at);
CREATE TABLE execution_nodes (
  id $SERIAL_KEY,
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  started_at BIGINT,
  finished_at BIGINT,
  items_in BIGINT NOT NULL DEFAULT 0,
  items_out BIGINT NOT NULL DEFAULT 0,
  error_code INTEGER NOT NULL DEFAULT 0,
  error_message TEXT NOT NULL DEFAULT '',
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd $DOUBLE NOT NULL DEFAULT 0,
  output_json TEXT NOT NULL DEFAULT '',
  output_truncated INTEGER NOT NULL DEFAULT 0,
  UNIQUE (execution_id, name)
)
)sql"},
    {2, "event logs, durable timers, and the indexes claims and pruning use",
     R"sql(
CREATE TABLE execution_events (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  sequence BIGINT NOT NULL,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  payload $BYTES NOT NULL,
  PRIMARY KEY (execution_id, sequence)
);
CREATE TABLE execution_timers (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  node TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  PRIMARY KEY (execution_id, node)
);
CREATE INDEX executions_claimable ON executions (status, created_at);
CREATE INDEX executions_by_finished ON executions (finished_at)
)sql"},
    {3, "the execution a retry was made from",
     R"sql(
ALTER TABLE executions ADD COLUMN retry_of TEXT NOT NULL DEFAULT ''
)sql"},
    // Used by PostgreSQL only (shared_route_health_store.h): one row per route, its last shared
    // transition. open_until and published_at are the publishing replica's clock; updated_at is
    // the database's, so that readers ask "what changed since" on one clock.
    {4, "route health shared by replicas",
     R"sql(
CREATE TABLE route_health (
  route TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  open_until BIGINT NOT NULL DEFAULT 0,
  opened_by TEXT NOT NULL DEFAULT '',
  retry_after INTEGER NOT NULL DEFAULT 0,
  failed_probes INTEGER NOT NULL DEFAULT 0,
  replica TEXT NOT NULL DEFAULT '',
  published_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0,
  probe_owner TEXT NOT NULL DEFAULT '',
  probe_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX route_health_by_update ON route_health (updated_at)
)sql"},
    // The indexes that every execution's start and finish update hold only the rows their
    // queries look for: claims look at unfinished executions, pruning at finished ones (a
    // finished execution leaves the first, a new one is not in the second). From this version
    // on, an execution's output_json may also hold a reference to its nodes' outputs
    // (row_codec.h, EncodeOutputReference), which older versions would not read.
    {5, "partial indexes for claims and pruning; final outputs kept as references",
     R"sql(
DROP INDEX executions_claimable;
CREATE INDEX executions_claimable ON executions (status, created_at)
  WHERE status IN ('queued', 'waiting', 'running');
DROP INDEX executions_by_finished;
CREATE INDEX executions_by_finished ON executions (finished_at) WHERE finished_at IS NOT NULL
)sql"},
    // The claimable index's condition without IN: SQLite evaluates a partial index's condition at
    // every insert and update of the table, and an IN list of more than two values costs it an
    // ephemeral b-tree each time (a temporary table built and dropped), a fifth of the store
    // thread's work per execution. The claim queries repeat this exact condition, which is how
    // SQLite sees that they may use the index.
    // folded_rows (SQLite only; NULL on PostgreSQL): the node and event rows written in the same
    // transaction as the execution's finish, kept in its row (sqlite/folded_rows.h).
    {6, "claimable index without an IN list; rows folded into a finished execution's row",
     R"sql(
DROP INDEX executions_claimable;
CREATE INDEX executions_claimable ON executions (status, created_at)
  WHERE status = 'queued' OR status = 'waiting' OR status = 'running';
ALTER TABLE executions ADD COLUMN folded_rows $BYTES
)sql"},
}};

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }
int LatestSchemaVersion() { return kMigrations.back().version; }

std::string MigrationSql(const Migration& migration, SqlDialect dialect) {
  std::string sql = migration.sql;
  bool sqlite = dialect == SqlDialect::kSqlite;
  ReplaceAll(sql, "$SERIAL_KEY",
             sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
  ReplaceAll(sql, "$DOUBLE", sqlite ? "REAL" : "DOUBLE PRECISION");
  ReplaceAll(sql, "$BYTES", sqlite ? "BLOB" : "BYTEA");
  return sql;
}

}  // namespace flowhost::store
