#include "server/executor/node_attempt.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "server/common/contained_task.h"
#include "server/executor/execution.h"
#include "server/executor/node_invocation.h"

namespace flowhost::executor {
namespace {

absl::Time AttemptDeadline(const Execution& execution, int node) {
  const std::optional<absl::Duration>& timeout = execution.workflow().nodes[node].settings.timeout;
  return timeout.has_value() ? execution.Now() + *timeout : absl::InfiniteFuture();
}

}  // namespace

// The `done` a node receives. Completing releases the attempt; destroying it uncalled (a node that
// lost its completion) ends the attempt with an error instead of leaving the execution hanging.
class AttemptDone {
 public:
  explicit AttemptDone(std::shared_ptr<NodeAttempt> attempt) : attempt_(std::move(attempt)) {}
  AttemptDone(AttemptDone&& other) noexcept : attempt_(std::move(other.attempt_)) {}
  AttemptDone& operator=(AttemptDone&&) = delete;
  ~AttemptDone() {
    if (attempt_ != nullptr) attempt_->Dropped();
  }

  void operator()(absl::StatusOr<sdk::NodeResult> result) {
    std::shared_ptr<NodeAttempt> attempt = std::move(attempt_);
    if (attempt != nullptr) attempt->Returned(std::move(result));
  }

 private:
  std::shared_ptr<NodeAttempt> attempt_;
};

NodeAttempt::NodeAttempt(std::shared_ptr<NodeInvocation> invocation,
                         std::shared_ptr<Execution> execution, int node, int attempt,
                         std::shared_ptr<const std::vector<sdk::Items>> inputs,
                         const sdk::CancellationToken& parent)
    : invocation_(std::move(invocation)),
      execution_(std::move(execution)),
      node_(node),
      attempt_(attempt),
      inputs_(std::move(inputs)),
      params_(*execution_, execution_->workflow().nodes[node], *inputs_),
      parent_deadline_(parent.deadline()),
      source_(parent, AttemptDeadline(*execution_, node)),
      token_(source_.token()),
      logger_(execution_->core().logger(),
              LogContext{.execution = execution_->info().id,
                         .workflow = execution_->info().workflow,
                         .node = execution_->workflow().nodes[node].name,
                         .attempt = attempt,
                         .trace_id = execution_->trace().trace_id}),
      http_(execution_->core().http(), execution_->trace()) {}

NodeAttempt::~NodeAttempt() = default;

void NodeAttempt::Run() {
  const workflow::CompiledNode& compiled = execution_->workflow().nodes[node_];
  execution_->AttemptStarted(node_, attempt_);
  // The node's own timeout needs a timer when it comes before the parent's deadline (whose owner
  // already has one).
  if (compiled.settings.timeout.has_value() && token_.deadline() < parent_deadline_) {
    absl::Duration timeout = *compiled.settings.timeout;
    auto self = shared_from_this();
    absl::MutexLock lock(&mu_);
    timeout_timer_ = execution_->core().scheduler().RunAt(
        token_.deadline(), [self, timeout] { self->TimedOut(timeout); });
  }
  if (compiled.node == nullptr) {
    return Complete(absl::InternalError("the node was not built when the workflow loaded"));
  }
  execution_->NodeEntered(node_);
  // A node that throws fails its attempt; the exception goes no further (contained_task.h). A
  // `done` the node had not moved away is destroyed during the unwinding, before the handler
  // runs: Dropped, seeing Execute still running, leaves the verdict to the end of this function
  // (posting its own error at once would race this one on another worker).
  {
    absl::MutexLock lock(&mu_);
    executing_ = true;
  }
  std::optional<std::string> fault;
  try {
    compiled.node->Execute(*this, AttemptDone(shared_from_this()));
  } catch (...) {
    fault = common::DescribeCurrentException();
  }
  std::optional<std::string> dropped;
  {
    absl::MutexLock lock(&mu_);
    executing_ = false;
    dropped.swap(dropped_while_executing_);
  }
  if (fault.has_value()) return Threw(*fault);
  if (dropped.has_value()) PostDropped(std::move(*dropped));
}

void NodeAttempt::Threw(const std::string& fault) {
  const std::string& type = execution_->workflow().nodes[node_].type->info().type;
  if (completed_.load()) {
    // It had called `done` (or timed out) first: the attempt keeps that result.
    logger_.Log(sdk::LogLevel::kError,
                "the node threw an exception from Execute after its attempt had ended; the "
                "exception is ignored (a bug in the node type)",
                {{"type", type}, {"exception", fault}});
    Release();
    return;
  }
  logger_.Log(
      sdk::LogLevel::kError,
      "the node threw an exception from Execute; its attempt fails (a bug in the node type)",
      {{"type", type}, {"exception", fault}});
  Release();
  Complete(absl::InternalError(absl::StrCat("node type '", type,
                                            "' threw an exception in Execute (a bug in the node "
                                            "type): ",
                                            fault)));
}

void NodeAttempt::Complete(absl::StatusOr<sdk::NodeResult> result) {
  if (completed_.exchange(true)) return;
  sdk::TimerId timer;
  sdk::TimerId grace;
  size_t reserved;
  double reserved_cost;
  {
    absl::MutexLock lock(&mu_);
    timer = timeout_timer_;
    grace = grace_timer_;
    reserved = std::exchange(reserved_bytes_, 0);
    reserved_cost = std::exchange(reserved_cost_, 0.0);
    // Once the timeout struck, the attempt fails with it, whatever the node said on its way out.
    if (!timed_out_.ok()) result = timed_out_;
  }
  if (timer != 0) execution_->core().scheduler().Cancel(timer);
  if (grace != 0) execution_->core().scheduler().Cancel(grace);
  if (reserved > 0) execution_->items().Release(reserved);
  if (reserved_cost > 0 && execution_->cost() != nullptr) {
    execution_->cost()->Settle(reserved_cost, 0);
  }
  // Aborts anything the node left running (a no-op when its timeout is what ended it).
  source_.Cancel(absl::CancelledError("the node attempt has finished"));
  invocation_->AttemptFinished(attempt_, std::move(result));
}

void NodeAttempt::TimedOut(absl::Duration timeout) {
  absl::Status error = sdk::NodeError(
      absl::StatusCode::kDeadlineExceeded, sdk::error_class::kTimeout,
      absl::StrCat("attempt ", attempt_, " timed out after ", absl::FormatDuration(timeout)));
  {
    absl::MutexLock lock(&mu_);
    timeout_timer_ = 0;  // it is this one, firing
    timed_out_ = error;
  }
  // A node that honours the cancellation may return right here, inline.
  source_.Cancel(error);
  if (completed_.load()) return;
  sdk::TimerId grace = execution_->core().scheduler().RunAfter(
      execution_->core().limits().node_return_grace,
      [self = shared_from_this()] { self->AbandonAfterTimeout(); });
  bool stale = false;
  {
    absl::MutexLock lock(&mu_);
    stale = completed_.load();  // the node returned meanwhile
    if (!stale) grace_timer_ = grace;
  }
  if (stale) execution_->core().scheduler().Cancel(grace);
}

void NodeAttempt::AbandonAfterTimeout() {
  if (completed_.load()) return;
  logger_.Log(
      sdk::LogLevel::kWarning,
      "the node did not return after its timeout; the attempt ends without it, and what "
      "it reports later is not recorded",
      {{"grace_ms", absl::ToInt64Milliseconds(execution_->core().limits().node_return_grace)}});
  Release();
  absl::Status error;
  {
    absl::MutexLock lock(&mu_);
    grace_timer_ = 0;  // it is this one, firing
    error = timed_out_;
  }
  Complete(std::move(error));
}

void NodeAttempt::Returned(absl::StatusOr<sdk::NodeResult> result) {
  // First tell the execution, so that a result that finishes it finds no node code running.
  Release();
  Complete(std::move(result));
}

void NodeAttempt::Dropped() {
  Release();
  if (completed_.load() || execution_->finished()) return;
  // Destroyed with a task that threw on a worker (a callback of the node): say so.
  const std::string* fault = common::CurrentTaskFault();
  std::string message =
      fault == nullptr
          ? std::string(
                "the node dropped its completion callback without calling it (a bug in "
                "the node)")
          : absl::StrCat("a callback of node type '",
                         execution_->workflow().nodes[node_].type->info().type,
                         "' threw an exception and dropped its completion (a bug in the node "
                         "type): ",
                         *fault);
  if (fault != nullptr) logger_.Log(sdk::LogLevel::kError, message, sdk::Json::object());
  {
    absl::MutexLock lock(&mu_);
    if (executing_) {  // Run decides once Execute has returned or thrown
      dropped_while_executing_ = std::move(message);
      return;
    }
  }
  PostDropped(std::move(message));
}

void NodeAttempt::PostDropped(std::string message) {
  if (completed_.load() || execution_->finished()) return;
  execution_->core().scheduler().Post([self = shared_from_this(), message = std::move(message)] {
    self->Complete(absl::InternalError(message));
  });
}

void NodeAttempt::Release() {
  if (!released_.exchange(true)) execution_->NodeReturned(node_);
}

const std::string& NodeAttempt::node_name() const {
  return execution_->workflow().nodes[node_].name;
}

const sdk::ExecutionInfo& NodeAttempt::execution() const { return execution_->info(); }

absl::StatusOr<sdk::Credential> NodeAttempt::credential(std::string_view name) const {
  const workflow::CompiledNode& compiled = execution_->workflow().nodes[node_];
  if (std::find(compiled.credentials.begin(), compiled.credentials.end(), name) ==
      compiled.credentials.end()) {
    std::string named = compiled.credentials.empty()
                            ? std::string("they name none")
                            : absl::StrCat("they name ", absl::StrJoin(compiled.credentials, ", "));
    // The node type's bug, not the caller's nor the operator's: INTERNAL.
    return absl::InternalError(
        absl::StrCat("node type '", compiled.type->info().type, "' asked for credential '",
                     sdk::AsAbsl(name), "', which this node's parameters do not name (", named,
                     "); a node receives only the credentials named by its parameters marked "
                     "x-credential"));
  }
  const CredentialStore* store = execution_->core().credentials();
  if (store == nullptr) {
    return absl::NotFoundError(absl::StrCat("no credential named '", sdk::AsAbsl(name),
                                            "' (the host has no credential store)"));
  }
  return store->Get(name);
}

sdk::HttpClient& NodeAttempt::http() { return http_; }

sdk::Scheduler& NodeAttempt::scheduler() { return execution_->core().scheduler(); }

void NodeAttempt::RecordAttempt(const sdk::AttemptRecord& attempt) {
  execution_->RecordCall(node_, attempt_, attempt);
}

absl::Status NodeAttempt::ReserveItemBytes(size_t bytes) {
  absl::MutexLock lock(&mu_);
  // Complete sets completed_ before it takes mu_ to collect the reservations: one made after that
  // would never be given back.
  if (completed_.load()) {
    return absl::CancelledError("the node attempt has finished; its items are no longer wanted");
  }
  absl::Status status = execution_->items().Reserve(bytes);
  if (status.ok()) reserved_bytes_ += bytes;
  return status;
}

std::optional<double> NodeAttempt::CostRemaining() const {
  if (execution_->cost() == nullptr) return std::nullopt;
  return execution_->cost()->remaining();
}

absl::Status NodeAttempt::ReserveCost(double worst_case_usd) {
  CostBudget* budget = execution_->cost();
  if (budget == nullptr) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  // As with item bytes: a reservation after Complete collected them would never be given back.
  if (completed_.load()) {
    return absl::CancelledError("the node attempt has finished; it may not start a paid call");
  }
  absl::Status status = budget->Reserve(worst_case_usd);
  if (status.ok()) reserved_cost_ += worst_case_usd;
  return status;
}

void NodeAttempt::SettleCost(double reserved_usd, double actual_usd) {
  CostBudget* budget = execution_->cost();
  if (budget == nullptr) return;
  double give_back = 0;
  {
    absl::MutexLock lock(&mu_);
    // Only what is still held here: Complete gave back the rest already.
    give_back = std::clamp(std::isfinite(reserved_usd) ? reserved_usd : 0.0, 0.0, reserved_cost_);
    reserved_cost_ -= give_back;
  }
  budget->Settle(give_back, actual_usd);
}

absl::Time NodeAttempt::durable_timer() const {
  return execution_->DurableTimer(node_name());
}

bool NodeAttempt::ParkUntil(absl::Time wake_at) {
  if (completed_.load()) return false;
  return execution_->Park(node_name(), wake_at);
}

void NodeAttempt::RunWorkflow(std::string_view workflow, sdk::Json inputs,
                              absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)> done) {
  execution_->RunSubWorkflow(node_, attempt_, workflow, std::move(inputs), token_, std::move(done));
}

void NodeAttempt::InvokeNode(std::string_view node, sdk::Items input,
                             absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)> done) {
  execution_->InvokeNode(node, std::move(input), token_, std::move(done));
}

bool NodeAttempt::wants_tokens() const { return execution_->wants_tokens(); }

void NodeAttempt::TokenDelta(size_t item_index, std::string_view text, std::string_view kind) {
  execution_->TokenDelta(node_, item_index, text, kind);
}

void NodeAttempt::TokenDeltaFrom(size_t item_index, std::string_view text, std::string_view kind,
                                 const sdk::TokenSource& source) {
  execution_->TokenDeltaFrom(node_, item_index, text, kind, source);
}

void NodeAttempt::TokensReset(size_t item_index, const sdk::TokenSource& source) {
  execution_->TokensReset(node_, item_index, source);
}

}  // namespace flowhost::executor
