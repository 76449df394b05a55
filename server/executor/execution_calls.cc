// Execution: what node runs ask of their execution while they work — attempts and upstream calls
// for the record, token deltas for the observer, sub-workflows and attached nodes.
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "server/executor/execution.h"
#include "server/executor/node_invocation.h"

namespace flowhost::executor {

void Execution::AttemptStarted(int node, int attempt) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    NodeRecord& record = record_.nodes[node];
    ++record.attempts;
    if (record.started_at == absl::InfinitePast()) record.started_at = Now();
    record.status = NodeStatus::kRunning;
    if (observer_ != nullptr) {
      events_.Push([observer = observer_, name = record.name, attempt] {
        observer->OnNodeStarted(name, attempt);
      });
    }
  }
  events_.Drain();
}

void Execution::NodeEntered(int node) {
  absl::MutexLock lock(&mu_);
  ++live_[node];
  ++live_total_;
}

void Execution::NodeReturned(int node) {
  bool seal = false;
  {
    absl::MutexLock lock(&mu_);
    --live_[node];
    --live_total_;
    seal = finished_ && !sealed_ && live_total_ == 0;
  }
  if (seal) Seal();
}

void Execution::RecordCall(int node, int attempt, sdk::AttemptRecord call) {
  absl::MutexLock lock(&mu_);
  if (sealed_) return;
  NodeRecord& record = record_.nodes[node];
  call.attempt = attempt;
  record.prompt_tokens += call.prompt_tokens;
  record.completion_tokens += call.completion_tokens;
  record.cost_usd += call.cost_usd;
  if (call.outcome == sdk::outcome::kOk && !call.model.empty()) record.model = call.model;
  record.calls.push_back(std::move(call));
}

bool Execution::wants_tokens() const { return observer_ != nullptr && observer_->wants_tokens(); }

void Execution::TokenDelta(int node, size_t item_index, std::string_view text,
                           std::string_view kind) {
  if (observer_ == nullptr || finished()) return;
  observer_->OnTokenDelta(workflow_->nodes[node].name, item_index, text, kind);
}

void Execution::TokenDeltaFrom(int node, size_t item_index, std::string_view text,
                               std::string_view kind, const sdk::TokenSource& source) {
  if (observer_ == nullptr || finished()) return;
  observer_->OnTokenDeltaFrom(workflow_->nodes[node].name, item_index, text, kind, source);
}

void Execution::TokensReset(int node, size_t item_index, const sdk::TokenSource& source) {
  if (observer_ == nullptr || finished()) return;
  observer_->OnTokensReset(workflow_->nodes[node].name, item_index, source);
}

void Execution::RunSubWorkflow(int node, int attempt, std::string_view name, sdk::Json inputs,
                               const sdk::CancellationToken& parent,
                               absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)> done) {
  // Failures are posted too, so that `done` never runs inside the node's call.
  auto fail = [this, &done](absl::Status status) {
    core_->scheduler().Post([done = std::move(done), status = std::move(status)]() mutable {
      done(std::move(status));
    });
  };
  int depth = parent_.has_value() ? parent_->depth + 1 : 1;
  std::vector<std::string> chain =
      parent_.has_value() ? parent_->chain : std::vector<std::string>{workflow_->name};
  chain.emplace_back(name);
  int limit = core_->limits().max_subworkflow_depth;
  if (depth > limit) {
    return fail(
        sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kLimitExceeded,
                       absl::StrCat("sub-workflow depth would exceed max_subworkflow_depth (",
                                    limit, "): ", absl::StrJoin(chain, " -> "))));
  }
  if (core_->workflows() == nullptr) {
    return fail(absl::FailedPreconditionError(
        "this host runs no workflow store, so no workflow can be run by name"));
  }
  workflow::WorkflowPtr child = core_->workflows()->Find(name);
  if (child == nullptr) {
    return fail(
        sdk::NodeError(absl::StatusCode::kNotFound, sdk::error_class::kNotFound,
                       absl::StrCat("no workflow named '", sdk::AsAbsl(name), "' is loaded")));
  }
  if (finished()) return fail(absl::CancelledError("the execution has finished"));

  ExecutionRequest request;
  request.workflow = std::move(child);
  request.inputs = std::move(inputs);
  request.id = absl::StrCat(info_.id, "/", next_child_.fetch_add(1) + 1);
  request.traceparent = trace_.ToHeader();  // the sub-workflow continues the caller's trace
  ParentLink link{parent, depth, std::move(chain), items_, cost_};
  core_->Start(
      std::move(request),
      [self = shared_from_this(), node, attempt,
       done = std::move(done)](ExecutionRecord record) mutable {
        // The child's upstream calls count towards the node attempt that ran it.
        for (NodeRecord& child_node : record.nodes) {
          for (sdk::AttemptRecord& call : child_node.calls) {
            self->RecordCall(node, attempt, std::move(call));
          }
        }
        if (!record.status.ok()) return done(std::move(record.status));
        done(std::move(record.output));
      },
      &link);
}

void Execution::InvokeNode(std::string_view name, sdk::Items input,
                           const sdk::CancellationToken& parent, sdk::NodeDone done) {
  auto post = [this](sdk::NodeDone done, absl::StatusOr<sdk::NodeResult> result) {
    core_->scheduler().Post([done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  };
  auto it = workflow_->node_index.find(sdk::AsAbsl(name));
  if (it == workflow_->node_index.end()) {
    return post(std::move(done), absl::NotFoundError(absl::StrCat(
                                     "no node named '", sdk::AsAbsl(name), "' in this workflow")));
  }
  int node = it->second;
  const workflow::CompiledNode& compiled = workflow_->nodes[node];
  if (!compiled.attached) {
    return post(std::move(done),
                absl::FailedPreconditionError(absl::StrCat(
                    "node '", compiled.name,
                    "' is part of the main flow; only nodes named by an x-node-ref parameter "
                    "can be invoked")));
  }
  auto inputs =
      std::make_shared<std::vector<sdk::Items>>(std::max<size_t>(compiled.inputs.size(), 1));
  (*inputs)[0] = std::move(input);
  {
    absl::MutexLock lock(&mu_);
    if (finished_) {
      return post(std::move(done), absl::CancelledError("the execution has finished"));
    }
    NodeRecord& record = record_.nodes[node];
    record.items_in += (*inputs)[0].size();
    if (compiled.settings.disabled) {
      record.status = NodeStatus::kDisabled;
      record.items_out += (*inputs)[0].size();
      sdk::NodeResult result;
      result.outputs.push_back((*inputs)[0]);
      return post(std::move(done), std::move(result));
    }
  }
  // Started from the pool, so that `done` never runs inside the caller's InvokeNode.
  core_->scheduler().Post([self = shared_from_this(), node, inputs = std::move(inputs),
                           parent = parent, done = std::move(done)]() mutable {
    NodeInvocation::Start(
        self, node, std::move(inputs), std::move(parent),
        [self, node, done = std::move(done)](absl::StatusOr<sdk::NodeResult> result) mutable {
          if (absl::Status limit = self->AttachedFinished(node, result); !limit.ok()) {
            result = std::move(limit);
          }
          done(std::move(result));
        });
  });
}

absl::Status Execution::AttachedFinished(int node, const absl::StatusOr<sdk::NodeResult>& result) {
  const workflow::CompiledNode& compiled = workflow_->nodes[node];
  absl::Status limit;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return absl::OkStatus();
    NodeRecord& record = record_.nodes[node];
    record.finished_at = Now();
    if (result.ok()) {
      limit = CheckItemsLocked(node, result->outputs);
      record.status = limit.ok() ? NodeStatus::kSucceeded : NodeStatus::kFailed;
      record.error = limit;
      for (const sdk::Items& items : result->outputs) record.items_out += items.size();
    } else {
      record.status =
          absl::IsCancelled(result.status()) ? NodeStatus::kCancelled : NodeStatus::kFailed;
      record.error = result.status();
    }
    PublishFinishedLocked(node);
  }
  events_.Drain();
  if (!limit.ok()) {
    limit = sdk::Annotate(limit, absl::StrCat("node '", compiled.name, "'"));
    Finish(limit, compiled.name);
  }
  return limit;
}

}  // namespace flowhost::executor
