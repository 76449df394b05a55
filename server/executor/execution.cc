#include "server/executor/execution.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_bytes.h"
#include "server/executor/error_items.h"
#include "server/executor/node_invocation.h"

namespace flowhost::executor {
namespace {

std::string TimeText(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone());
}

size_t CountItems(const std::vector<sdk::Items>& lists) {
  size_t total = 0;
  for (const sdk::Items& items : lists) total += items.size();
  return total;
}

size_t Sum(const std::vector<size_t>& values) {
  size_t total = 0;
  for (size_t value : values) total += value;
  return total;
}

// The ItemBytes of the items on each of `lists`.
std::vector<size_t> ListBytes(const std::vector<sdk::Items>& lists) {
  std::vector<size_t> bytes;
  bytes.reserve(lists.size());
  for (const sdk::Items& items : lists) bytes.push_back(sdk::ItemsBytes(items));
  return bytes;
}

bool IsLimitError(const absl::Status& status) {
  return sdk::ErrorClassOf(status) == sdk::error_class::kLimitExceeded;
}

}  // namespace

Execution::Execution(std::shared_ptr<ExecutorCore> core, Setup setup)
    : core_(std::move(core)),
      workflow_(std::move(setup.workflow)),
      inputs_(std::move(setup.inputs)),
      info_{setup.id, workflow_->name, setup.started_at, setup.trace.ToHeader()},
      trace_(std::move(setup.trace)),
      deadline_(setup.deadline),
      arm_deadline_(setup.arm_deadline),
      deadline_error_(std::move(setup.deadline_error)),
      parent_(std::move(setup.parent)),
      durable_timers_(std::move(setup.durable_timers)),
      park_(std::move(setup.park)),
      before_next_nodes_(std::move(setup.before_next_nodes)),
      observer_(std::move(setup.observer)),
      start_on_caller_thread_(setup.start_on_caller_thread),
      items_(std::move(setup.items)),
      cost_(std::move(setup.cost)),
      input_bytes_(sdk::ItemBytes(inputs_)),
      logger_(core_->logger(), LogContext{.execution = info_.id,
                                          .workflow = workflow_->name,
                                          .node = {},
                                          .attempt = std::nullopt,
                                          .trace_id = trace_.trace_id}) {
  root_ = parent_.has_value() ? std::make_unique<sdk::CancellationSource>(parent_->token, deadline_)
                              : std::make_unique<sdk::CancellationSource>(deadline_);
  root_token_ = root_->token();

  absl::MutexLock lock(&mu_);
  done_ = std::move(setup.done);
  record_.id = info_.id;
  record_.workflow = workflow_->name;
  record_.trace_id = trace_.trace_id;
  record_.started_at = setup.started_at;
  nodes_.resize(workflow_->nodes.size());
  live_.resize(workflow_->nodes.size());
  record_.nodes.resize(workflow_->nodes.size());
  for (size_t i = 0; i < workflow_->nodes.size(); ++i) {
    const workflow::CompiledNode& node = workflow_->nodes[i];
    record_.nodes[i].name = node.name;
    record_.nodes[i].type = node.type != nullptr ? node.type->info().type : "";
    NodeState& state = nodes_[i];
    state.slots.resize(std::max<size_t>(node.inputs.size(), 1));
    for (size_t port = 0; port < node.sources.size() && port < state.slots.size(); ++port) {
      state.slots[port].resize(node.sources[port].size());
      state.unresolved += static_cast<int>(node.sources[port].size());
    }
  }
  for (int start : workflow_->start_nodes) nodes_[start].is_start = true;
  for (auto& [name, outputs] : setup.reused_outputs) {
    auto it = workflow_->node_index.find(name);
    if (it == workflow_->node_index.end()) continue;
    nodes_[it->second].reused = std::make_shared<std::vector<sdk::Items>>(std::move(outputs));
  }
}

absl::Time Execution::DurableTimer(std::string_view node) const {
  auto it = durable_timers_.find(node);
  return it == durable_timers_.end() ? absl::InfinitePast() : it->second;
}

bool Execution::Park(std::string_view node, absl::Time wake_at) const {
  return park_ != nullptr && park_(node, wake_at);
}

Execution::~Execution() {
  absl::MutexLock lock(&mu_);
  LetGoBytesLocked(held_bytes_);
}

absl::Status Execution::HoldBytesLocked(size_t bytes) {
  if (bytes == 0) return absl::OkStatus();
  absl::Status status = items_->Reserve(bytes);
  if (status.ok()) held_bytes_ += bytes;
  return status;
}

void Execution::LetGoBytesLocked(size_t bytes) {
  if (bytes == 0) return;
  items_->Release(bytes);
  held_bytes_ -= bytes;
}

const sdk::Json& Execution::execution_json() const {
  absl::call_once(execution_json_once_, [this] {
    execution_json_ = {
        {"id", info_.id}, {"workflow", info_.workflow}, {"started_at", TimeText(info_.started_at)}};
  });
  return execution_json_;
}

void Execution::Begin() {
  std::weak_ptr<Execution> weak = weak_from_this();
  // Runs inline if the parent is already cancelled; Finish then completes the execution at once.
  root_token_.OnCancel([weak] {
    if (auto self = weak.lock()) self->Finish(self->root_token_.reason(), "");
  });
  sdk::TimerId timer = 0;
  if (arm_deadline_ && deadline_ != absl::InfiniteFuture()) {
    timer = core_->scheduler().RunAt(deadline_, [weak] {
      if (auto self = weak.lock()) self->root_->Cancel(self->deadline_error_);
    });
  }

  std::vector<int> to_run;
  absl::Status limit;
  std::string failed_node;
  bool finish_now = false;
  {
    absl::MutexLock lock(&mu_);
    deadline_timer_ = timer;
    if (finished_) {
      // Cancelled before it began; Finish could not see the timer yet.
    } else if (absl::Status held = HoldBytesLocked(input_bytes_); !held.ok()) {
      limit = sdk::Annotate(held, "the inputs");
    } else {
      std::vector<int> ready;
      for (int start : workflow_->start_nodes) {
        if (nodes_[start].unresolved == 0 && !workflow_->nodes[start].attached) {
          ready.push_back(start);
        }
      }
      limit = ResolveReadyLocked(std::move(ready), to_run, failed_node);
      finish_now = limit.ok() && running_ == 0;
    }
  }
  if (finished()) {
    core_->scheduler().Cancel(timer);
    return;
  }
  if (limit.ok() && !to_run.empty() && before_next_nodes_ != nullptr) {
    // The start nodes may follow reused ones (a retry records their results).
    HoldNextRuns(std::move(to_run));
    to_run.clear();
  }
  events_.Drain();
  if (!limit.ok()) return Finish(limit, failed_node);
  if (finish_now) return Finish(absl::OkStatus(), "");
  if (start_on_caller_thread_ && !to_run.empty()) {
    int first = to_run.front();
    PostRuns(std::vector<int>(to_run.begin() + 1, to_run.end()));
    return RunNode(first);
  }
  PostRuns(to_run);
}

void Execution::Cancel(absl::Status reason) {
  root_->Cancel(reason.ok() ? absl::CancelledError("the execution was cancelled") : reason);
}

std::vector<size_t> Execution::InputBytesLocked(int node) const {
  const NodeState& state = nodes_[node];
  std::vector<size_t> bytes(state.slots.size(), 0);
  if (state.is_start) bytes[0] += input_bytes_;
  for (size_t port = 0; port < state.slots.size(); ++port) {
    for (const Slot& slot : state.slots[port]) bytes[port] += slot.bytes;
  }
  return bytes;
}

std::shared_ptr<std::vector<sdk::Items>> Execution::GatherInputsLocked(int node) {
  NodeState& state = nodes_[node];
  auto inputs = std::make_shared<std::vector<sdk::Items>>(state.slots.size());
  if (state.is_start) (*inputs)[0].push_back(inputs_);
  for (size_t port = 0; port < state.slots.size(); ++port) {
    for (const Slot& slot : state.slots[port]) {
      if (slot.outputs == nullptr || slot.port >= static_cast<int>(slot.outputs->size())) continue;
      const sdk::Items& items = (*slot.outputs)[slot.port];
      (*inputs)[port].insert((*inputs)[port].end(), items.begin(), items.end());
    }
  }
  return inputs;
}

absl::Status Execution::ResolveReadyLocked(std::vector<int> ready, std::vector<int>& to_run,
                                           std::string& failed_node) {
  while (!ready.empty()) {
    int node = ready.back();
    ready.pop_back();
    const workflow::CompiledNode& compiled = workflow_->nodes[node];
    NodeRecord& record = record_.nodes[node];
    if (nodes_[node].reused != nullptr) {
      if (absl::Status status = ReuseLocked(node, ready); !status.ok()) {
        failed_node = compiled.name;
        return sdk::Annotate(status, absl::StrCat("node '", compiled.name, "'"));
      }
      continue;
    }
    // The copies are reserved before they are made.
    std::vector<size_t> port_bytes = InputBytesLocked(node);
    size_t input_bytes = Sum(port_bytes);
    if (absl::Status held = HoldBytesLocked(input_bytes); !held.ok()) {
      record.status = NodeStatus::kFailed;
      record.error = held;
      record.started_at = record.finished_at = Now();
      PublishFinishedLocked(node);
      failed_node = compiled.name;
      return sdk::Annotate(held, absl::StrCat("node '", compiled.name, "'"));
    }
    std::shared_ptr<std::vector<sdk::Items>> inputs = GatherInputsLocked(node);
    record.items_in = CountItems(*inputs);
    if (compiled.settings.disabled) {
      auto outputs = std::make_shared<std::vector<sdk::Items>>();
      outputs->push_back(std::move((*inputs)[0]));
      // Input 0's items became the output; the other inputs' copies go.
      LetGoBytesLocked(input_bytes - port_bytes[0]);
      nodes_[node].output_bytes = {port_bytes[0]};
      record.started_at = record.finished_at = Now();
      if (absl::Status status = CheckItemsLocked(node, *outputs); !status.ok()) {
        record.status = NodeStatus::kFailed;
        record.error = status;
        PublishFinishedLocked(node);
        failed_node = compiled.name;
        return sdk::Annotate(status, absl::StrCat("node '", compiled.name, "'"));
      }
      record.status = NodeStatus::kDisabled;
      record.items_out = outputs->front().size();
      PublishFinishedLocked(node, outputs);
      RouteLocked(node, std::move(outputs), ready);
      continue;
    }
    if (record.items_in == 0) {
      record.status = NodeStatus::kSkipped;
      PublishFinishedLocked(node);
      RouteLocked(node, std::make_shared<std::vector<sdk::Items>>(), ready);
      continue;
    }
    nodes_[node].inputs = std::move(inputs);
    nodes_[node].input_bytes = input_bytes;
    ++running_;
    to_run.push_back(node);
  }
  return absl::OkStatus();
}

absl::Status Execution::ReuseLocked(int node, std::vector<int>& ready) {
  NodeRecord& record = record_.nodes[node];
  std::shared_ptr<std::vector<sdk::Items>> outputs = std::move(nodes_[node].reused);
  record.reused = true;
  record.started_at = record.finished_at = Now();
  record.items_in = nodes_[node].is_start ? 1 : 0;
  for (const std::vector<Slot>& port : nodes_[node].slots) {
    for (const Slot& slot : port) {
      if (slot.outputs != nullptr && slot.port < static_cast<int>(slot.outputs->size())) {
        record.items_in += (*slot.outputs)[slot.port].size();
      }
    }
  }
  // A node that ran has an output 0, even an empty one (as in NodeFinished).
  if (outputs->empty()) outputs->resize(1);
  std::vector<size_t> output_bytes = ListBytes(*outputs);
  absl::Status status = CheckItemsLocked(node, *outputs);
  if (status.ok()) status = HoldBytesLocked(Sum(output_bytes));
  if (!status.ok()) {
    record.status = NodeStatus::kFailed;
    record.error = status;
    PublishFinishedLocked(node);
    return status;
  }
  record.status = NodeStatus::kSucceeded;
  record.items_out = CountItems(*outputs);
  nodes_[node].output_bytes = std::move(output_bytes);
  PublishFinishedLocked(node, outputs);
  RouteLocked(node, std::move(outputs), ready);
  return absl::OkStatus();
}

void Execution::RouteLocked(int node, Outputs outputs, std::vector<int>& ready) {
  nodes_[node].outputs = outputs;
  const std::vector<size_t>& output_bytes = nodes_[node].output_bytes;
  const workflow::CompiledNode& compiled = workflow_->nodes[node];
  for (size_t port = 0; port < compiled.targets.size(); ++port) {
    for (const workflow::PortRef& target : compiled.targets[port]) {
      NodeState& state = nodes_[target.node];
      const auto& sources = workflow_->nodes[target.node].sources;
      if (target.port >= static_cast<int>(sources.size())) continue;
      const std::vector<workflow::PortRef>& feeding = sources[target.port];
      std::vector<Slot>& slots = state.slots[target.port];
      for (size_t k = 0; k < feeding.size(); ++k) {
        if (slots[k].filled || feeding[k] != workflow::PortRef{node, static_cast<int>(port)}) {
          continue;
        }
        size_t bytes = port < output_bytes.size() ? output_bytes[port] : 0;
        slots[k] = Slot{outputs, static_cast<int>(port), true, bytes};
        if (--state.unresolved == 0 && !workflow_->nodes[target.node].attached) {
          ready.push_back(target.node);
        }
        break;
      }
    }
  }
}

absl::Status Execution::CheckItemsLocked(int node, const std::vector<sdk::Items>& outputs) const {
  size_t limit = core_->limits().max_items_per_output;
  const workflow::CompiledNode& compiled = workflow_->nodes[node];
  for (size_t port = 0; port < outputs.size(); ++port) {
    if (outputs[port].size() <= limit) continue;
    std::string name =
        port < compiled.outputs.size() ? compiled.outputs[port].name : absl::StrCat(port);
    return sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kLimitExceeded,
                          absl::StrCat("output '", name, "' has ", outputs[port].size(),
                                       " items, more than max_items_per_output (", limit, ")"));
  }
  return absl::OkStatus();
}

void Execution::PublishFinishedLocked(int node, const Outputs& outputs) {
  if (observer_ == nullptr) return;
  Outputs shared = observer_->wants_outputs() ? outputs : nullptr;
  if (shared != nullptr) nodes_[node].outputs_observed = true;
  events_.Push(
      [observer = observer_, record = record_.nodes[node], shared = std::move(shared)]() mutable {
        observer->OnNodeResult(record, std::move(shared));
      });
}

void Execution::HoldNextRuns(std::vector<int> nodes) {
  // After the observer has seen the results that made them ready: the caller says when they start.
  events_.Push([self = shared_from_this(), nodes = std::move(nodes)]() mutable {
    self->before_next_nodes_([self, nodes = std::move(nodes)]() mutable { self->PostRuns(nodes); });
  });
}

void Execution::PostRuns(const std::vector<int>& nodes) {
  for (int node : nodes) {
    core_->scheduler().Post([self = shared_from_this(), node] { self->RunNode(node); });
  }
}

void Execution::RunNode(int node) {
  std::shared_ptr<const std::vector<sdk::Items>> inputs;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    inputs = nodes_[node].inputs;
  }
  auto self = shared_from_this();
  NodeInvocation::Start(self, node, std::move(inputs), root_token_,
                        [self, node](absl::StatusOr<sdk::NodeResult> result) {
                          self->NodeFinished(node, std::move(result));
                        });
}

void Execution::NodeFinished(int node, absl::StatusOr<sdk::NodeResult> result) {
  const workflow::CompiledNode& compiled = workflow_->nodes[node];
  // Measured once, here, and outside the lock: a large output takes a while to walk.
  std::vector<size_t> output_bytes;
  if (result.ok()) output_bytes = ListBytes(result->outputs);
  absl::Status stop;
  std::string failed_node = compiled.name;
  std::vector<int> to_run;
  bool all_done = false;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    --running_;
    NodeRecord& record = record_.nodes[node];
    record.finished_at = Now();
    // The ports the node itself may fill: all but the "error" output that on_error adds.
    size_t own_outputs = compiled.outputs.size();
    if (compiled.settings.on_error == workflow::OnError::kErrorOutput && own_outputs > 0) {
      --own_outputs;
    }
    if (result.ok() && result->outputs.size() > own_outputs) {
      result = absl::InternalError(absl::StrCat("the node returned ", result->outputs.size(),
                                                " outputs but has ", own_outputs));
    }
    if (result.ok()) {
      if (absl::Status status = CheckItemsLocked(node, result->outputs); !status.ok()) {
        result = status;
      } else if (absl::Status held = HoldBytesLocked(Sum(output_bytes)); !held.ok()) {
        result = held;
      }
    }
    auto outputs = std::make_shared<std::vector<sdk::Items>>();
    if (result.ok()) {
      record.status = NodeStatus::kSucceeded;
      *outputs = std::move(result->outputs);
      nodes_[node].output_bytes = std::move(output_bytes);
    } else {
      record.status = NodeStatus::kFailed;
      record.error = result.status();
      workflow::OnError on_error = compiled.settings.on_error;
      if (on_error == workflow::OnError::kStop || IsLimitError(result.status()) ||
          compiled.outputs.empty()) {
        stop = sdk::Annotate(result.status(), absl::StrCat("node '", compiled.name, "'"));
      } else {
        size_t port = on_error == workflow::OnError::kContinue ? 0 : compiled.outputs.size() - 1;
        outputs->resize(port + 1);
        size_t items = nodes_[node].inputs->empty() ? 0 : nodes_[node].inputs->front().size();
        (*outputs)[port] = ErrorItems(result.status(), compiled.name, items);
        nodes_[node].output_bytes.assign(port + 1, 0);
        nodes_[node].output_bytes[port] = sdk::ItemsBytes((*outputs)[port]);
        if (absl::Status held = HoldBytesLocked(nodes_[node].output_bytes[port]); !held.ok()) {
          stop = sdk::Annotate(held, absl::StrCat("node '", compiled.name, "'"));
        }
      }
    }
    // The node is done with its inputs: their copies go (once its attempt lets go of them too).
    LetGoBytesLocked(nodes_[node].input_bytes);
    nodes_[node].input_bytes = 0;
    nodes_[node].inputs.reset();
    // A node that ran has an output 0, even an empty one: `$("X").isExecuted` is then true.
    if (outputs->empty()) outputs->resize(1);
    record.items_out = CountItems(*outputs);
    PublishFinishedLocked(node, outputs);
    if (stop.ok()) {
      std::vector<int> ready;
      RouteLocked(node, std::move(outputs), ready);
      stop = ResolveReadyLocked(std::move(ready), to_run, failed_node);
      all_done = stop.ok() && running_ == 0;
    }
  }
  if (stop.ok() && !to_run.empty() && before_next_nodes_ != nullptr) {
    HoldNextRuns(std::move(to_run));
    to_run.clear();
  }
  events_.Drain();
  if (!stop.ok()) {
    logger_.Log(sdk::LogLevel::kWarning, "stopping the execution",
                {{"node", failed_node}, {"error", std::string(stop.message())}});
    return Finish(std::move(stop), std::move(failed_node));
  }
  if (all_done) return Finish(absl::OkStatus(), "");
  PostRuns(to_run);
}

void Execution::CollectOutputLocked() {
  for (const workflow::PortRef& ref : workflow_->output) {  // each port once (the loader checks)
    const Outputs& outputs = nodes_[ref.node].outputs;
    if (outputs == nullptr || ref.port >= static_cast<int>(outputs->size())) continue;
    // Copied when other nodes' inputs still point at these items, or when the observer was given
    // them: it reads them on its own thread (the store serialises them) and drops its reference
    // there, and use_count() is a relaxed read, so a count of 1 would not order its reads before
    // the move below (a data race ThreadSanitizer reports).
    if (nodes_[ref.node].outputs_observed || outputs.use_count() > 1) {
      const sdk::Items& items = (*outputs)[ref.port];
      record_.output.insert(record_.output.end(), items.begin(), items.end());
      continue;
    }
    // The execution succeeded, so every node is done and nothing reads these items any more; this
    // is their only holder, and NodeFinished made them non-const. The record takes them.
    auto& items = const_cast<sdk::Items&>((*outputs)[ref.port]);
    if (record_.output.empty()) {
      record_.output = std::move(items);
    } else {
      record_.output.insert(record_.output.end(), std::make_move_iterator(items.begin()),
                            std::make_move_iterator(items.end()));
    }
    items.clear();
  }
}

std::shared_ptr<const std::vector<sdk::Items>> Execution::NodeOutputs(std::string_view name) const {
  auto it = workflow_->node_index.find(sdk::AsAbsl(name));
  if (it == workflow_->node_index.end()) return nullptr;
  absl::MutexLock lock(&mu_);
  return nodes_[it->second].outputs;
}

void Execution::Finish(absl::Status status, std::string failed_node) {
  sdk::TimerId timer = 0;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    finished_flag_.store(true, std::memory_order_release);
    absl::Time now = Now();
    record_.status = status;
    record_.failed_node = std::move(failed_node);
    if (const workflow::CompiledNode* node = workflow_->FindNode(record_.failed_node);
        node != nullptr && node->location.line > 0) {
      record_.failed_node_location =
          absl::StrCat(node->location.file.empty() ? workflow_->source_path : node->location.file,
                       ":", node->location.line);
    }
    record_.finished_at = now;
    for (size_t i = 0; i < record_.nodes.size(); ++i) {
      NodeRecord& node = record_.nodes[i];
      if (node.status == NodeStatus::kRunning) {
        node.status = NodeStatus::kCancelled;
        node.finished_at = now;
        node.error = status.ok() ? absl::CancelledError("the execution finished") : status;
        PublishFinishedLocked(static_cast<int>(i));
      }
    }
    timer = deadline_timer_;
  }
  if (timer != 0) core_->scheduler().Cancel(timer);
  // Stops whatever still runs; a no-op when the cancellation is what finished the execution. Nodes
  // that honour it may return right here, inline.
  root_->Cancel(absl::CancelledError(
      status.ok() ? std::string("the execution finished")
                  : absl::StrCat("the execution stopped: ", status.message())));
  bool seal_now = false;
  {
    absl::MutexLock lock(&mu_);
    if (sealed_) return;
    seal_now = live_total_ == 0;
  }
  if (seal_now) return Seal();
  sdk::TimerId grace = core_->scheduler().RunAfter(
      core_->limits().node_return_grace, [self = shared_from_this()] { self->GraceElapsed(); });
  bool stale = false;
  {
    absl::MutexLock lock(&mu_);
    stale = sealed_;  // the last node returned meanwhile
    if (!stale) grace_timer_ = grace;
  }
  if (stale) core_->scheduler().Cancel(grace);
  events_.Drain();
}

void Execution::Seal() {
  sdk::TimerId grace = 0;
  {
    absl::MutexLock lock(&mu_);
    if (sealed_ || !finished_) return;
    sealed_ = true;
    grace = grace_timer_;
    grace_timer_ = 0;
    for (const NodeRecord& node : record_.nodes) {
      record_.prompt_tokens += node.prompt_tokens;
      record_.completion_tokens += node.completion_tokens;
      record_.cost_usd += node.cost_usd;
    }
    if (record_.status.ok()) CollectOutputLocked();
    events_.Push([scheduler = &core_->scheduler(), done = std::move(done_),
                  record = std::move(record_)]() mutable {
      scheduler->Post([done = std::move(done), record = std::move(record)]() mutable {
        std::move(done)(std::move(record));
      });
    });
  }
  if (grace != 0) core_->scheduler().Cancel(grace);
  core_->ExecutionFinished();
  events_.Drain();
}

void Execution::GraceElapsed() {
  sdk::Json stragglers = sdk::Json::array();
  {
    absl::MutexLock lock(&mu_);
    if (sealed_) return;
    grace_timer_ = 0;
    for (size_t i = 0; i < live_.size(); ++i) {
      if (live_[i] > 0) stragglers.push_back(workflow_->nodes[i].name);
    }
  }
  logger_.Log(sdk::LogLevel::kWarning,
              "nodes did not return after the execution finished; sealing the record without "
              "what they report later",
              {{"nodes", std::move(stragglers)},
               {"grace_ms", absl::ToInt64Milliseconds(core_->limits().node_return_grace)}});
  Seal();
}

}  // namespace flowhost::executor
