#include "server/store/postgres/postgres_execution_store.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/expr/status_macros.h"
#include "server/store/postgres/postgres_connection.h"
#include "server/store/postgres/postgres_pipeline.h"
#include "server/store/row_codec.h"
#include "server/store/schema_migrations.h"
#include "server/store/shared_route_health_store.h"
#include "server/store/store_core.h"

namespace flowhost::store {
namespace {

using sdk::AsAbsl;

PgParam Text(std::string_view text) { return PgParam{std::string(text), false}; }
PgParam Int(int64_t value) { return PgParam{std::to_string(value), false}; }
PgParam Real(double value) { return PgParam{absl::StrCat(value), false}; }
PgParam OptInt(std::optional<int64_t> value) {
  if (!value) return PgParam{};
  return Int(*value);
}
PgParam Bytes(std::string bytes) { return PgParam{std::move(bytes), true}; }
PgParam ErrorMessage(const absl::Status& status) { return Text(sdk::AsStd(status.message())); }

// Pipelined jobs (each one implicit transaction) in flight at most. The server commits them one
// after another on this connection, each waiting for its own WAL flush: more in flight only cuts
// the queue into smaller transactions, so fewer writes share each sync. With two, one commits
// while the next is sent (hiding the round trip), and under load the queue grows into large
// batches instead; 32 in flight halved StartWorkflow throughput on a synced disk (BENCHMARKS.md,
// "Background executions").
constexpr int kMaxJobsInFlight = 2;

// The database's clock, in microseconds since the epoch: when a shared route row changed.
constexpr char kDatabaseNowMicros[] = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint";
// At most this many shared route rows per read (the route health table's own bound).
constexpr int kMaxSharedRoutesRead = 10'000;
// Shared route rows whose window ended, and that nobody changed, this long ago are pruned.
constexpr absl::Duration kSharedRouteRetention = absl::Hours(24);

int64_t MicrosOrMin(absl::Time time) {
  return time == absl::InfinitePast() ? INT64_MIN : absl::ToUnixMicros(time);
}

// The number in row 0, column `column` of `result`, or 0.
int64_t Scalar(const PgResult& result, int column = 0) {
  if (result == nullptr || PQntuples(result.get()) == 0) return 0;
  return PgRowReader(result.get(), 0).Int(column);
}

absl::Status Refused(const Fence& fence) {
  return absl::AbortedError("execution " + fence.execution_id +
                            " was taken over or deleted since this instance claimed it; the write "
                            "is refused");
}

absl::Status MigrateTo(PGconn* conn, int version, const std::string& what) {
  // Replicas starting together: one migrates, the others wait here and find nothing to do.
  RETURN_IF_ERROR(ExecBlocking(conn, "SELECT pg_advisory_lock(7254011)", what).status());
  auto unlock = [&] { (void)ExecBlocking(conn, "SELECT pg_advisory_unlock(7254011)", what); };
  absl::Status status = [&]() -> absl::Status {
    RETURN_IF_ERROR(ExecBlocking(conn,
                                 "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
                                 "PRIMARY KEY, applied_at BIGINT NOT NULL)",
                                 what)
                        .status());
    ASSIGN_OR_RETURN(
        PgResult current_result,
        ExecBlocking(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version", what));
    int64_t current = Scalar(current_result);
    if (current > LatestSchemaVersion()) {
      return absl::FailedPreconditionError(absl::StrCat(
          what, ": the database is at schema version ", current,
          ", newer than this flowhost knows (", LatestSchemaVersion(), "); upgrade flowhost"));
    }
    for (const Migration& migration : AllMigrations()) {
      if (migration.version <= current || migration.version > version) continue;
      std::string sql =
          absl::StrCat("BEGIN;", MigrationSql(migration, SqlDialect::kPostgres),
                       ";INSERT INTO schema_version (version, applied_at) VALUES (",
                       migration.version, ", ", absl::ToUnixMicros(absl::Now()), ");COMMIT");
      absl::Status applied = ExecBlocking(conn, sql, what).status();
      if (!applied.ok()) {
        (void)ExecBlocking(conn, "ROLLBACK", what);
        return absl::Status(applied.code(),
                            absl::StrCat("schema migration ", migration.version, " (",
                                         migration.description, "): ", applied.message()));
      }
    }
    return absl::OkStatus();
  }();
  unlock();
  return status;
}

class PostgresExecutionStore final : public StoreCore, public SharedRouteHealthStore {
 public:
  PostgresExecutionStore(const std::string& conninfo, const std::string& what, PgConn main,
                         PgConn listen, StoreOptions options)
      : StoreCore(std::move(options), "execution store (" + what + ")"),
        main_(conninfo, what_),
        listen_(conninfo, what_) {
    main_.SetStateListener([this](const absl::Status& status) {
      SetHealth(status);
      if (status.ok()) NotifyWork();  // back after an outage: work may have been queued meanwhile
    });
    listen_.SetStateListener([this](const absl::Status& status) {
      if (!status.ok()) return;
      // Reconnected: listen again, and look for work that was announced meanwhile.
      Listen();
      NotifyWork();
    });
    listen_.SetInputListener([this](PGconn* conn) {
      bool work = false;
      bool routes = false;
      std::vector<std::string> cancelled;
      // This replica's own route publications come back too (they are sent on main_): skip them.
      int own_pid = main_.conn() != nullptr ? PQbackendPID(main_.conn()) : 0;
      while (PGnotify* notify = PQnotifies(conn)) {
        std::string_view payload = notify->extra != nullptr ? notify->extra : "";
        if (std::string_view(notify->relname) == kSharedRouteChannel) {
          routes = routes || notify->be_pid != own_pid;
        } else if (payload.starts_with(kCancelPrefix)) {
          cancelled.emplace_back(payload.substr(std::string_view(kCancelPrefix).size()));
        } else {
          work = true;
        }
        PQfreemem(notify);
      }
      if (work) NotifyWork();
      for (const std::string& id : cancelled) NotifyCancel(id);
      if (routes) NotifySharedRoutes();
    });
    // `listen` already LISTENs (OpenPostgresStore waited for it), so no NOTIFY sent after Open
    // returns is missed.
    (void)main_.Adopt(std::move(main));
    (void)listen_.Adopt(std::move(listen));
    StartThread("fh-store");
  }

  ~PostgresExecutionStore() override { Shutdown(); }

  // --- shared route health (shared_route_health_store.h) ---

  SharedRouteHealthStore* shared_route_health() override { return this; }

  absl::Status PublishSharedRoute(SharedRouteRecord record, DoneCallback done) override {
    return Queue(RoutePublishOp{std::move(record), std::move(done)});
  }

  absl::Status ClaimSharedProbe(std::string route, std::string replica, absl::Time now,
                                absl::Time lease_until, Callback<bool> done) override {
    return Queue(
        RouteClaimOp{std::move(route), std::move(replica), now, lease_until, std::move(done)});
  }

  absl::Status ReadSharedRoutes(absl::Time since, Callback<SharedRoutePage> done) override {
    return Queue(RouteReadOp{since, std::move(done)});
  }

  void SetSharedRouteListener(absl::AnyInvocable<void()> listener) override {
    absl::MutexLock lock(&route_listener_mu_);
    route_listener_ = std::move(listener);
  }

 private:
  void NotifySharedRoutes() {
    absl::MutexLock lock(&route_listener_mu_);
    if (route_listener_) route_listener_();
  }

  // A write ready to send: its statements, and what to make of their results.
  struct Write {
    std::vector<PgStatement> statements;
    // Runs the operation's callback: `status` is the batch's (OK, or why it failed).
    absl::AnyInvocable<void(const absl::Status& status, std::span<PgResult> results) &&> finish;
  };

  void Listen() {
    listen_.Send(PgJob{{PgStatement{absl::StrCat("LISTEN ", kWorkChannel), {}},
                        PgStatement{absl::StrCat("LISTEN ", kSharedRouteChannel), {}}},
                       [](absl::Status, PgResults&) {}});
  }

  void AddPollFds(std::vector<pollfd>& fds) override {
    main_.AddPollFd(fds);
    listen_.AddPollFd(fds);
  }
  void HandlePollFds(std::span<const pollfd> fds) override {
    main_.HandlePoll(fds);
    listen_.HandlePoll(fds);
  }
  absl::Time NextBackendDeadline() override {
    return std::min(main_.next_attempt(), listen_.next_attempt());
  }
  bool CanTakeMore() override {
    return !main_.ready() || main_.in_flight() < static_cast<size_t>(kMaxJobsInFlight);
  }
  bool Busy() override { return main_.in_flight() > 0; }

  // --- writes ---

  void ExecuteWrites(std::span<Operation> ops) override {
    std::vector<Write> writes;
    writes.reserve(ops.size());
    for (Operation& op : ops) {
      writes.push_back(std::visit([this](auto& o) { return Translate(o); }, op));
    }
    // Writes refused before reaching the database (a fence this instance does not hold)
    // complete now; the others go out together.
    std::vector<Write> to_send;
    for (Write& write : writes) {
      if (write.statements.empty()) {
        CountFailed(1);
        std::move(write.finish)(absl::OkStatus(), {});
      } else {
        to_send.push_back(std::move(write));
      }
    }
    if (!to_send.empty()) SendBatch(std::move(to_send), /*split_on_error=*/true);
  }

  void SendBatch(std::vector<Write> writes, bool split_on_error) {
    if (!main_.ready()) {
      absl::Status down = Health();
      if (down.ok()) down = absl::UnavailableError(what_ + ": not connected");
      CountFailed(static_cast<int64_t>(writes.size()));
      for (Write& write : writes) std::move(write.finish)(down, {});
      return;
    }
    PgJob job;
    std::vector<size_t> counts;
    // A batch that may be split keeps its statements, to send each write again alone.
    bool keep = split_on_error && writes.size() > 1;
    for (Write& write : writes) {
      counts.push_back(write.statements.size());
      for (PgStatement& statement : write.statements) {
        job.statements.push_back(keep ? statement : std::move(statement));
      }
    }
    job.done = [this, writes = std::move(writes), counts = std::move(counts), split_on_error](
                   absl::Status status, PgResults& results) mutable {
      if (!status.ok() && split_on_error && writes.size() > 1 &&
          status.code() != absl::StatusCode::kUnavailable) {
        // One write failed and took its batch's transaction with it: send each alone, so
        // only the bad one fails.
        for (Write& write : writes) {
          std::vector<Write> alone;
          alone.push_back(std::move(write));
          SendBatch(std::move(alone), /*split_on_error=*/false);
        }
        return;
      }
      if (status.ok()) {
        CountCommitted(static_cast<int64_t>(writes.size()));
      } else {
        CountFailed(static_cast<int64_t>(writes.size()));
      }
      size_t offset = 0;
      for (size_t i = 0; i < writes.size(); ++i) {
        std::span<PgResult> slice;
        if (offset + counts[i] <= results.size()) slice = {results.data() + offset, counts[i]};
        offset += counts[i];
        std::move(writes[i].finish)(status, slice);
      }
    };
    main_.Send(std::move(job));
  }

  // A write that failed before reaching the database.
  template <typename Done>
  static Write RefusedWrite(Done done, absl::Status status) {
    return Write{
        {}, [done = std::move(done), status](const absl::Status&, std::span<PgResult>) mutable {
          if (done) std::move(done)(status);
        }};
  }

  // Finishes a fenced write whose first statement returns how many executions matched the fence.
  Write Fenced(Fence fence, std::vector<PgStatement> statements, DoneCallback done,
               absl::AnyInvocable<absl::Status(std::span<PgResult>)> after = nullptr) {
    return Write{std::move(statements),
                 [this, fence = std::move(fence), done = std::move(done), after = std::move(after)](
                     const absl::Status& status, std::span<PgResult> results) mutable {
                   absl::Status result = status;
                   if (result.ok()) {
                     if (results.empty() || Scalar(results[0]) == 0) {
                       owned_.Drop(fence);
                       result = Refused(fence);
                     } else if (after) {
                       result = after(results);
                     }
                   }
                   if (done) std::move(done)(result);
                 }};
  }

  Write Translate(CreateOp& op) {
    const NewExecution& e = op.execution;
    std::string input = e.input.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
    if (static_cast<int64_t>(input.size()) > options_.max_input_bytes) {
      return RefusedWrite(
          std::move(op.done),
          absl::InvalidArgumentError(absl::StrCat(
              "execution input is ", input.size(), " bytes, more than the store's cap of ",
              options_.max_input_bytes, " (store.max_input_bytes)")));
    }
    std::string id = e.id.empty() ? NewExecutionId() : e.id;
    absl::Time now = Now();
    ExecutionStatus status = e.claim_now ? ExecutionStatus::kRunning : ExecutionStatus::kQueued;
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        "WITH ins AS (INSERT INTO executions (id, workflow, workflow_hash, status, created_at, "
        "started_at, idempotency_key, owner, lease_expires_at, fencing_token, save_policy, "
        "restart_policy, input_json, retry_of) VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint, $7, "
        "$8, $9::bigint, $10::bigint, $11, $12, $13, $14) ON CONFLICT (idempotency_key) DO NOTHING "
        "RETURNING id, status) SELECT id, status, 1, '', '' FROM ins UNION ALL SELECT id, status, "
        "0, workflow, input_json FROM executions WHERE $7::text IS NOT NULL AND idempotency_key "
        "= $7 AND NOT EXISTS (SELECT 1 FROM ins)",
        {Text(id), Text(e.workflow), Text(e.workflow_hash), Text(ExecutionStatusName(status)),
         Int(absl::ToUnixMicros(now)), e.claim_now ? Int(absl::ToUnixMicros(now)) : PgParam{},
         e.idempotency_key.empty() ? PgParam{} : Text(e.idempotency_key),
         Text(e.claim_now ? owner() : ""),
         e.claim_now ? Int(absl::ToUnixMicros(now + options_.lease)) : PgParam{},
         Int(e.claim_now ? 1 : 0),
         Text(SavePolicyName(e.save_policy.value_or(options_.default_save_policy))),
         Text(RestartPolicyName(e.restart_policy)), Text(input), Text(e.retry_of)}});
    if (!e.claim_now) {
      statements.push_back(
          PgStatement{absl::StrCat("SELECT pg_notify('", kWorkChannel, "', '')"), {}});
    }
    return Write{
        std::move(statements),
        [this, done = std::move(op.done), key = e.idempotency_key, workflow = e.workflow,
         input = std::move(input),
         claim_now = e.claim_now](const absl::Status& status, std::span<PgResult> results) mutable {
          if (!done) return;
          if (!status.ok()) return std::move(done)(status);
          if (results.empty() || results[0] == nullptr || PQntuples(results[0].get()) == 0) {
            return std::move(done)(absl::AbortedError(
                "idempotency key '" + key + "' is being used by a concurrent request; retry"));
          }
          PgRowReader row(results[0].get(), 0);
          CreatedExecution created;
          created.id = row.Text(0);
          created.status = ParseExecutionStatus(row.Text(1)).value_or(ExecutionStatus::kQueued);
          created.created = row.Int(2) == 1;
          if (!created.created) {
            if (row.Text(3) != workflow || row.Text(4) != input) {
              return std::move(done)(absl::AlreadyExistsError(
                  "idempotency key '" + key + "' was already used by execution " + created.id +
                  " with another workflow or input"));
            }
          } else if (claim_now) {
            created.fence = Fence{created.id, 1};
            owned_.Hold(created.id, OwnedExecution{.token = 1,
                                                   .may_have_timers = false,
                                                   .save_policy = std::nullopt,
                                                   .created_here = true});
          }
          std::move(done)(std::move(created));
        }};
  }

  Write Translate(NodeOp& op) {
    absl::StatusOr<OwnedExecution*> owned = owned_.Check(op.fence);
    if (!owned.ok()) return RefusedWrite(std::move(op.done), owned.status());
    const NodeRow& n = op.update.row;
    StoredItems stored;
    bool has_output = op.update.output != nullptr && !op.update.output->empty();
    if (has_output) {
      int64_t remaining = options_.max_output_bytes - (*owned)->output_bytes;
      stored = SerializePortsWithin(*op.update.output, remaining);
      (*owned)->output_bytes += stored.bytes;
    }
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        "WITH f AS (SELECT id FROM executions WHERE id = $1 AND fencing_token = $2::bigint FOR "
        "SHARE), b AS (UPDATE executions SET stored_output_bytes = $17::bigint, output_truncated "
        "= GREATEST(output_truncated, $16::int) WHERE id IN (SELECT id FROM f) AND $19::boolean), "
        "n AS (INSERT INTO execution_nodes (execution_id, name, type, state, attempts, "
        "started_at, finished_at, items_in, items_out, error_code, error_message, prompt_tokens, "
        "completion_tokens, cost_usd, output_json, output_truncated) SELECT id, $3, $4, $5, "
        "$6::int, $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::int, $12, $13::bigint, "
        "$14::bigint, $15::float8, $18, $16::int FROM f ON CONFLICT (execution_id, name) DO "
        "UPDATE SET type = excluded.type, state = excluded.state, attempts = excluded.attempts, "
        "started_at = excluded.started_at, finished_at = excluded.finished_at, items_in = "
        "excluded.items_in, items_out = excluded.items_out, error_code = excluded.error_code, "
        "error_message = excluded.error_message, prompt_tokens = excluded.prompt_tokens, "
        "completion_tokens = excluded.completion_tokens, cost_usd = excluded.cost_usd, "
        "output_json = excluded.output_json, output_truncated = excluded.output_truncated) "
        "SELECT count(*) FROM f",
        {Text(op.fence.execution_id), Int(op.fence.token), Text(n.name), Text(n.type),
         Text(NodeStateName(n.state)), Int(n.attempts), OptInt(ToMicros(n.started_at)),
         OptInt(ToMicros(n.finished_at)), Int(n.items_in), Int(n.items_out),
         Int(static_cast<int64_t>(n.error.code())), ErrorMessage(n.error),
         Int(n.totals.prompt_tokens), Int(n.totals.completion_tokens), Real(n.totals.cost_usd),
         Int(stored.truncated ? 1 : 0), Int((*owned)->output_bytes), Text(stored.json),
         // The execution's row only when the output was cut: its count of stored bytes is written
         // when it finishes (and computed from its nodes when it is claimed).
         Text(stored.truncated ? "true" : "false")}});
    return Fenced(op.fence, std::move(statements), std::move(op.done));
  }

  Write Translate(EventOp& op) {
    absl::StatusOr<OwnedExecution*> owned = owned_.Check(op.fence);
    if (!owned.ok()) return RefusedWrite(std::move(op.done), owned.status());
    if ((*owned)->events_truncated) {
      return RefusedWrite(
          std::move(op.done),
          absl::ResourceExhaustedError(
              absl::StrCat("execution ", op.fence.execution_id, " has stored ",
                           options_.max_events_per_execution,
                           " events (store.max_events_per_execution); later ones are not kept")));
    }
    EventRow event = std::move(op.event);
    bool last_slot = (*owned)->events + 1 >= options_.max_events_per_execution;
    if (last_slot) {
      event = EventRow{event.sequence, event.at, "events_truncated", ""};
      (*owned)->events_truncated = true;
    }
    ++(*owned)->events;
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        "WITH f AS (SELECT id FROM executions WHERE id = $1 AND fencing_token = $2::bigint FOR "
        "SHARE), i AS (INSERT INTO execution_events (execution_id, sequence, at, kind, payload) "
        "SELECT id, $3::bigint, $4::bigint, $5, $6::bytea FROM f ON CONFLICT DO NOTHING RETURNING "
        "1) SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM i)",
        {Text(op.fence.execution_id), Int(op.fence.token), Int(event.sequence),
         Int(ToMicros(event.at).value_or(0)), Text(event.kind), Bytes(std::move(event.payload))}});
    std::string id = op.fence.execution_id;
    int64_t cap = options_.max_events_per_execution;
    return Fenced(
        op.fence, std::move(statements), std::move(op.done),
        [this, fence = op.fence, id, cap, last_slot](std::span<PgResult> results) -> absl::Status {
          if (Scalar(results[0], 1) == 0) {  // a sequence already stored: not counted
            if (absl::StatusOr<OwnedExecution*> held = owned_.Check(fence); held.ok()) {
              --(*held)->events;
            }
          }
          if (last_slot) {
            return absl::ResourceExhaustedError(
                absl::StrCat("execution ", id, " reached ", cap,
                             " events (store.max_events_per_execution); an events_truncated "
                             "marker was stored instead of this event"));
          }
          return absl::OkStatus();
        });
  }

  Write Translate(TimerOp& op) {
    absl::StatusOr<OwnedExecution*> owned = owned_.Check(op.fence);
    if (!owned.ok()) return RefusedWrite(std::move(op.done), owned.status());
    (*owned)->may_have_timers = true;
    std::vector<PgStatement> statements;
    if (op.clear) {
      statements.push_back(PgStatement{
          "WITH f AS (SELECT id FROM executions WHERE id = $1 AND fencing_token = $2::bigint FOR "
          "SHARE), d AS (DELETE FROM execution_timers WHERE execution_id IN (SELECT id FROM f) "
          "AND node = $3) SELECT count(*) FROM f",
          {Text(op.fence.execution_id), Int(op.fence.token), Text(op.timer.node)}});
    } else {
      statements.push_back(PgStatement{
          "WITH f AS (SELECT id FROM executions WHERE id = $1 AND fencing_token = $2::bigint FOR "
          "SHARE), i AS (INSERT INTO execution_timers (execution_id, node, due_at) SELECT id, $3, "
          "$4::bigint FROM f ON CONFLICT (execution_id, node) DO UPDATE SET due_at = "
          "excluded.due_at) SELECT count(*) FROM f",
          {Text(op.fence.execution_id), Int(op.fence.token), Text(op.timer.node),
           Int(ToMicros(op.timer.due_at).value_or(0))}});
    }
    return Fenced(op.fence, std::move(statements), std::move(op.done));
  }

  // An UPDATE of the execution's row under its fence, returning 1 per row changed.
  Write FencedUpdate(const Fence& fence, std::string set, std::vector<PgParam> extra,
                     DoneCallback done, bool notify) {
    absl::StatusOr<OwnedExecution*> owned = owned_.Check(fence);
    if (!owned.ok()) return RefusedWrite(std::move(done), owned.status());
    std::vector<PgParam> params = {Text(fence.execution_id), Int(fence.token)};
    for (PgParam& param : extra) params.push_back(std::move(param));
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        absl::StrCat("WITH u AS (UPDATE executions SET ", set,
                     " WHERE id = $1 AND fencing_token = $2::bigint RETURNING 1) SELECT count(*) "
                     "FROM u"),
        std::move(params)});
    if (notify) {
      statements.push_back(
          PgStatement{absl::StrCat("SELECT pg_notify('", kWorkChannel, "', '')"), {}});
    }
    std::string id = fence.execution_id;
    return Fenced(fence, std::move(statements), std::move(done), [this, id](std::span<PgResult>) {
      owned_.Drop(id);
      return absl::OkStatus();
    });
  }

  Write Translate(ParkOp& op) {
    return FencedUpdate(op.fence,
                        "status = 'waiting', wake_at = $3::bigint, owner = '', lease_expires_at "
                        "= NULL",
                        {Int(ToMicros(op.wake_at).value_or(0))}, std::move(op.done), true);
  }

  Write Translate(ReleaseOp& op) {
    // Requeued: as it was before the claim (it never started). Released: running, with a lease
    // already over, so that the next claim resumes it.
    return FencedUpdate(op.fence,
                        op.requeue ? "status = 'queued', owner = '', lease_expires_at = NULL, "
                                     "started_at = NULL"
                                   : "owner = '', lease_expires_at = 0",
                        {}, std::move(op.done), true);
  }

  Write Translate(FinishOp& op) {
    absl::StatusOr<OwnedExecution*> owned = owned_.Check(op.fence);
    if (!owned.ok()) return RefusedWrite(std::move(op.done), owned.status());
    const ExecutionOutcome& o = op.outcome;
    int64_t remaining = options_.max_output_bytes - (*owned)->output_bytes;
    StoredItems output = SerializeOutcomeWithin(o, remaining);
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        "WITH u AS (UPDATE executions SET status = $3, finished_at = $4::bigint, error_code = "
        "$5::int, error_message = $6, failed_node = $7, prompt_tokens = $8::bigint, "
        "completion_tokens = $9::bigint, cost_usd = $10::float8, output_json = $11, "
        "stored_output_bytes = $12::bigint, output_truncated = "
        "GREATEST(output_truncated, $13::int), owner = '', lease_expires_at = NULL, wake_at = "
        "NULL WHERE id = $1 AND fencing_token = $2::bigint RETURNING 1) SELECT count(*) FROM u",
        {Text(op.fence.execution_id), Int(op.fence.token), Text(ExecutionStatusName(o.status)),
         Int(absl::ToUnixMicros(Now())), Int(static_cast<int64_t>(o.error.code())),
         ErrorMessage(o.error), Text(o.failed_node), Int(o.totals.prompt_tokens),
         Int(o.totals.completion_tokens), Real(o.totals.cost_usd), Text(output.json),
         Int((*owned)->output_bytes + output.bytes), Int(output.truncated ? 1 : 0)}});
    if ((*owned)->may_have_timers) {
      statements.push_back(PgStatement{
          "DELETE FROM execution_timers WHERE execution_id = $1 AND EXISTS (SELECT 1 FROM "
          "executions WHERE id = $1 AND fencing_token = $2::bigint)",
          {Text(op.fence.execution_id), Int(op.fence.token)}});
    }
    // The save policy: drop what is not to be kept (its nodes and events go with it).
    statements.push_back(PgStatement{
        absl::StrCat("DELETE FROM executions WHERE id = $1 AND fencing_token = $2::bigint AND "
                     "status IN ",
                     kFinalStatusesSql,
                     " AND (save_policy = 'none' OR (save_policy = 'failed' AND status = "
                     "'succeeded'))"),
        {Text(op.fence.execution_id), Int(op.fence.token)}});
    std::string id = op.fence.execution_id;
    return Fenced(op.fence, std::move(statements), std::move(op.done),
                  [this, id](std::span<PgResult>) {
                    owned_.Drop(id);
                    return absl::OkStatus();
                  });
  }

  Write Translate(CancelOp& op) {
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        "UPDATE executions SET status = 'cancelled', cancel_requested = 1, finished_at = "
        "$2::bigint, error_code = $3::int, error_message = 'cancelled before it ran', wake_at = "
        "NULL WHERE id = $1 AND status IN ('queued', 'waiting')",
        {Text(op.id), Int(absl::ToUnixMicros(Now())),
         Int(static_cast<int64_t>(absl::StatusCode::kCancelled))}});
    statements.push_back(PgStatement{
        "UPDATE executions SET cancel_requested = 1 WHERE id = $1 AND status = 'running'",
        {Text(op.id)}});
    statements.push_back(PgStatement{"SELECT status FROM executions WHERE id = $1", {Text(op.id)}});
    // The hint to its owner, wherever it runs (RenewLeases reports the flag too, later).
    statements.push_back(PgStatement{
        absl::StrCat("SELECT pg_notify('", kWorkChannel, "', '", kCancelPrefix,
                     "' || id) FROM executions WHERE id = $1 AND status = 'running'"),
        {Text(op.id)}});
    return Write{std::move(statements),
                 [done = std::move(op.done), id = op.id](const absl::Status& status,
                                                         std::span<PgResult> results) mutable {
                   if (!done) return;
                   if (!status.ok()) return std::move(done)(status);
                   if (results.size() < 3 || PQntuples(results[2].get()) == 0) {
                     return std::move(done)(absl::NotFoundError("execution " + id + " not found"));
                   }
                   std::string text = PgRowReader(results[2].get(), 0).Text(0);
                   std::optional<ExecutionStatus> parsed = ParseExecutionStatus(text);
                   if (!parsed) {
                     return std::move(done)(
                         absl::DataLossError("execution " + id + ": unknown status " + text));
                   }
                   std::move(done)(*parsed);
                 }};
  }

  Write Translate(ClaimOp& op) {
    absl::Time now = Now();
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        "WITH c AS (SELECT id, status FROM executions WHERE (status = 'queued' OR status = "
        "'waiting' OR status = 'running') AND (status = 'queued' OR (status = 'waiting' AND wake_at <= $1::bigint) OR "
        "(status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < $1::bigint))) "
        "ORDER BY created_at, id LIMIT $3::int FOR UPDATE SKIP LOCKED) UPDATE executions e SET "
        "status = 'running', owner = $2, lease_expires_at = "
        "$4::bigint, fencing_token = e.fencing_token + 1, started_at = COALESCE(e.started_at, "
        "$1::bigint), wake_at = NULL FROM c WHERE e.id = c.id RETURNING e.id, c.status, "
        "e.fencing_token, GREATEST(e.stored_output_bytes, (SELECT COALESCE(SUM(octet_length("
        "n.output_json)), 0) FROM execution_nodes n WHERE n.execution_id = e.id)), (SELECT "
        "count(*) FROM execution_events v WHERE "
        "v.execution_id = e.id), (SELECT COALESCE(MAX(sequence), 0) FROM execution_events v "
        "WHERE v.execution_id = e.id), e.created_at",
        {Int(absl::ToUnixMicros(now)), Text(owner()), Int(op.max),
         Int(absl::ToUnixMicros(now + options_.lease))}});
    return Write{std::move(statements),
                 [this, done = std::move(op.done)](const absl::Status& status,
                                                   std::span<PgResult> results) mutable {
                   if (!status.ok()) {
                     if (done) std::move(done)(status);
                     return;
                   }
                   std::vector<std::pair<int64_t, Claim>> claims;
                   const PGresult* result = results.empty() ? nullptr : results[0].get();
                   for (int i = 0; result != nullptr && i < PQntuples(result); ++i) {
                     PgRowReader row(result, i);
                     Claim claim;
                     claim.fence = Fence{row.Text(0), row.Int(2)};
                     claim.previous_status =
                         ParseExecutionStatus(row.Text(1)).value_or(ExecutionStatus::kQueued);
                     claim.last_event_sequence = row.Int(5);
                     owned_.Hold(claim.fence.execution_id,
                                 OwnedExecution{.token = claim.fence.token,
                                                .output_bytes = row.Int(3),
                                                .events = row.Int(4),
                                                .events_truncated =
                                                    row.Int(4) >= options_.max_events_per_execution,
                                                .may_have_timers = true,
                                                .save_policy = std::nullopt,
                                                .created_here = false});
                     claims.emplace_back(row.Int(6), std::move(claim));
                   }
                   std::sort(claims.begin(), claims.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
                   std::vector<Claim> sorted;
                   for (auto& [created, claim] : claims) sorted.push_back(std::move(claim));
                   if (done) std::move(done)(std::move(sorted));
                 }};
  }

  Write Translate(RenewOp& op) {
    std::vector<std::string> ids;
    std::vector<std::string> tokens;
    for (const Fence& fence : op.fences) {
      ids.push_back(fence.execution_id);
      tokens.push_back(std::to_string(fence.token));
    }
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        "UPDATE executions e SET lease_expires_at = $1::bigint FROM unnest($2::text[], "
        "$3::bigint[]) AS r(id, token) WHERE e.id = r.id AND e.fencing_token = r.token AND "
        "e.status = 'running' RETURNING e.id, e.cancel_requested",
        {Int(absl::ToUnixMicros(Now() + options_.lease)), Text("{" + absl::StrJoin(ids, ",") + "}"),
         Text("{" + absl::StrJoin(tokens, ",") + "}")}});
    return Write{std::move(statements),
                 [this, done = std::move(op.done), fences = std::move(op.fences)](
                     const absl::Status& status, std::span<PgResult> results) mutable {
                   if (!status.ok()) {
                     if (done) std::move(done)(status);
                     return;
                   }
                   std::map<std::string, bool> renewed;  // id -> cancel requested
                   const PGresult* result = results.empty() ? nullptr : results[0].get();
                   for (int i = 0; result != nullptr && i < PQntuples(result); ++i) {
                     PgRowReader row(result, i);
                     renewed[row.Text(0)] = row.Int(1) != 0;
                   }
                   RenewResult renew;
                   for (const Fence& fence : fences) {
                     auto it = renewed.find(fence.execution_id);
                     if (it == renewed.end() || !owned_.Check(fence).ok()) {
                       renew.lost.push_back(fence.execution_id);
                       owned_.Drop(fence);
                     } else if (it->second) {
                       renew.cancel_requested.push_back(fence.execution_id);
                     }
                   }
                   if (done) std::move(done)(std::move(renew));
                 }};
  }

  Write Translate(PruneOp& op) {
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        absl::StrCat("WITH d AS (DELETE FROM executions WHERE status IN ", kFinalStatusesSql,
                     " AND finished_at < $1::bigint RETURNING 1) SELECT count(*) FROM d"),
        {Int(absl::ToUnixMicros(Now() - options_.retention_max_age))}});
    statements.push_back(PgStatement{
        absl::StrCat("WITH d AS (DELETE FROM executions WHERE id IN (SELECT id FROM executions "
                     "WHERE status IN ",
                     kFinalStatusesSql,
                     " ORDER BY finished_at DESC, id DESC OFFSET $1::bigint) RETURNING 1) SELECT "
                     "count(*) FROM d"),
        {Int(options_.retention_max_count)}});
    // Shared route rows long ended (a route nobody has opened for a day).
    int64_t route_cutoff = absl::ToUnixMicros(Now() - kSharedRouteRetention);
    statements.push_back(PgStatement{
        "DELETE FROM route_health WHERE open_until < $1::bigint AND updated_at < $1::bigint",
        {Int(route_cutoff)}});
    return Write{std::move(statements),
                 [done = std::move(op.done)](const absl::Status& status,
                                             std::span<PgResult> results) mutable {
                   if (!done) return;
                   if (!status.ok()) return std::move(done)(status);
                   PruneResult pruned;
                   if (results.size() >= 2) {
                     pruned.deleted_by_age = Scalar(results[0]);
                     pruned.deleted_by_count = Scalar(results[1]);
                   }
                   std::move(done)(pruned);
                 }};
  }

  // One conditional statement applies the merge rules (shared_route_health_store.h) and notifies
  // the other replicas only when the row changed.
  Write Translate(RoutePublishOp& op) {
    const SharedRouteRecord& r = op.record;
    std::vector<PgStatement> statements;
    if (r.open) {
      statements.push_back(PgStatement{
          absl::StrCat(
              "WITH u AS (INSERT INTO route_health (route, state, open_until, opened_by, "
              "retry_after, failed_probes, replica, published_at, updated_at) VALUES ($1, 'open', "
              "$2::bigint, $3, $4::int, $5::int, $6, $7::bigint, ",
              kDatabaseNowMicros,
              ") ON CONFLICT (route) DO UPDATE SET state = 'open', open_until = "
              "excluded.open_until, opened_by = excluded.opened_by, retry_after = "
              "excluded.retry_after, failed_probes = excluded.failed_probes, replica = "
              "excluded.replica, published_at = excluded.published_at, updated_at = "
              "excluded.updated_at, probe_owner = '', probe_until = 0 WHERE route_health.state "
              "<> 'open' OR route_health.open_until < excluded.open_until RETURNING 1) SELECT "
              "pg_notify('",
              kSharedRouteChannel, "', '') FROM u"),
          {Text(r.route), Int(MicrosOrMin(r.open_until)), Text(r.opened_by),
           Int(r.retry_after ? 1 : 0), Int(r.failed_probes), Text(r.replica),
           Int(MicrosOrMin(r.at))}});
    } else {
      statements.push_back(PgStatement{
          absl::StrCat("WITH u AS (UPDATE route_health SET state = 'closed', open_until = 0, "
                       "opened_by = '', retry_after = 0, failed_probes = 0, replica = $2, "
                       "published_at = $3::bigint, probe_owner = '', probe_until = 0, "
                       "updated_at = ",
                       kDatabaseNowMicros,
                       " WHERE route = $1 AND state = 'open' AND open_until <= $3::bigint "
                       "RETURNING 1) SELECT pg_notify('",
                       kSharedRouteChannel, "', '') FROM u"),
          {Text(r.route), Text(r.replica), Int(MicrosOrMin(r.at))}});
    }
    return Write{std::move(statements), [done = std::move(op.done)](const absl::Status& status,
                                                                    std::span<PgResult>) mutable {
                   if (done) std::move(done)(status);
                 }};
  }

  // Granted when the conditional UPDATE took the claim, or when the route has no row at all.
  Write Translate(RouteClaimOp& op) {
    std::vector<PgStatement> statements;
    statements.push_back(PgStatement{
        "WITH u AS (UPDATE route_health SET probe_owner = $2, probe_until = $4::bigint WHERE "
        "route = $1 AND state = 'open' AND open_until <= $3::bigint AND (probe_owner = '' OR "
        "probe_owner = $2 OR probe_until <= $3::bigint) RETURNING 1) SELECT (SELECT count(*) FROM "
        "u) + (CASE WHEN EXISTS (SELECT 1 FROM route_health WHERE route = $1) THEN 0 ELSE 1 END)",
        {Text(op.route), Text(op.replica), Int(MicrosOrMin(op.now)),
         Int(MicrosOrMin(op.lease_until))}});
    return Write{std::move(statements),
                 [done = std::move(op.done)](const absl::Status& status,
                                             std::span<PgResult> results) mutable {
                   if (!done) return;
                   if (!status.ok()) return std::move(done)(status);
                   std::move(done)(!results.empty() && Scalar(results[0]) > 0);
                 }};
  }

  template <typename ReadOp>
  Write Translate(ReadOp& op) {
    return RefusedWrite(std::move(op.done), absl::InternalError("a read was batched with writes"));
  }

  // --- reads ---

  void ExecuteRead(Operation& op) override {
    if (!main_.ready()) {
      absl::Status down = Health();
      FailOperation(op, down.ok() ? absl::UnavailableError(what_ + ": not connected") : down);
      return;
    }
    if (auto* get = std::get_if<GetOp>(&op)) {
      SendRead(GetStatements(*get),
               [id = get->id, options = get->options, done = std::move(get->done)](
                   absl::Status status, PgResults& results) mutable {
                 if (!status.ok()) return std::move(done)(status);
                 std::move(done)(DecodeGet(id, options, results));
               });
    } else if (auto* list = std::get_if<ListOp>(&op)) {
      absl::StatusOr<PgStatement> statement = ListStatement(list->query);
      if (!statement.ok()) return std::move(list->done)(statement.status());
      SendRead({std::move(*statement)},
               [page_size = list->query.page_size, done = std::move(list->done)](
                   absl::Status status, PgResults& results) mutable {
                 if (!status.ok()) return std::move(done)(status);
                 std::move(done)(DecodeList(page_size, results));
               });
    } else if (auto* events = std::get_if<EventsOp>(&op)) {
      SendRead(
          {PgStatement{"SELECT 1 FROM executions WHERE id = $1", {Text(events->id)}},
           PgStatement{"SELECT sequence, at, kind, payload FROM execution_events WHERE "
                       "execution_id = $1 AND sequence >= $2::bigint ORDER BY sequence LIMIT "
                       "$3::int",
                       {Text(events->id), Int(events->first_sequence), Int(events->max_events)}}},
          [id = events->id, done = std::move(events->done)](absl::Status status,
                                                            PgResults& results) mutable {
            if (!status.ok()) return std::move(done)(status);
            if (PQntuples(results[0].get()) == 0) {
              return std::move(done)(absl::NotFoundError("execution " + id + " not found"));
            }
            std::vector<EventRow> rows;
            for (int i = 0; i < PQntuples(results[1].get()); ++i) {
              PgRowReader row(results[1].get(), i);
              rows.push_back(
                  EventRow{row.Int(0), absl::FromUnixMicros(row.Int(1)), row.Text(2), row.Text(3)});
            }
            std::move(done)(std::move(rows));
          });
    } else if (auto* routes = std::get_if<RouteReadOp>(&op)) {
      SendRead(
          {PgStatement{absl::StrCat("SELECT ", kDatabaseNowMicros), {}},
           PgStatement{"SELECT route, state, open_until, opened_by, retry_after, failed_probes, "
                       "replica, published_at FROM route_health WHERE updated_at > $1::bigint "
                       "ORDER BY updated_at, route LIMIT $2::int",
                       {Int(MicrosOrMin(routes->since)), Int(kMaxSharedRoutesRead)}}},
          [done = std::move(routes->done)](absl::Status status, PgResults& results) mutable {
            if (!status.ok()) return std::move(done)(status);
            if (results.size() != 2 || results[1] == nullptr) {
              return std::move(done)(absl::InternalError("shared route health: no result"));
            }
            SharedRoutePage page;
            page.read_at = absl::FromUnixMicros(Scalar(results[0]));
            for (int i = 0; i < PQntuples(results[1].get()); ++i) {
              PgRowReader row(results[1].get(), i);
              SharedRouteRecord record;
              record.route = row.Text(0);
              record.open = row.Text(1) == "open";
              record.open_until = absl::FromUnixMicros(row.Int(2));
              record.opened_by = row.Text(3);
              record.retry_after = row.Int(4) != 0;
              record.failed_probes = static_cast<int>(row.Int(5));
              record.replica = row.Text(6);
              record.at = absl::FromUnixMicros(row.Int(7));
              page.routes.push_back(std::move(record));
            }
            std::move(done)(std::move(page));
          });
    }
  }

  void SendRead(std::vector<PgStatement> statements,
                absl::AnyInvocable<void(absl::Status, PgResults&) &&> done) {
    main_.Send(PgJob{std::move(statements), std::move(done)});
  }

  static std::vector<PgStatement> GetStatements(const GetOp& get) {
    std::vector<PgStatement> statements;
    statements.push_back(
        PgStatement{absl::StrCat("SELECT ", kExecutionColumns, " FROM executions WHERE id = $1"),
                    {Text(get.id)}});
    statements.push_back(PgStatement{
        absl::StrCat("SELECT ", kNodeColumns,
                     " FROM execution_nodes WHERE execution_id = $1 AND $2::boolean ORDER BY id"),
        // (with items, for an output kept as a reference to the nodes' outputs)
        {Text(get.id), Text(get.options.with_nodes || get.options.with_items ? "true" : "false")}});
    statements.push_back(PgStatement{
        "SELECT node, due_at FROM execution_timers WHERE execution_id = $1 ORDER BY due_at, node",
        {Text(get.id)}});
    statements.push_back(PgStatement{
        "SELECT COALESCE(MAX(sequence), 0) FROM execution_events WHERE execution_id = $1",
        {Text(get.id)}});
    return statements;
  }

  static absl::StatusOr<ExecutionDetail> DecodeGet(const std::string& id, const GetOptions& options,
                                                   PgResults& results) {
    if (results.size() != 4 || PQntuples(results[0].get()) == 0) {
      return absl::NotFoundError("execution " + id + " not found");
    }
    ExecutionDetail detail;
    ASSIGN_OR_RETURN(detail.execution,
                     DecodeExecution(PgRowReader(results[0].get(), 0), /*with_texts=*/true));
    if (!options.with_items) detail.execution.output_json.clear();
    for (int i = 0; i < PQntuples(results[1].get()); ++i) {
      ASSIGN_OR_RETURN(NodeRow node,
                       DecodeNode(PgRowReader(results[1].get(), i), id, options.with_items));
      detail.nodes.push_back(std::move(node));
    }
    if (options.with_items) RETURN_IF_ERROR(ResolveOutputReference(detail.execution, detail.nodes));
    if (!options.with_nodes) detail.nodes.clear();
    for (int i = 0; i < PQntuples(results[2].get()); ++i) {
      PgRowReader row(results[2].get(), i);
      detail.timers.push_back(TimerRow{row.Text(0), absl::FromUnixMicros(row.Int(1))});
    }
    detail.last_event_sequence = Scalar(results[3]);
    return detail;
  }

  static absl::StatusOr<PgStatement> ListStatement(const ListQuery& q) {
    PgStatement statement;
    statement.sql = absl::StrCat("SELECT ", kExecutionSummaryColumns,
                                 " FROM executions WHERE created_at > $1::bigint AND created_at < "
                                 "$2::bigint AND ($3::text = '' OR workflow = $3)");
    statement.params = {Int(ToMicros(q.created_after).value_or(INT64_MIN)),
                        Int(ToMicros(q.created_before).value_or(INT64_MIN)), Text(q.workflow),
                        Int(int64_t{q.page_size} + 1)};
    if (!q.page_token.empty()) {
      ASSIGN_OR_RETURN(auto after, DecodePageToken(q.page_token));
      statement.sql += " AND (created_at, id) < ($5::bigint, $6)";
      statement.params.push_back(Int(after.first));
      statement.params.push_back(Text(after.second));
    }
    if (!q.statuses.empty()) {
      statement.sql += " AND status IN (";
      for (size_t i = 0; i < q.statuses.size(); ++i) {
        absl::StrAppend(&statement.sql, i ? ", '" : "'", AsAbsl(ExecutionStatusName(q.statuses[i])),
                        "'");
      }
      statement.sql += ")";
    }
    statement.sql += " ORDER BY created_at DESC, id DESC LIMIT $4::int";
    return statement;
  }

  static absl::StatusOr<ExecutionPage> DecodeList(int page_size, PgResults& results) {
    ExecutionPage page;
    const PGresult* result = results.empty() ? nullptr : results[0].get();
    for (int i = 0; result != nullptr && i < PQntuples(result); ++i) {
      ASSIGN_OR_RETURN(ExecutionRow row,
                       DecodeExecution(PgRowReader(result, i), /*with_texts=*/false));
      page.executions.push_back(std::move(row));
    }
    if (static_cast<int>(page.executions.size()) > page_size) {
      page.executions.pop_back();
      const ExecutionRow& last = page.executions.back();
      page.next_page_token = EncodePageToken(last.created_at, last.id);
    }
    return page;
  }

  PgPipeline main_;
  PgPipeline listen_;
  absl::Mutex route_listener_mu_;
  absl::AnyInvocable<void()> route_listener_ ABSL_GUARDED_BY(route_listener_mu_);
};

}  // namespace

absl::Status MigratePostgresDatabase(const std::string& url, int version) {
  ASSIGN_OR_RETURN(std::string what, DescribeConninfo(url));
  ASSIGN_OR_RETURN(PgConn conn, ConnectBlocking(url, "execution store (" + what + ")"));
  return MigrateTo(conn.get(), version, "execution store (" + what + ")");
}

absl::StatusOr<ExecutionStorePtr> OpenPostgresStore(const std::string& url, StoreOptions options) {
  ASSIGN_OR_RETURN(std::string what, DescribeConninfo(url));
  std::string label = "execution store (" + what + ")";
  ASSIGN_OR_RETURN(PgConn main, ConnectBlocking(url, label));
  RETURN_IF_ERROR(MigrateTo(main.get(), LatestSchemaVersion(), label));
  ASSIGN_OR_RETURN(PgConn listen, ConnectBlocking(url, label));
  RETURN_IF_ERROR(
      ExecBlocking(listen.get(),
                   absl::StrCat("LISTEN ", kWorkChannel, ";LISTEN ", kSharedRouteChannel), label)
          .status());
  return std::make_unique<PostgresExecutionStore>(url, what, std::move(main), std::move(listen),
                                                  std::move(options));
}

}  // namespace flowhost::store
