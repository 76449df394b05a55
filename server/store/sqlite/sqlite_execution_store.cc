#include "server/store/sqlite/sqlite_execution_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/expr/status_macros.h"
#include "server/store/row_codec.h"
#include "server/store/schema_migrations.h"
#include "server/store/sqlite/folded_rows.h"
#include "server/store/sqlite/sqlite_connection.h"
#include "server/store/store_core.h"

namespace flowhost::store {
namespace {

absl::Status MigrateTo(SqliteConnection& db, int version) {
  RETURN_IF_ERROR(db.Execute(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT "
      "NOT NULL)"));
  int64_t current = 0;
  {
    ASSIGN_OR_RETURN(auto query, db.Query("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
    ASSIGN_OR_RETURN(auto row, query->Step());
    if (row) current = query->Int(0);
  }
  if (current > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "execution store (sqlite ", db.path(), "): the database is at schema version ", current,
        ", newer than this flowhost knows (", LatestSchemaVersion(), "); upgrade flowhost"));
  }
  for (const Migration& migration : AllMigrations()) {
    if (migration.version <= current || migration.version > version) continue;
    RETURN_IF_ERROR(db.Execute("BEGIN IMMEDIATE"));
    absl::Status status = db.Execute(MigrationSql(migration, SqlDialect::kSqlite));
    if (status.ok()) {
      ASSIGN_OR_RETURN(
          auto insert,
          db.Query("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)"));
      insert->Bind(1, int64_t{migration.version}).Bind(2, absl::ToUnixMicros(absl::Now()));
      status = insert->Run();
    }
    if (status.ok()) status = db.Execute("COMMIT");
    if (!status.ok()) {
      (void)db.Execute("ROLLBACK");
      return absl::Status(status.code(),
                          absl::StrCat("schema migration ", migration.version, " (",
                                       migration.description, "): ", status.message()));
    }
  }
  return absl::OkStatus();
}

// Where Get's query has folded_rows: after kExecutionColumns' 26 columns.
constexpr int kFoldedRowsColumn = 26;

class SqliteExecutionStore final : public StoreCore {
 public:
  SqliteExecutionStore(std::unique_ptr<SqliteConnection> db, int lock_fd, StoreOptions options,
                       absl::Duration commit_interval)
      : StoreCore(std::move(options), "execution store (sqlite " + db->path() + ")"),
        db_(std::move(db)),
        lock_fd_(lock_fd),
        commit_interval_(commit_interval) {
    StartThread("fh-store");
  }

  ~SqliteExecutionStore() override {
    Shutdown();
    db_.reset();
    if (lock_fd_ >= 0) close(lock_fd_);  // releases the lock
  }

 private:
  // Runs once the batch's transaction has committed (or failed: then `commit` is its error).
  using Completion = absl::AnyInvocable<void(const absl::Status& commit) &&>;

  template <typename T>
  static Completion Complete(Callback<T> done, absl::StatusOr<T> result) {
    return
        [done = std::move(done), result = std::move(result)](const absl::Status& commit) mutable {
          if (!done) return;
          if (!commit.ok() && result.ok()) {
            std::move(done)(commit);
          } else {
            std::move(done)(std::move(result));
          }
        };
  }
  static Completion CompleteDone(DoneCallback done, absl::Status result) {
    return
        [done = std::move(done), result = std::move(result)](const absl::Status& commit) mutable {
          if (!done) return;
          std::move(done)(result.ok() ? commit : result);
        };
  }

  // Runs `run` for `op` and sets the completion that reports its result after the commit.
  template <typename Op, typename Run>
  static absl::Status ApplyWith(Op& op, Completion& completion, Run run) {
    auto result = run();
    if constexpr (std::is_same_v<decltype(result), absl::Status>) {
      completion = CompleteDone(std::move(op.done), result);
      return result;
    } else {
      absl::Status status = result.status();
      completion = Complete(std::move(op.done), std::move(result));
      return status;
    }
  }

  void ExecuteWrites(std::span<Operation> writes) override {
    std::vector<Completion> completions;
    completions.reserve(writes.size());
    int64_t failed = 0;
    bool notify_work = false;
    absl::Status begin = db_->Run("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (Operation& op : writes) FailOperation(op, begin);
      CountFailed(static_cast<int64_t>(writes.size()));
      return;
    }
    const std::vector<bool> superseded = SupersededWrites(writes);
    const Folds folds = PlanFolds(writes, superseded);
    for (size_t i = 0; i < writes.size(); ++i) {
      Operation& op = writes[i];
      if (superseded[i] || folds.into[i] >= 0) {
        completions.push_back(nullptr);  // a folded write's is set with its execution's finish
        continue;
      }
      const bool savepoint = WritesSeveralStatements(op);
      if (savepoint) (void)db_->Run("SAVEPOINT w");
      Completion completion;
      absl::Status status;
      if (auto it = folds.folded.find(i); it != folds.folded.end()) {
        auto& finish = std::get<FinishOp>(op);
        status = FinishFolding(finish, writes, it->second);
        completion = CompleteDone(std::move(finish.done), status);
        for (size_t j : it->second) {
          std::visit(
              [&](auto& o) {
                if constexpr (requires { o.done; }) {
                  if constexpr (std::is_same_v<decltype(o.done), DoneCallback>) {
                    completions[j] = CompleteDone(std::move(o.done), status);
                  }
                }
              },
              writes[j]);
        }
      } else {
        status = std::visit([&](auto& o) { return Apply(o, completion, notify_work); }, op);
      }
      if (!status.ok()) ++failed;
      if (savepoint) {
        if (!status.ok()) (void)db_->Run("ROLLBACK TO w");
        (void)db_->Run("RELEASE w");
      }
      completions.push_back(std::move(completion));
    }
    absl::Status commit = db_->Run("COMMIT");
    if (!commit.ok()) {
      (void)db_->Run("ROLLBACK");
      // What this batch claimed or changed in memory may not be in the database: drop it, so
      // the callers claim again.
      for (Operation& op : writes) ForgetTouched(op);
      failed = static_cast<int64_t>(writes.size());
    }
    CountFailed(failed);
    if (static_cast<size_t>(failed) < writes.size()) {
      CountCommitted(static_cast<int64_t>(writes.size()) - failed);
    }
    for (Completion& completion : completions) {
      if (completion) std::move(completion)(commit);
    }
    if (notify_work && commit.ok()) NotifyWork();
  }

  // The writes of `writes` that a later one of the same transaction replaces before anyone can
  // see them (reads run between transactions): a node's `running` row, without a callback,
  // followed by the same node's next row (usually its result, when the node was quick).
  static std::vector<bool> SupersededWrites(std::span<Operation> writes) {
    std::vector<bool> superseded(writes.size(), false);
    absl::flat_hash_set<std::pair<std::string_view, std::string_view>> later;
    for (size_t i = writes.size(); i-- > 0;) {
      const auto* node = std::get_if<NodeOp>(&writes[i]);
      if (node == nullptr) continue;
      std::pair<std::string_view, std::string_view> key{node->fence.execution_id,
                                                        node->update.row.name};
      if (node->update.row.state == NodeState::kRunning && !node->done && later.contains(key)) {
        superseded[i] = true;
      }
      later.insert(key);
    }
    return superseded;
  }

  // Which node and event writes of `writes` go into their execution's row (folded_rows.h): those
  // of an execution that this instance created and that a finish later in the same batch ends,
  // under the same fence, with nothing else written for it in between (a timer, a park) and its
  // event cap not reached. They would be committed by this same transaction anyway.
  struct Folds {
    std::vector<int64_t> into;  // per write: the index of the finish it is folded into, or -1
    absl::flat_hash_map<size_t, std::vector<size_t>> folded;  // finish index -> folded writes
  };
  Folds PlanFolds(std::span<Operation> writes, const std::vector<bool>& superseded) {
    Folds folds;
    folds.into.assign(writes.size(), -1);
    struct Candidate {
      int64_t token = 0;
      bool spoiled = false;
      int64_t events = 0;
      std::vector<size_t> writes;
    };
    absl::flat_hash_map<std::string_view, Candidate> open;
    for (size_t i = 0; i < writes.size(); ++i) {
      std::visit(
          [&](auto& o) {
            using Op = std::decay_t<decltype(o)>;
            if constexpr (requires { o.fence; }) {
              Candidate& c = open[o.fence.execution_id];
              if (c.writes.empty() && c.token == 0) c.token = o.fence.token;
              if (c.token != o.fence.token) c.spoiled = true;
              if constexpr (std::is_same_v<Op, NodeOp> || std::is_same_v<Op, EventOp>) {
                if (!superseded[i]) c.writes.push_back(i);
                if constexpr (std::is_same_v<Op, EventOp>) ++c.events;
              } else if constexpr (std::is_same_v<Op, FinishOp>) {
                absl::StatusOr<OwnedExecution*> owned = owned_.Check(o.fence);
                if (!c.spoiled && !c.writes.empty() && owned.ok() && (*owned)->created_here &&
                    !(*owned)->events_truncated &&
                    (*owned)->events + c.events + 1 < options_.max_events_per_execution) {
                  for (size_t j : c.writes) folds.into[j] = static_cast<int64_t>(i);
                  folds.folded[i] = std::move(c.writes);
                }
                open.erase(o.fence.execution_id);
              } else {
                c.spoiled = true;
              }
            }
          },
          writes[i]);
    }
    return folds;
  }

  // Whether `op` may change the database with more than one statement, so that a failure after
  // the first must be undone with a savepoint. A single statement that fails changes nothing
  // (SQLite undoes a failed statement by itself), so the common writes (an event, a node that
  // starts, a new execution) skip the savepoint's two statements.
  bool WritesSeveralStatements(const Operation& op) {
    if (std::holds_alternative<EventOp>(op) || std::holds_alternative<CreateOp>(op) ||
        std::holds_alternative<TimerOp>(op) || std::holds_alternative<CancelOp>(op)) {
      return false;
    }
    // A node's row, then (only when its output was cut) the execution's truncation flag: a
    // failure between the two leaves a flag that is merely early, so no savepoint either.
    if (std::holds_alternative<NodeOp>(op)) return false;
    // Finishing an execution that has no timers to delete, and that its policy keeps: one UPDATE.
    if (const auto* finish = std::get_if<FinishOp>(&op)) {
      absl::StatusOr<OwnedExecution*> owned = owned_.Check(finish->fence);
      return !owned.ok() || (*owned)->may_have_timers ||
             (*owned)->save_policy != std::optional<SavePolicy>(SavePolicy::kAll);
    }
    return true;
  }

  void ForgetTouched(Operation& op) {
    std::visit(
        [this](auto& o) {
          if constexpr (requires { o.fence; }) owned_.Drop(o.fence.execution_id);
        },
        op);
  }

  // Checks `fence` against what this instance holds. That is the whole truth here: the file lock
  // makes this store the database's only writer, so no other instance can have claimed the
  // execution since, and this one drops what it finishes and re-holds what it claims again under
  // the new token (the PostgreSQL store also asks the database).
  absl::StatusOr<OwnedExecution*> CheckFence(const Fence& fence) { return owned_.Check(fence); }

  // --- writes ---

  absl::Status Apply(CreateOp& op, Completion& completion, bool& notify_work) {
    return ApplyWith(op, completion, [&] {
      absl::StatusOr<CreatedExecution> result = Create(op.execution);
      if (result.ok() && result->created && !op.execution.claim_now) notify_work = true;
      return result;
    });
  }

  absl::StatusOr<CreatedExecution> Create(const NewExecution& e) {
    std::string input = e.input.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
    if (static_cast<int64_t>(input.size()) > options_.max_input_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("execution input is ", input.size(), " bytes, more than the store's cap of ",
                       options_.max_input_bytes, " (store.max_input_bytes)"));
    }
    if (!e.idempotency_key.empty()) {
      ASSIGN_OR_RETURN(auto query,
                       db_->Query("SELECT id, workflow, input_json, status FROM executions WHERE "
                                  "idempotency_key = ?1"));
      query->Bind(1, e.idempotency_key);
      ASSIGN_OR_RETURN(auto row, query->Step());
      if (row) {
        CreatedExecution existing;
        existing.id = query->Text(0);
        if (query->Text(1) != e.workflow || query->Text(2) != input) {
          return absl::AlreadyExistsError("idempotency key '" + e.idempotency_key +
                                          "' was already used by execution " + existing.id +
                                          " with another workflow or input");
        }
        existing.created = false;
        existing.status = ParseExecutionStatus(query->Text(3)).value_or(ExecutionStatus::kQueued);
        return existing;
      }
    }
    CreatedExecution created;
    created.id = e.id.empty() ? NewExecutionId() : e.id;
    absl::Time now = Now();
    created.status = e.claim_now ? ExecutionStatus::kRunning : ExecutionStatus::kQueued;
    ASSIGN_OR_RETURN(
        auto insert,
        db_->Query("INSERT INTO executions (id, workflow, workflow_hash, status, created_at, "
                   "started_at, idempotency_key, owner, lease_expires_at, fencing_token, "
                   "save_policy, restart_policy, input_json, retry_of) VALUES (?1, ?2, ?3, ?4, ?5, "
                   "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"));
    insert->Bind(1, created.id).Bind(2, e.workflow).Bind(3, e.workflow_hash);
    insert->Bind(4, ExecutionStatusName(created.status)).Bind(5, absl::ToUnixMicros(now));
    if (e.idempotency_key.empty()) {
      insert->BindNull(7);
    } else {
      insert->Bind(7, e.idempotency_key);
    }
    if (e.claim_now) {
      insert->Bind(6, absl::ToUnixMicros(now)).Bind(8, owner());
      insert->Bind(9, absl::ToUnixMicros(now + options_.lease)).Bind(10, int64_t{1});
    } else {
      insert->BindNull(6).Bind(8, std::string_view()).BindNull(9).Bind(10, int64_t{0});
    }
    insert->Bind(11, SavePolicyName(e.save_policy.value_or(options_.default_save_policy)));
    insert->Bind(12, RestartPolicyName(e.restart_policy)).Bind(13, input).Bind(14, e.retry_of);
    RETURN_IF_ERROR(insert->Run());
    if (e.claim_now) {
      created.fence = Fence{created.id, 1};
      owned_.Hold(created.id,
                  OwnedExecution{.token = 1,
                                 .may_have_timers = false,
                                 .save_policy = e.save_policy.value_or(options_.default_save_policy),
                                 .created_here = true});
    }
    return created;
  }

  absl::Status Apply(NodeOp& op, Completion& completion, bool&) {
    return ApplyWith(op, completion, [&] { return RecordNode(op); });
  }

  absl::Status RecordNode(NodeOp& op) {
    ASSIGN_OR_RETURN(auto owned, CheckFence(op.fence));
    const NodeRow& n = op.update.row;
    std::string output;
    bool truncated = false;
    if (op.update.output != nullptr && !op.update.output->empty()) {
      int64_t remaining = options_.max_output_bytes - owned->output_bytes;
      StoredItems stored = SerializePortsWithin(*op.update.output, remaining);
      owned->output_bytes += stored.bytes;
      output = std::move(stored.json);
      truncated = stored.truncated;
    }
    ASSIGN_OR_RETURN(
        auto upsert,
        db_->Query(
            "INSERT INTO execution_nodes (execution_id, name, type, state, attempts, started_at, "
            "finished_at, items_in, items_out, error_code, error_message, prompt_tokens, "
            "completion_tokens, cost_usd, output_json, output_truncated) VALUES (?1, ?2, ?3, ?4, "
            "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (execution_id, "
            "name) DO UPDATE SET type = excluded.type, state = excluded.state, attempts = "
            "excluded.attempts, started_at = excluded.started_at, finished_at = "
            "excluded.finished_at, items_in = excluded.items_in, items_out = excluded.items_out, "
            "error_code = excluded.error_code, error_message = excluded.error_message, "
            "prompt_tokens = excluded.prompt_tokens, completion_tokens = "
            "excluded.completion_tokens, cost_usd = excluded.cost_usd, output_json = "
            "excluded.output_json, output_truncated = excluded.output_truncated"));
    upsert->Bind(1, op.fence.execution_id).Bind(2, n.name).Bind(3, n.type);
    upsert->Bind(4, NodeStateName(n.state)).Bind(5, int64_t{n.attempts});
    upsert->Bind(6, ToMicros(n.started_at)).Bind(7, ToMicros(n.finished_at));
    upsert->Bind(8, n.items_in).Bind(9, n.items_out);
    upsert->Bind(10, static_cast<int64_t>(n.error.code()))
        .Bind(11, std::string_view(n.error.message().data(), n.error.message().size()));
    upsert->Bind(12, n.totals.prompt_tokens).Bind(13, n.totals.completion_tokens);
    upsert->Bind(14, n.totals.cost_usd).Bind(15, output).Bind(16, int64_t{truncated ? 1 : 0});
    RETURN_IF_ERROR(upsert->Run());
    // The execution's count of stored bytes is written when it finishes (and computed from its
    // nodes when it is claimed): one statement less per node. Its truncation shows at once.
    if (truncated) {
      upsert.reset();
      ASSIGN_OR_RETURN(auto update,
                       db_->Query("UPDATE executions SET stored_output_bytes = ?2, "
                                  "output_truncated = 1 WHERE id = ?1"));
      update->Bind(1, op.fence.execution_id).Bind(2, owned->output_bytes);
      RETURN_IF_ERROR(update->Run());
    }
    return absl::OkStatus();
  }

  absl::Status Apply(EventOp& op, Completion& completion, bool&) {
    bool marker_stored = false;
    absl::Status status = AppendEvent(op, marker_stored);
    completion = CompleteDone(std::move(op.done), status);
    // The marker that replaced the event is kept although the event is refused.
    return marker_stored ? absl::OkStatus() : status;
  }

  absl::Status AppendEvent(EventOp& op, bool& marker_stored) {
    ASSIGN_OR_RETURN(auto owned, CheckFence(op.fence));
    if (owned->events_truncated) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "execution ", op.fence.execution_id, " has stored ", options_.max_events_per_execution,
          " events (store.max_events_per_execution); later ones are not kept"));
    }
    EventRow event = std::move(op.event);
    bool last_slot = owned->events + 1 >= options_.max_events_per_execution;
    if (last_slot) {
      event = EventRow{event.sequence, event.at, "events_truncated", ""};
      owned->events_truncated = true;
    }
    ASSIGN_OR_RETURN(
        auto insert,
        db_->Query("INSERT OR IGNORE INTO execution_events (execution_id, sequence, at, "
                   "kind, payload) VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert->Bind(1, op.fence.execution_id).Bind(2, event.sequence).Bind(3, ToMicros(event.at));
    insert->Bind(4, event.kind).BindBlob(5, event.payload);
    RETURN_IF_ERROR(insert->Run());
    owned->events += db_->Changes();
    if (last_slot) {
      marker_stored = true;
      return absl::ResourceExhaustedError(absl::StrCat(
          "execution ", op.fence.execution_id, " reached ", options_.max_events_per_execution,
          " events (store.max_events_per_execution); an events_truncated marker was stored "
          "instead of this event"));
    }
    return absl::OkStatus();
  }

  absl::Status Apply(TimerOp& op, Completion& completion, bool&) {
    return ApplyWith(op, completion, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(auto owned, CheckFence(op.fence));
      owned->may_have_timers = true;
      if (op.clear) {
        ASSIGN_OR_RETURN(
            auto query,
            db_->Query("DELETE FROM execution_timers WHERE execution_id = ?1 AND node = ?2"));
        query->Bind(1, op.fence.execution_id).Bind(2, op.timer.node);
        return query->Run();
      }
      ASSIGN_OR_RETURN(
          auto query,
          db_->Query("INSERT INTO execution_timers (execution_id, node, due_at) VALUES (?1, "
                     "?2, ?3) ON CONFLICT (execution_id, node) DO UPDATE SET due_at = "
                     "excluded.due_at"));
      query->Bind(1, op.fence.execution_id).Bind(2, op.timer.node);
      query->Bind(3, ToMicros(op.timer.due_at).value_or(0));
      return query->Run();
    });
  }

  absl::Status Apply(ParkOp& op, Completion& completion, bool&) {
    return ApplyWith(op, completion, [&]() -> absl::Status {
      RETURN_IF_ERROR(CheckFence(op.fence).status());
      ASSIGN_OR_RETURN(
          auto query,
          db_->Query("UPDATE executions SET status = 'waiting', wake_at = ?2, owner = '', "
                     "lease_expires_at = NULL WHERE id = ?1"));
      query->Bind(1, op.fence.execution_id).Bind(2, ToMicros(op.wake_at).value_or(0));
      RETURN_IF_ERROR(query->Run());
      owned_.Drop(op.fence.execution_id);
      return absl::OkStatus();
    });
  }

  absl::Status Apply(ReleaseOp& op, Completion& completion, bool& notify_work) {
    return ApplyWith(op, completion, [&]() -> absl::Status {
      RETURN_IF_ERROR(CheckFence(op.fence).status());
      // Requeued: as it was before the claim (it never started). Released: running, with a
      // lease already over, so that the next claim resumes it.
      ASSIGN_OR_RETURN(auto query,
                       db_->Query(op.requeue ? "UPDATE executions SET status = 'queued', owner = "
                                               "'', lease_expires_at = NULL, started_at = NULL "
                                               "WHERE id = ?1"
                                             : "UPDATE executions SET owner = '', "
                                               "lease_expires_at = 0 WHERE id = ?1"));
      query->Bind(1, op.fence.execution_id);
      RETURN_IF_ERROR(query->Run());
      owned_.Drop(op.fence.execution_id);
      notify_work = true;
      return absl::OkStatus();
    });
  }

  absl::Status Apply(FinishOp& op, Completion& completion, bool&) {
    return ApplyWith(op, completion, [&] { return FinishFolding(op, {}, {}); });
  }

  // The rows of `folded` (node and event writes of `writes`, in order; PlanFolds) as they would
  // have been written one by one: a node's later write replaces its earlier one, an event's
  // sequence number is kept once, output items count against the execution's cap.
  std::string FoldRows(OwnedExecution& owned, std::span<Operation> writes,
                       std::span<const size_t> folded, bool& truncated) {
    std::vector<NodeRow> nodes;
    std::vector<EventRow> events;
    for (size_t j : folded) {
      if (auto* node = std::get_if<NodeOp>(&writes[j])) {
        NodeRow row = std::move(node->update.row);
        row.output_json.clear();
        row.output_truncated = false;
        if (node->update.output != nullptr && !node->update.output->empty()) {
          int64_t remaining = options_.max_output_bytes - owned.output_bytes;
          StoredItems stored = SerializePortsWithin(*node->update.output, remaining);
          owned.output_bytes += stored.bytes;
          row.output_json = std::move(stored.json);
          row.output_truncated = stored.truncated;
          truncated = truncated || stored.truncated;
        }
        auto same = std::find_if(nodes.begin(), nodes.end(),
                                 [&](const NodeRow& n) { return n.name == row.name; });
        if (same != nodes.end()) {
          *same = std::move(row);
        } else {
          nodes.push_back(std::move(row));
        }
      } else if (auto* event = std::get_if<EventOp>(&writes[j])) {
        auto same = std::find_if(events.begin(), events.end(), [&](const EventRow& e) {
          return e.sequence == event->event.sequence;
        });
        if (same == events.end()) events.push_back(std::move(event->event));
      }
    }
    std::sort(events.begin(), events.end(),
              [](const EventRow& a, const EventRow& b) { return a.sequence < b.sequence; });
    owned.events += static_cast<int64_t>(events.size());
    return EncodeFoldedRows(nodes, events);
  }

  absl::Status FinishFolding(FinishOp& op, std::span<Operation> writes,
                             std::span<const size_t> folded) {
    ASSIGN_OR_RETURN(auto owned, CheckFence(op.fence));
    const ExecutionOutcome& o = op.outcome;
    bool nodes_truncated = false;
    std::string folded_rows;
    if (!folded.empty()) folded_rows = FoldRows(*owned, writes, folded, nodes_truncated);
    int64_t remaining = options_.max_output_bytes - owned->output_bytes;
    StoredItems output = SerializeOutcomeWithin(o, remaining);
    ASSIGN_OR_RETURN(
        auto update,
        db_->Query("UPDATE executions SET status = ?2, finished_at = ?3, error_code = ?4, "
                   "error_message = ?5, failed_node = ?6, prompt_tokens = ?7, completion_tokens = "
                   "?8, cost_usd = ?9, output_json = ?10, stored_output_bytes = ?11, "
                   "output_truncated = MAX(output_truncated, ?12), "
                   "owner = '', lease_expires_at = NULL, wake_at = NULL, folded_rows = ?13 "
                   "WHERE id = ?1"));
    update->Bind(1, op.fence.execution_id).Bind(2, ExecutionStatusName(o.status));
    update->Bind(3, absl::ToUnixMicros(Now())).Bind(4, static_cast<int64_t>(o.error.code()));
    update->Bind(5, std::string_view(o.error.message().data(), o.error.message().size()));
    update->Bind(6, o.failed_node).Bind(7, o.totals.prompt_tokens);
    update->Bind(8, o.totals.completion_tokens).Bind(9, o.totals.cost_usd);
    update->Bind(10, output.json).Bind(11, owned->output_bytes + output.bytes);
    update->Bind(12, int64_t{output.truncated || nodes_truncated ? 1 : 0});
    if (folded_rows.empty()) {
      update->BindNull(13);
    } else {
      update->BindBlob(13, folded_rows);
    }
    RETURN_IF_ERROR(update->Run());
    update.reset();
    // The policy is known from the creation or claim; RETURNING would cost an ephemeral table per
    // finish (SQLite builds one to hold the returned rows).
    std::optional<SavePolicy> save = owned->save_policy;
    if (!save) {
      ASSIGN_OR_RETURN(auto query, db_->Query("SELECT save_policy FROM executions WHERE id = ?1"));
      query->Bind(1, op.fence.execution_id);
      ASSIGN_OR_RETURN(auto row, query->Step());
      save = ParseSavePolicy(row ? query->Text(0) : "all");
    }
    const bool may_have_timers = owned->may_have_timers;
    owned_.Drop(op.fence.execution_id);
    if (may_have_timers) {
      ASSIGN_OR_RETURN(auto timers,
                       db_->Query("DELETE FROM execution_timers WHERE execution_id = ?1"));
      timers->Bind(1, op.fence.execution_id);
      RETURN_IF_ERROR(timers->Run());
    }
    bool drop = save == SavePolicy::kNone ||
                (save == SavePolicy::kFailedOnly && o.status == ExecutionStatus::kSucceeded);
    if (drop) {
      ASSIGN_OR_RETURN(auto erase, db_->Query("DELETE FROM executions WHERE id = ?1"));
      erase->Bind(1, op.fence.execution_id);
      RETURN_IF_ERROR(erase->Run());
    }
    return absl::OkStatus();
  }

  absl::Status Apply(CancelOp& op, Completion& completion, bool&) {
    return ApplyWith(op, completion, [&] { return Cancel(op.id); });
  }

  absl::StatusOr<ExecutionStatus> Cancel(const std::string& id) {
    ASSIGN_OR_RETURN(auto query, db_->Query("SELECT status FROM executions WHERE id = ?1"));
    query->Bind(1, id);
    ASSIGN_OR_RETURN(auto row, query->Step());
    if (!row) return absl::NotFoundError("execution " + id + " not found");
    std::optional<ExecutionStatus> status = ParseExecutionStatus(query->Text(0));
    query.reset();
    if (!status) return absl::DataLossError("execution " + id + ": unknown status");
    if (IsFinal(*status)) return *status;
    if (*status == ExecutionStatus::kRunning) {
      ASSIGN_OR_RETURN(auto flag,
                       db_->Query("UPDATE executions SET cancel_requested = 1 WHERE id = ?1"));
      flag->Bind(1, id);
      RETURN_IF_ERROR(flag->Run());
      return *status;
    }
    ASSIGN_OR_RETURN(auto cancel,
                     db_->Query("UPDATE executions SET status = 'cancelled', cancel_requested = 1, "
                                "finished_at = ?2, error_code = ?3, error_message = ?4, wake_at = "
                                "NULL WHERE id = ?1"));
    cancel->Bind(1, id).Bind(2, absl::ToUnixMicros(Now()));
    cancel->Bind(3, static_cast<int64_t>(absl::StatusCode::kCancelled));
    cancel->Bind(4, std::string_view("cancelled before it ran"));
    RETURN_IF_ERROR(cancel->Run());
    return ExecutionStatus::kCancelled;
  }

  absl::Status Apply(ClaimOp& op, Completion& completion, bool&) {
    return ApplyWith(op, completion, [&] { return ClaimSome(op.max); });
  }

  absl::StatusOr<std::vector<Claim>> ClaimSome(int max) {
    absl::Time now = Now();
    std::vector<Claim> claims;
    std::vector<int64_t> output_bytes;
    std::vector<std::optional<SavePolicy>> save_policies;
    {
      // One process holds the database, so another owner's running execution is an orphan.
      ASSIGN_OR_RETURN(
          auto query,
          db_->Query("SELECT id, status, MAX(stored_output_bytes, (SELECT COALESCE(SUM(LENGTH(CAST("
                     "n.output_json AS BLOB))), 0) FROM execution_nodes n WHERE n.execution_id = "
                     "executions.id)), save_policy FROM executions WHERE (status = 'queued' OR "
                     "status = 'waiting' OR status = 'running') AND (status = 'queued' OR (status = "
                     "'waiting' AND wake_at <= ?1) OR (status = 'running' AND (owner <> ?2 OR "
                     "lease_expires_at IS NULL OR lease_expires_at < ?1))) ORDER BY created_at, "
                     "id LIMIT ?3"));
      query->Bind(1, absl::ToUnixMicros(now)).Bind(2, owner()).Bind(3, int64_t{max});
      for (;;) {
        ASSIGN_OR_RETURN(auto row, query->Step());
        if (!row) break;
        Claim claim;
        claim.fence.execution_id = query->Text(0);
        claim.previous_status =
            ParseExecutionStatus(query->Text(1)).value_or(ExecutionStatus::kQueued);
        claims.push_back(std::move(claim));
        output_bytes.push_back(query->Int(2));
        save_policies.push_back(ParseSavePolicy(query->Text(3)));
      }
    }
    for (size_t i = 0; i < claims.size(); ++i) {
      Claim& claim = claims[i];
      ASSIGN_OR_RETURN(
          auto update,
          db_->Query("UPDATE executions SET status = 'running', owner = ?2, "
                     "lease_expires_at = ?3, fencing_token = fencing_token + 1, "
                     "started_at = COALESCE(started_at, ?4), wake_at = NULL WHERE id = ?1 "
                     "RETURNING fencing_token"));
      update->Bind(1, claim.fence.execution_id).Bind(2, owner());
      update->Bind(3, absl::ToUnixMicros(now + options_.lease)).Bind(4, absl::ToUnixMicros(now));
      ASSIGN_OR_RETURN(auto row, update->Step());
      if (!row) return absl::InternalError("claimed execution vanished");
      claim.fence.token = update->Int(0);
      update.reset();
      ASSIGN_OR_RETURN(
          auto events,
          db_->Query("SELECT COUNT(*), COALESCE(MAX(sequence), 0) FROM execution_events "
                     "WHERE execution_id = ?1"));
      events->Bind(1, claim.fence.execution_id);
      ASSIGN_OR_RETURN(auto event_row, events->Step());
      int64_t count = event_row ? events->Int(0) : 0;
      claim.last_event_sequence = event_row ? events->Int(1) : 0;
      owned_.Hold(claim.fence.execution_id,
                  OwnedExecution{.token = claim.fence.token,
                                 .output_bytes = output_bytes[i],
                                 .events = count,
                                 .events_truncated = count >= options_.max_events_per_execution,
                                 .save_policy = save_policies[i]});
    }
    return claims;
  }

  absl::Status Apply(RenewOp& op, Completion& completion, bool&) {
    return ApplyWith(op, completion, [&] { return Renew(op.fences); });
  }

  absl::StatusOr<RenewResult> Renew(const std::vector<Fence>& fences) {
    RenewResult result;
    int64_t until = absl::ToUnixMicros(Now() + options_.lease);
    for (const Fence& fence : fences) {
      ASSIGN_OR_RETURN(
          auto query,
          db_->Query("UPDATE executions SET lease_expires_at = ?3 WHERE id = ?1 AND "
                     "fencing_token = ?2 AND status = 'running' RETURNING cancel_requested"));
      query->Bind(1, fence.execution_id).Bind(2, fence.token).Bind(3, until);
      ASSIGN_OR_RETURN(auto row, query->Step());
      if (!row || !owned_.Check(fence).ok()) {
        result.lost.push_back(fence.execution_id);
        owned_.Drop(fence);
      } else if (query->Int(0) != 0) {
        result.cancel_requested.push_back(fence.execution_id);
      }
    }
    return result;
  }

  absl::Status Apply(PruneOp& op, Completion& completion, bool&) {
    return ApplyWith(op, completion, [&] { return PruneFinished(); });
  }

  absl::StatusOr<PruneResult> PruneFinished() {
    PruneResult result;
    ASSIGN_OR_RETURN(auto by_age,
                     db_->Query(absl::StrCat("DELETE FROM executions WHERE status IN ",
                                             kFinalStatusesSql, " AND finished_at < ?1")));
    by_age->Bind(1, absl::ToUnixMicros(Now() - options_.retention_max_age));
    RETURN_IF_ERROR(by_age->Run());
    result.deleted_by_age = db_->Changes();
    by_age.reset();
    ASSIGN_OR_RETURN(
        auto by_count,
        db_->Query(absl::StrCat("DELETE FROM executions WHERE id IN (SELECT id FROM executions "
                                "WHERE status IN ",
                                kFinalStatusesSql,
                                " ORDER BY finished_at DESC, id DESC LIMIT -1 OFFSET ?1)")));
    by_count->Bind(1, options_.retention_max_count);
    RETURN_IF_ERROR(by_count->Run());
    result.deleted_by_count = db_->Changes();
    return result;
  }

  // Route health is shared only by a store that several processes share (PostgreSQL); this
  // store never offers it (shared_route_health() is null), so nothing queues this.
  absl::Status Apply(RoutePublishOp& op, Completion& completion, bool&) {
    absl::Status status =
        absl::UnimplementedError("the SQLite store serves one process: route health is not shared");
    completion = CompleteDone(std::move(op.done), status);
    return status;
  }
  absl::Status Apply(RouteClaimOp& op, Completion& completion, bool&) {
    absl::Status status =
        absl::UnimplementedError("the SQLite store serves one process: route health is not shared");
    completion = Complete<bool>(std::move(op.done), status);
    return status;
  }

  // Reads never reach ExecuteWrites (StoreCore splits them out).
  template <typename ReadOp>
  absl::Status Apply(ReadOp& op, Completion& completion, bool&) {
    absl::Status status = absl::InternalError("a read was batched with writes");
    completion = [done = std::move(op.done), status](const absl::Status&) mutable {
      std::move(done)(status);
    };
    return status;
  }

  // --- reads ---

  void ExecuteRead(Operation& op) override {
    if (auto* get = std::get_if<GetOp>(&op)) {
      std::move(get->done)(Get(get->id, get->options));
    } else if (auto* list = std::get_if<ListOp>(&op)) {
      std::move(list->done)(List(list->query));
    } else if (auto* events = std::get_if<EventsOp>(&op)) {
      std::move(events->done)(Events(events->id, events->first_sequence, events->max_events));
    } else {
      FailOperation(op, absl::UnimplementedError(
                            "the SQLite store serves one process: route health is not shared"));
    }
  }

  absl::StatusOr<ExecutionDetail> Get(const std::string& id, const GetOptions& options) {
    ExecutionDetail detail;
    FoldedRows folded;
    {
      ASSIGN_OR_RETURN(auto query,
                       db_->Query(absl::StrCat("SELECT ", kExecutionColumns,
                                               ", folded_rows FROM executions WHERE id = ?1")));
      query->Bind(1, id);
      ASSIGN_OR_RETURN(auto row, query->Step());
      if (!row) return absl::NotFoundError("execution " + id + " not found");
      ASSIGN_OR_RETURN(auto execution, DecodeExecution(*query, /*with_texts=*/true));
      detail.execution = std::move(execution);
      if (!options.with_items) detail.execution.output_json.clear();
      ASSIGN_OR_RETURN(folded, DecodeFoldedRows(query->Text(kFoldedRowsColumn), id));
    }
    // An output kept as a reference to the nodes' outputs is read from their rows.
    const bool output_from_nodes =
        options.with_items && IsOutputReference(detail.execution.output_json);
    if (options.with_nodes || output_from_nodes) {
      ASSIGN_OR_RETURN(
          auto query,
          db_->Query(absl::StrCat("SELECT ", kNodeColumns,
                                  " FROM execution_nodes WHERE execution_id = ?1 ORDER BY id")));
      query->Bind(1, id);
      for (;;) {
        ASSIGN_OR_RETURN(auto row, query->Step());
        if (!row) break;
        ASSIGN_OR_RETURN(auto node, DecodeNode(*query, id, options.with_items));
        detail.nodes.push_back(std::move(node));
      }
      if (!options.with_items) {
        for (NodeRow& node : folded.nodes) node.output_json.clear();
      }
      MergeFoldedNodes(detail.nodes, std::move(folded.nodes));
      if (output_from_nodes) {
        RETURN_IF_ERROR(ResolveOutputReference(detail.execution, detail.nodes));
        if (!options.with_nodes) detail.nodes.clear();
      }
    }
    {
      ASSIGN_OR_RETURN(auto query, db_->Query("SELECT node, due_at FROM execution_timers WHERE "
                                              "execution_id = ?1 ORDER BY due_at, node"));
      query->Bind(1, id);
      for (;;) {
        ASSIGN_OR_RETURN(auto row, query->Step());
        if (!row) break;
        detail.timers.push_back(TimerRow{query->Text(0), absl::FromUnixMicros(query->Int(1))});
      }
    }
    ASSIGN_OR_RETURN(auto last,
                     db_->Query("SELECT COALESCE(MAX(sequence), 0) FROM execution_events WHERE "
                                "execution_id = ?1"));
    last->Bind(1, id);
    ASSIGN_OR_RETURN(auto row, last->Step());
    if (row) detail.last_event_sequence = last->Int(0);
    if (!folded.events.empty()) {
      detail.last_event_sequence =
          std::max(detail.last_event_sequence, folded.events.back().sequence);
    }
    return detail;
  }

  absl::StatusOr<ExecutionPage> List(const ListQuery& q) {
    std::string sql = absl::StrCat("SELECT ", kExecutionSummaryColumns,
                                   " FROM executions WHERE created_at > ?1 AND created_at < ?2");
    if (!q.workflow.empty()) sql += " AND workflow = ?3";
    std::pair<int64_t, std::string> after{INT64_MAX, ""};
    if (!q.page_token.empty()) {
      ASSIGN_OR_RETURN(auto token, DecodePageToken(q.page_token));
      after = token;
      sql += " AND (created_at, id) < (?4, ?5)";
    }
    if (!q.statuses.empty()) {
      sql += " AND status IN (";
      for (size_t i = 0; i < q.statuses.size(); ++i) {
        absl::StrAppend(&sql, i ? ", '" : "'", sdk::AsAbsl(ExecutionStatusName(q.statuses[i])),
                        "'");
      }
      sql += ")";
    }
    sql += " ORDER BY created_at DESC, id DESC LIMIT ?6";
    ASSIGN_OR_RETURN(auto query, db_->Query(sql));
    query->Bind(1, ToMicros(q.created_after).value_or(INT64_MIN));
    query->Bind(2, ToMicros(q.created_before).value_or(INT64_MIN));
    if (!q.workflow.empty()) query->Bind(3, q.workflow);
    if (!q.page_token.empty()) query->Bind(4, after.first).Bind(5, after.second);
    query->Bind(6, int64_t{q.page_size} + 1);
    ExecutionPage page;
    for (;;) {
      ASSIGN_OR_RETURN(auto row, query->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(auto execution, DecodeExecution(*query, /*with_texts=*/false));
      page.executions.push_back(std::move(execution));
    }
    if (static_cast<int>(page.executions.size()) > q.page_size) {
      page.executions.pop_back();
      const ExecutionRow& last = page.executions.back();
      page.next_page_token = EncodePageToken(last.created_at, last.id);
    }
    return page;
  }

  absl::StatusOr<std::vector<EventRow>> Events(const std::string& id, int64_t first, int max) {
    FoldedRows folded;
    {
      ASSIGN_OR_RETURN(auto exists,
                       db_->Query("SELECT folded_rows FROM executions WHERE id = ?1"));
      exists->Bind(1, id);
      ASSIGN_OR_RETURN(auto row, exists->Step());
      if (!row) return absl::NotFoundError("execution " + id + " not found");
      ASSIGN_OR_RETURN(folded, DecodeFoldedRows(exists->Text(0), id));
    }
    ASSIGN_OR_RETURN(auto query,
                     db_->Query("SELECT sequence, at, kind, payload FROM execution_events WHERE "
                                "execution_id = ?1 AND sequence >= ?2 ORDER BY sequence LIMIT ?3"));
    query->Bind(1, id).Bind(2, first).Bind(3, int64_t{max});
    std::vector<EventRow> events;
    for (;;) {
      ASSIGN_OR_RETURN(auto row, query->Step());
      if (!row) break;
      events.push_back(EventRow{query->Int(0), absl::FromUnixMicros(query->Int(1)), query->Text(2),
                                query->Text(3)});
    }
    // The folded events follow the table's (they were the execution's last), but keep to
    // sequence order and to a sequence number stored once either way.
    for (EventRow& event : folded.events) {
      if (event.sequence < first) continue;
      bool stored = std::any_of(events.begin(), events.end(),
                                [&](const EventRow& e) { return e.sequence == event.sequence; });
      if (!stored) events.push_back(std::move(event));
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const EventRow& a, const EventRow& b) { return a.sequence < b.sequence; });
    if (static_cast<int64_t>(events.size()) > max) events.resize(static_cast<size_t>(max));
    return events;
  }

  absl::Duration CommitInterval() const override { return commit_interval_; }

  std::unique_ptr<SqliteConnection> db_;
  int lock_fd_;
  const absl::Duration commit_interval_;
};

absl::StatusOr<std::unique_ptr<SqliteConnection>> OpenConfigured(const std::string& path,
                                                                 int64_t max_database_bytes,
                                                                 bool sync_every_commit) {
  ASSIGN_OR_RETURN(auto db, SqliteConnection::Open(path));
  // Commits that survive the process (synchronous=NORMAL in WAL mode), or power loss too (FULL:
  // the WAL is synced at every commit, which batching keeps rare); foreign keys for the cascades;
  // a wait rather than an error when a backup holds a lock.
  RETURN_IF_ERROR(db->Execute("PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(
      db->Execute(sync_every_commit ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  // A 2 MB page cache (SQLite's default size, ~500 pages) holds the hot pages: the tails of the
  // tables and indexes the writes append to, and their interior pages. A larger one costs at every
  // commit: SQLite walks its whole page-cache hash table when it ends a write transaction
  // (pcache1's truncate), which with 32 MiB was 8 % of the store thread; what more it kept was
  // read back from the kernel's cache for 1 %. A WAL of up to ~16 MiB between checkpoints lets a
  // page that many commits touch be copied back to the database once, not at every checkpoint.
  RETURN_IF_ERROR(db->Execute("PRAGMA cache_size=-2000"));
  RETURN_IF_ERROR(db->Execute("PRAGMA wal_autocheckpoint=4000"));
  RETURN_IF_ERROR(db->Execute("PRAGMA foreign_keys=ON"));
  RETURN_IF_ERROR(db->Execute("PRAGMA busy_timeout=5000"));
  if (max_database_bytes > 0) {
    ASSIGN_OR_RETURN(auto page_size, db->Query("PRAGMA page_size"));
    ASSIGN_OR_RETURN(auto row, page_size->Step());
    int64_t bytes_per_page = row ? page_size->Int(0) : 4096;
    page_size.reset();
    RETURN_IF_ERROR(db->Execute(absl::StrCat(
        "PRAGMA max_page_count=", std::max<int64_t>(1, max_database_bytes / bytes_per_page))));
  }
  return db;
}

}  // namespace

std::string SqliteDatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "flowhost.db").string();
}

absl::Status MigrateSqliteDatabase(const std::string& path, int version) {
  ASSIGN_OR_RETURN(auto db, OpenConfigured(path, 0, /*sync_every_commit=*/true));
  return MigrateTo(*db, version);
}

absl::StatusOr<ExecutionStorePtr> OpenSqliteStore(const SqliteStoreOptions& sqlite,
                                                  StoreOptions options) {
  std::error_code error;
  std::filesystem::create_directories(sqlite.data_dir, error);
  if (error) {
    return absl::UnavailableError("execution store: cannot create the data directory '" +
                                  sqlite.data_dir + "': " + error.message());
  }
  std::string path = SqliteDatabasePath(sqlite.data_dir);
  std::string lock_path = path + ".lock";
  int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    return absl::UnavailableError("execution store: cannot open '" + lock_path +
                                  "': " + std::strerror(errno));
  }
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    close(lock_fd);
    return absl::FailedPreconditionError(
        "execution store: the data directory '" + sqlite.data_dir +
        "' is in use by another flowhost process (it holds " + lock_path +
        "); SQLite serves one process: give each its own data_dir, or use store.backend: "
        "postgres for replicas");
  }
  auto db = OpenConfigured(path, sqlite.max_database_bytes, sqlite.sync_every_commit);
  absl::Status status = db.status();
  if (status.ok()) status = MigrateTo(**db, LatestSchemaVersion());
  if (!status.ok()) {
    close(lock_fd);
    return status;
  }
  return std::make_unique<SqliteExecutionStore>(std::move(*db), lock_fd, std::move(options),
                                                sqlite.commit_interval);
}

}  // namespace flowhost::store
