#include "server/service/execution_recorder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/service/execution_events.h"

namespace flowhost::service {
namespace {

store::NodeState NodeStateOf(executor::NodeStatus status) {
  switch (status) {
    case executor::NodeStatus::kNotRun:
      return store::NodeState::kNotRun;
    case executor::NodeStatus::kRunning:
      return store::NodeState::kRunning;
    case executor::NodeStatus::kSucceeded:
      return store::NodeState::kSucceeded;
    case executor::NodeStatus::kFailed:
      return store::NodeState::kFailed;
    case executor::NodeStatus::kSkipped:
      return store::NodeState::kSkipped;
    case executor::NodeStatus::kDisabled:
      return store::NodeState::kDisabled;
    case executor::NodeStatus::kCancelled:
      return store::NodeState::kCancelled;
  }
  return store::NodeState::kNotRun;
}

store::ExecutionStatus OutcomeOf(const absl::Status& status) {
  if (status.ok()) return store::ExecutionStatus::kSucceeded;
  if (status.code() == absl::StatusCode::kCancelled) return store::ExecutionStatus::kCancelled;
  return store::ExecutionStatus::kFailed;
}

// The status with its message scrubbed of secrets (it is stored, and shown by GetExecution).
absl::Status Scrubbed(const absl::Status& status, const common::SecretScrubber& scrubber) {
  if (status.ok()) return status;
  return absl::Status(status.code(), scrubber.Scrub(sdk::AsStd(status.message())));
}

}  // namespace

// ---- Recording ----

Recording::Recording(ExecutionRecorder& recorder, std::string id, workflow::WorkflowPtr workflow,
                     std::shared_ptr<executor::ExecutionObserver> inner,
                     store::SavePolicy save_policy, bool write_reused,
                     int64_t last_event_sequence)
    : recorder_(recorder),
      id_(std::move(id)),
      workflow_(std::move(workflow)),
      inner_(std::move(inner)),
      save_policy_(save_policy),
      write_reused_(write_reused),
      next_sequence_(last_event_sequence + 1) {}

Recording::~Recording() = default;

std::optional<store::Fence> Recording::fence() const {
  absl::MutexLock lock(&mu_);
  if (failed_) return std::nullopt;
  return fence_;
}

void Recording::Created(absl::StatusOr<store::CreatedExecution> created) {
  absl::MutexLock lock(&mu_);
  if (failed_) return;
  if (!created.ok()) return FailLocked(created.status());
  if (!created->fence.has_value()) {
    // Only an idempotency key returns an execution this call did not create, and synchronous runs
    // have none; an async start never gets here without a fence.
    return FailLocked(absl::InternalError(
        absl::StrCat("the store created execution ", created->id, " without a fence")));
  }
  fence_ = created->fence;
  std::vector<Write> held = std::move(held_);
  held_.clear();
  for (Write& write : held) {
    absl::Status queued = std::move(write)(recorder_.store(), *fence_);
    if (!queued.ok()) return FailLocked(queued);
  }
}

void Recording::Attach(std::shared_ptr<executor::ExecutionHandle> handle) {
  absl::Status cancel;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    handle_ = handle;
    cancel = pending_cancel_;
  }
  if (!cancel.ok()) handle->Cancel(std::move(cancel));
}

bool Recording::Cancel(absl::Status reason) {
  {
    // A real cancellation wins over a park in progress: the execution then ends.
    absl::MutexLock lock(&mu_);
    park_at_.reset();
    cancelled_ = true;
  }
  return Stop(std::move(reason));
}

bool Recording::Release(absl::Status reason) {
  {
    absl::MutexLock lock(&mu_);
    if (!background_ || workflow_->restart_policy != workflow::RestartPolicy::kResume ||
        failed_ || finished_ || cancelled_ || park_at_.has_value() || !fence_.has_value()) {
      return false;
    }
    released_ = true;
  }
  return Stop(std::move(reason));
}

bool Recording::Stop(absl::Status reason) {
  std::shared_ptr<executor::ExecutionHandle> handle;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    if (handle_ == nullptr) {
      pending_cancel_ = reason;
      return true;
    }
    handle = handle_;
  }
  // Outside the lock: cancelling may deliver the execution's last events to this observer.
  handle->Cancel(std::move(reason));
  return true;
}

void Recording::LogStarted(absl::Time started) {
  Log("execution_started", ExecutionStartedEventBytes(id_, workflow_->name, started));
}

void Recording::Log(std::string_view kind, std::string payload, bool output_in_row) {
  store::EventRow row;
  row.at = absl::Now();
  row.kind = output_in_row ? kFinishedOutputInRowKind : kind;
  row.payload = std::move(payload);
  absl::MutexLock lock(&mu_);
  if (failed_) return;
  row.sequence = next_sequence_++;
  if (batch_events_) {
    if (batched_.empty()) batched_first_ = row.sequence;
    batched_.push_back(HeldEvent{std::move(row.payload), output_in_row});
    return;
  }
  SubmitEventLocked(std::move(row));
}

void Recording::SubmitEventLocked(store::EventRow row) {
  SubmitLocked([row = std::move(row), &recorder = recorder_, id = id_](
                   store::ExecutionStore& store, const store::Fence& fence) mutable {
    if (!recorder.listened()) return store.AppendEvent(fence, std::move(row));
    return store.AppendEvent(fence, std::move(row), [&recorder, id](absl::Status committed) {
      if (committed.ok()) recorder.EventsCommitted(id);
    });
  });
}

void Recording::BatchEvents() {
  absl::MutexLock lock(&mu_);
  batch_events_ = true;
}

void Recording::StopBatchingEvents() {
  absl::MutexLock lock(&mu_);
  batch_events_ = false;
  FlushEventsLocked();
}

void Recording::FlushEventsLocked() {
  if (batched_.empty() || failed_) return;
  store::EventRow row;
  row.sequence = batched_first_ + static_cast<int64_t>(batched_.size()) - 1;
  row.at = absl::Now();
  row.kind = std::string(kEventBatchKind);
  row.payload = EncodeEventBatch(batched_first_, batched_);
  batched_.clear();
  SubmitEventLocked(std::move(row));
}

bool Recording::Park(std::string_view node, absl::Time wake_at, sdk::Scheduler& scheduler) {
  bool first = false;
  {
    absl::MutexLock lock(&mu_);
    if (failed_ || finished_ || cancelled_ || !fence_.has_value()) return false;
    store::TimerRow timer{std::string(node), wake_at};
    SubmitLocked([timer = std::move(timer)](store::ExecutionStore& store,
                                            const store::Fence& fence) mutable {
      return store.SetTimer(fence, std::move(timer));
    });
    if (failed_) return false;
    first = !park_at_.has_value();
    park_at_ = first ? wake_at : std::min(*park_at_, wake_at);
  }
  if (first) {
    scheduler.Post([self = shared_from_this(), wake_at] {
      self->Stop(absl::CancelledError(absl::StrCat(
          "parked on a durable timer until ", absl::FormatTime(wake_at, absl::UTCTimeZone()))));
    });
  }
  return true;
}

void Recording::Submit(Write write) {
  absl::MutexLock lock(&mu_);
  SubmitLocked(std::move(write));
}

void Recording::SubmitLocked(Write write) {
  if (failed_) return;
  if (!fence_.has_value()) {
    held_.push_back(std::move(write));
    return;
  }
  absl::Status queued = std::move(write)(recorder_.store(), *fence_);
  if (!queued.ok()) FailLocked(queued);
}

void Recording::FailLocked(const absl::Status& error) {
  if (failed_) return;
  failed_ = true;
  held_.clear();
  recorder_.LogNotRecorded(id_, error);
  // Nothing more is committed for this execution: the nodes held for a commit go on unrecorded
  // (starting them only posts them to the executor's pool).
  std::vector<std::pair<int64_t, absl::AnyInvocable<void()&&>>> waiting =
      std::move(waiting_for_commit_);
  waiting_for_commit_.clear();
  for (auto& [number, proceed] : waiting) std::move(proceed)();
}

std::string Recording::TypeOf(std::string_view node) const {
  const workflow::CompiledNode* compiled = workflow_->FindNode(node);
  return compiled != nullptr ? compiled->type->info().type : "";
}

void Recording::OnNodeStarted(std::string_view node, int attempt) {
  if (inner_ != nullptr) inner_->OnNodeStarted(node, attempt);
  Log("node_started", NodeStartedEventBytes(node, attempt));
  store::NodeUpdate update;
  update.row.name = std::string(node);
  update.row.type = TypeOf(node);
  update.row.state = store::NodeState::kRunning;
  update.row.attempts = attempt;
  {
    absl::MutexLock lock(&mu_);
    auto [it, first] = node_started_.try_emplace(update.row.name, absl::Now());
    update.row.started_at = it->second;
  }
  Submit([update = std::move(update)](store::ExecutionStore& store,
                                      const store::Fence& fence) mutable {
    return store.RecordNode(fence, std::move(update));
  });
}

void Recording::OnNodeResult(const executor::NodeRecord& record, executor::NodeOutputs outputs) {
  if (inner_ != nullptr) inner_->OnNodeResult(record, outputs);
  if (record.reused && !write_reused_) return;
  {
    // Its summary is serialised once: the execution_finished repeats it.
    const bool failed = record.status == executor::NodeStatus::kFailed;
    LoggedNodeSummary summary{NodeSummaryStamp::Of(record),
                              NodeSummaryBytes(record, recorder_.scrubber_)};
    std::string event = NodeResultEventBytes(summary.bytes, failed);
    {
      absl::MutexLock lock(&mu_);
      logged_summaries_.insert_or_assign(record.name, std::move(summary));
    }
    Log(failed ? "node_failed" : "node_finished", std::move(event));
  }
  store::NodeUpdate update;
  update.row.name = record.name;
  update.row.type = record.type;
  update.row.state = NodeStateOf(record.status);
  update.row.attempts = record.attempts;
  update.row.started_at = record.started_at;
  update.row.finished_at = record.finished_at;
  update.row.items_in = static_cast<int64_t>(record.items_in);
  update.row.items_out = static_cast<int64_t>(record.items_out);
  update.row.error = Scrubbed(record.error, recorder_.scrubber_);
  update.row.totals = {record.prompt_tokens, record.completion_tokens, record.cost_usd};
  // A successful execution under `failed` is deleted at its end: its items need not be written.
  if (save_policy_ == store::SavePolicy::kAll || record.status != executor::NodeStatus::kSucceeded) {
    update.output = std::move(outputs);
  }
  if (update.output != nullptr) {
    absl::MutexLock lock(&mu_);
    outputs_recorded_.insert(record.name);
  }
  if (!background_) {
    Submit([update = std::move(update)](store::ExecutionStore& store,
                                        const store::Fence& fence) mutable {
      return store.RecordNode(fence, std::move(update));
    });
    return;
  }
  absl::MutexLock lock(&mu_);
  if (failed_) return;
  int64_t number = ++node_results_submitted_;
  SubmitLocked([update = std::move(update), self = shared_from_this(), number](
                   store::ExecutionStore& store, const store::Fence& fence) mutable {
    return store.RecordNode(fence, std::move(update),
                            [self, number](absl::Status) { self->NodeResultDone(number); });
  });
}

void Recording::AfterResultsCommitted(absl::AnyInvocable<void() &&> proceed) {
  {
    absl::MutexLock lock(&mu_);
    if (!failed_ && node_results_done_ < node_results_submitted_) {
      waiting_for_commit_.emplace_back(node_results_submitted_, std::move(proceed));
      return;
    }
  }
  std::move(proceed)();
}

void Recording::NodeResultDone(int64_t number) {
  std::vector<absl::AnyInvocable<void() &&>> ready;
  {
    absl::MutexLock lock(&mu_);
    node_results_done_ = std::max(node_results_done_, number);
    const int64_t done = node_results_done_;
    auto waiting = std::stable_partition(waiting_for_commit_.begin(), waiting_for_commit_.end(),
                                         [done](const auto& entry) { return entry.first > done; });
    for (auto it = waiting; it != waiting_for_commit_.end(); ++it) {
      ready.push_back(std::move(it->second));
    }
    waiting_for_commit_.erase(waiting, waiting_for_commit_.end());
  }
  for (auto& proceed : ready) std::move(proceed)();
}

void Recording::OnTokenDelta(std::string_view node, size_t item_index, std::string_view text,
                             std::string_view kind) {
  if (inner_ != nullptr) inner_->OnTokenDelta(node, item_index, text, kind);
}

void Recording::OnTokenDeltaFrom(std::string_view node, size_t item_index, std::string_view text,
                                 std::string_view kind, const sdk::TokenSource& source) {
  if (inner_ != nullptr) inner_->OnTokenDeltaFrom(node, item_index, text, kind, source);
}

void Recording::OnTokensReset(std::string_view node, size_t item_index,
                              const sdk::TokenSource& source) {
  if (inner_ != nullptr) inner_->OnTokensReset(node, item_index, source);
}

Recording::Ending Recording::Finish(const executor::ExecutionRecord& record) {
  std::optional<absl::Time> park_at;
  bool released = false;
  {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    handle_.reset();
    park_at = park_at_;
    released = released_;
  }
  recorder_.Unregister(id_);
  if (released && record.status.code() == absl::StatusCode::kCancelled) {
    // Stopped by the shutdown: not over. Running in the store with no owner and its lease over,
    // it is resumed by the next server to claim work. What it logged so far stays (a background
    // execution does not batch its events); the resumed run continues the log.
    Submit([self = shared_from_this()](store::ExecutionStore& store, const store::Fence& fence) {
      return store.ReleaseExecution(fence, [self](absl::Status committed) {
        if (committed.ok()) return;
        absl::MutexLock lock(&self->mu_);
        self->FailLocked(committed);
      });
    });
    return Ending::kReleased;
  }
  if (park_at.has_value() && record.status.code() == absl::StatusCode::kCancelled) {
    // Stopped to wait on its timer: it is not over. Waiting in the store, it is claimed again
    // once due (by the resumer here, or by another replica).
    {
      absl::MutexLock lock(&mu_);
      batch_events_ = false;  // (only synchronous runs batch, and they do not park)
      FlushEventsLocked();
    }
    Submit([park_at = *park_at, self = shared_from_this()](store::ExecutionStore& store,
                                                           const store::Fence& fence) {
      return store.ParkExecution(fence, park_at, [self, park_at](absl::Status committed) {
        if (committed.ok()) return self->recorder_.Parked(park_at);
        absl::MutexLock lock(&self->mu_);
        self->FailLocked(committed);
      });
    });
    return Ending::kParked;
  }
  // A successful execution's output is its nodes' (workflow `output`): when the store holds
  // their items, neither the execution's row nor its execution_finished event copies them.
  std::optional<std::vector<std::pair<std::string, int>>> output_from;
  if (record.status.ok() && save_policy_ == store::SavePolicy::kAll) {
    output_from = OutputFromNodes(record);
  }
  absl::flat_hash_map<std::string, LoggedNodeSummary> logged;
  {
    absl::MutexLock lock(&mu_);
    logged.swap(logged_summaries_);
  }
  Log("execution_finished",
      ExecutionFinishedEventBytes(record, recorder_.scrubber_, !output_from.has_value(),
                                  [&logged](const executor::NodeRecord& node) {
                                    auto it = logged.find(node.name);
                                    return it == logged.end() ? nullptr : &it->second;
                                  }),
      output_from.has_value());
  {
    // Its whole log in one row, before the outcome (a watch that finds the execution final has
    // read every event).
    absl::MutexLock lock(&mu_);
    batch_events_ = false;
    FlushEventsLocked();
  }
  store::ExecutionOutcome outcome;
  outcome.status = OutcomeOf(record.status);
  outcome.error = Scrubbed(record.status, recorder_.scrubber_);
  outcome.failed_node = record.failed_node;
  outcome.totals = {record.prompt_tokens, record.completion_tokens, record.cost_usd};
  if (output_from.has_value()) {
    outcome.output_from = *std::move(output_from);
  } else if (outcome.status == store::ExecutionStatus::kSucceeded &&
             save_policy_ == store::SavePolicy::kAll) {
    outcome.output = record.output;  // copied: the caller's response takes the record's items
  }
  auto self = shared_from_this();
  Submit([outcome = std::move(outcome), self](store::ExecutionStore& store,
                                              const store::Fence& fence) mutable {
    return store.FinishExecution(fence, std::move(outcome), [self](absl::Status committed) {
      if (committed.ok()) return;
      absl::MutexLock lock(&self->mu_);
      self->FailLocked(committed);
    });
  });
  return Ending::kFinished;
}

std::optional<std::vector<std::pair<std::string, int>>> Recording::OutputFromNodes(
    const executor::ExecutionRecord& record) const {
  std::vector<std::pair<std::string, int>> from;
  absl::MutexLock lock(&mu_);
  if (failed_) return std::nullopt;
  for (const workflow::PortRef& ref : workflow_->output) {
    if (ref.node < 0 || ref.node >= static_cast<int>(workflow_->nodes.size())) return std::nullopt;
    const std::string& name = workflow_->nodes[ref.node].name;
    if (!outputs_recorded_.contains(name)) {
      // Fine only for a node with no items to give: one that did not run, or was skipped.
      if (ref.node >= static_cast<int>(record.nodes.size())) return std::nullopt;
      const executor::NodeRecord& node = record.nodes[ref.node];
      if (node.name != name || (node.status != executor::NodeStatus::kNotRun &&
                                node.status != executor::NodeStatus::kSkipped)) {
        return std::nullopt;
      }
    }
    from.emplace_back(name, ref.port);
  }
  return from;
}

// ---- ExecutionRecorder ----

ExecutionRecorder::ExecutionRecorder(store::ExecutionStore& store, store::SavePolicy default_save,
                                     sdk::Logger& logger, const common::SecretScrubber& scrubber)
    : store_(store), default_save_(default_save), logger_(logger), scrubber_(scrubber) {}

store::SavePolicy ExecutionRecorder::SavePolicyFor(const workflow::CompiledWorkflow& workflow) const {
  switch (workflow.history_save) {
    case workflow::HistorySave::kDefault:
      return default_save_;
    case workflow::HistorySave::kAll:
      return store::SavePolicy::kAll;
    case workflow::HistorySave::kFailed:
      return store::SavePolicy::kFailedOnly;
    case workflow::HistorySave::kNone:
      return store::SavePolicy::kNone;
  }
  return default_save_;
}

store::NewExecution ExecutionRecorder::NewExecutionFor(const executor::ExecutionRequest& request,
                                                       store::SavePolicy save_policy) const {
  store::NewExecution execution;
  execution.workflow = request.workflow->name;
  execution.workflow_hash = request.workflow->content_hash;
  execution.input = request.inputs;
  execution.save_policy = save_policy;
  execution.restart_policy = request.workflow->restart_policy == workflow::RestartPolicy::kFail
                                 ? store::RestartPolicy::kFail
                                 : store::RestartPolicy::kResume;
  execution.claim_now = true;  // it runs here, now
  return execution;
}

std::shared_ptr<Recording> ExecutionRecorder::RecordRun(executor::ExecutionRequest& request) {
  store::SavePolicy save_policy = SavePolicyFor(*request.workflow);
  if (save_policy == store::SavePolicy::kNone) return nullptr;
  auto recording = std::make_shared<Recording>(*this, request.id, request.workflow,
                                               request.observer, save_policy);
  // Its events go to the store in one row at its end, unless a watcher comes meanwhile.
  recording->BatchEvents();
  recording->LogStarted(absl::Now());
  store::NewExecution execution = NewExecutionFor(request, save_policy);
  execution.id = request.id;
  absl::Status queued = store_.CreateExecution(
      std::move(execution), [recording](absl::StatusOr<store::CreatedExecution> created) {
        recording->Created(std::move(created));
      });
  if (!queued.ok()) {
    LogNotRecorded(request.id, queued);
    return nullptr;
  }
  Register(recording);
  request.observer = recording;
  return recording;
}

absl::Status ExecutionRecorder::CreateForStart(const executor::ExecutionRequest& request,
                                               std::string idempotency_key, AsyncStartDone done) {
  store::SavePolicy save_policy = SavePolicyFor(*request.workflow);
  store::NewExecution execution = NewExecutionFor(request, save_policy);
  execution.id = request.id;
  execution.idempotency_key = std::move(idempotency_key);
  return CreateAsync(std::move(execution), request.workflow, save_policy, std::move(done));
}

absl::Status ExecutionRecorder::CreateQueued(const executor::ExecutionRequest& request,
                                             std::string idempotency_key,
                                             store::Callback<store::CreatedExecution> done) {
  store::NewExecution execution = NewExecutionFor(request, SavePolicyFor(*request.workflow));
  execution.id = request.id;
  execution.idempotency_key = std::move(idempotency_key);
  execution.claim_now = false;  // for whichever replica has a place first
  return store_.CreateExecution(std::move(execution), std::move(done));
}

absl::Status ExecutionRecorder::CreateForRetry(const executor::ExecutionRequest& request,
                                               std::string retry_of, AsyncStartDone done) {
  store::SavePolicy save_policy = SavePolicyFor(*request.workflow);
  store::NewExecution execution = NewExecutionFor(request, save_policy);
  execution.id = request.id;
  execution.retry_of = std::move(retry_of);
  return CreateAsync(std::move(execution), request.workflow, save_policy, std::move(done));
}

absl::Status ExecutionRecorder::CreateQueuedRetry(const executor::ExecutionRequest& request,
                                                  std::string retry_of,
                                                  std::vector<store::NodeRow> reused,
                                                  store::Callback<store::CreatedExecution> done) {
  store::NewExecution execution = NewExecutionFor(request, SavePolicyFor(*request.workflow));
  execution.id = request.id;
  execution.retry_of = std::move(retry_of);
  // Claimed here until its reused rows are in (below), then queued for any replica.
  execution.claim_now = true;
  std::vector<store::NodeUpdate> updates;
  for (store::NodeRow& row : reused) {
    auto outputs = request.reused_outputs.find(row.name);
    if (outputs == request.reused_outputs.end()) continue;
    store::NodeUpdate update;
    update.row = std::move(row);
    update.row.attempts = 0;  // not run in this execution: its stored output is reused
    update.row.error = absl::OkStatus();
    update.row.totals = {};
    update.output = std::make_shared<const std::vector<sdk::Items>>(outputs->second);
    updates.push_back(std::move(update));
  }
  return store_.CreateExecution(
      std::move(execution),
      [this, updates = std::move(updates), done = std::move(done)](
          absl::StatusOr<store::CreatedExecution> created) mutable {
        if (!created.ok()) return std::move(done)(created.status());
        if (!created->fence.has_value()) {
          return std::move(done)(
              absl::InternalError("the store did not hand over a retry it created claimed"));
        }
        const store::Fence fence = *created->fence;
        for (store::NodeUpdate& update : updates) {
          if (absl::Status queued = store_.RecordNode(fence, std::move(update)); !queued.ok()) {
            (void)store_.ReleaseExecution(fence);  // its lease ends; a replica resumes it
            return std::move(done)(queued);
          }
        }
        store::CreatedExecution answer = *std::move(created);
        answer.fence.reset();
        answer.status = store::ExecutionStatus::kQueued;
        // Shared: a refused request calls no callback, and `done` must still run once.
        auto shared_done =
            std::make_shared<store::Callback<store::CreatedExecution>>(std::move(done));
        absl::Status requeued = store_.RequeueExecution(
            fence, [answer = std::move(answer), shared_done](absl::Status status) mutable {
              if (!status.ok()) return std::move(*shared_done)(status);
              std::move(*shared_done)(std::move(answer));
            });
        if (!requeued.ok()) std::move(*shared_done)(requeued);
      });
}

absl::Status ExecutionRecorder::CreateAsync(store::NewExecution execution,
                                            workflow::WorkflowPtr workflow,
                                            store::SavePolicy save_policy, AsyncStartDone done) {
  return store_.CreateExecution(
      std::move(execution),
      [this, workflow = std::move(workflow), save_policy, done = std::move(done)](
          absl::StatusOr<store::CreatedExecution> created) mutable {
        if (!created.ok()) return std::move(done)(created.status());
        AsyncStart start;
        if (created->created) {
          start.recording =
              std::make_shared<Recording>(*this, created->id, workflow, nullptr, save_policy);
          start.recording->Created(*created);
          start.recording->LogStarted(absl::Now());
          Register(start.recording);
        }
        start.created = *std::move(created);
        std::move(done)(std::move(start));
      });
}

std::shared_ptr<Recording> ExecutionRecorder::RecordResumed(const store::Fence& fence,
                                                            workflow::WorkflowPtr workflow,
                                                            store::SavePolicy save_policy,
                                                            int64_t last_event_sequence) {
  auto recording =
      std::make_shared<Recording>(*this, fence.execution_id, std::move(workflow), nullptr,
                                  save_policy, /*write_reused=*/false, last_event_sequence);
  store::CreatedExecution claimed;
  claimed.id = fence.execution_id;
  claimed.status = store::ExecutionStatus::kRunning;
  claimed.fence = fence;
  recording->Created(std::move(claimed));
  if (last_event_sequence == 0) recording->LogStarted(absl::Now());
  Register(recording);
  return recording;
}

std::vector<std::shared_ptr<Recording>> ExecutionRecorder::Running() const {
  std::vector<std::shared_ptr<Recording>> recordings;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, weak] : running_) {
    if (auto recording = weak.lock()) recordings.push_back(std::move(recording));
  }
  return recordings;
}

size_t ExecutionRecorder::ReleaseBackground(const absl::Status& reason) {
  size_t released = 0;
  for (const auto& recording : Running()) released += recording->Release(reason) ? 1 : 0;
  return released;
}

std::vector<store::Fence> ExecutionRecorder::RunningFences() const {
  std::vector<store::Fence> fences;
  for (const auto& recording : Running()) {
    if (std::optional<store::Fence> fence = recording->fence()) fences.push_back(*fence);
  }
  return fences;
}

void ExecutionRecorder::Observe(const std::shared_ptr<Recording>& recording,
                                executor::ExecutionRequest& request) {
  request.observer = recording;
}

std::shared_ptr<Recording> ExecutionRecorder::FindRunning(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = running_.find(id);
  return it == running_.end() ? nullptr : it->second.lock();
}

void ExecutionRecorder::Register(const std::shared_ptr<Recording>& recording) {
  absl::MutexLock lock(&mu_);
  running_[recording->id()] = recording;
}

void ExecutionRecorder::Unregister(const std::string& id) {
  absl::MutexLock lock(&mu_);
  running_.erase(id);
}

void ExecutionRecorder::SetParkListener(absl::AnyInvocable<void(absl::Time)> parked) {
  absl::MutexLock lock(&listeners_mu_);
  park_listener_ = std::make_shared<absl::AnyInvocable<void(absl::Time)>>(std::move(parked));
}

void ExecutionRecorder::Parked(absl::Time wake_at) {
  std::shared_ptr<absl::AnyInvocable<void(absl::Time)>> listener;
  {
    absl::MutexLock lock(&listeners_mu_);
    listener = park_listener_;
  }
  if (listener != nullptr) (*listener)(wake_at);
}

ExecutionRecorder::ListenerToken ExecutionRecorder::ListenForEvents(
    const std::string& id, absl::AnyInvocable<void()> wake) {
  ListenerToken token = 0;
  {
    absl::MutexLock lock(&listeners_mu_);
    token = next_token_++;
    listeners_[token] = Listener{id, std::make_shared<absl::AnyInvocable<void()>>(std::move(wake))};
    ++listened_ids_[id];
    listener_count_.fetch_add(1, std::memory_order_acq_rel);
  }
  // A synchronous run holding its events writes them now, and the next ones as they happen (the
  // watcher's first read is queued after them).
  if (std::shared_ptr<Recording> running = FindRunning(id)) running->StopBatchingEvents();
  return token;
}

void ExecutionRecorder::StopListening(ListenerToken token) {
  absl::MutexLock lock(&listeners_mu_);
  auto it = listeners_.find(token);
  if (it == listeners_.end()) return;
  auto ids = listened_ids_.find(it->second.id);
  if (ids != listened_ids_.end() && --ids->second == 0) listened_ids_.erase(ids);
  listeners_.erase(it);
  listener_count_.fetch_sub(1, std::memory_order_acq_rel);
}

void ExecutionRecorder::EventsCommitted(const std::string& id) {
  std::vector<std::shared_ptr<absl::AnyInvocable<void()>>> wakes;
  {
    absl::MutexLock lock(&listeners_mu_);
    if (!listened_ids_.contains(id)) return;
    for (const auto& [token, listener] : listeners_) {
      if (listener.id == id) wakes.push_back(listener.wake);
    }
  }
  // Outside the lock: a wake-up may queue a read, or stop listening.
  for (const auto& wake : wakes) (*wake)();
}

void ExecutionRecorder::LogNotRecorded(const std::string& id, const absl::Status& error) const {
  logger_.Log(sdk::LogLevel::kWarning,
              "execution history not recorded: the execution runs on without it",
              {{"execution_id", id},
               {"error_code", std::string(sdk::AsStd(absl::StatusCodeToString(error.code())))},
               {"error", scrubber_.Scrub(sdk::AsStd(error.message()))}});
}

}  // namespace flowhost::service
