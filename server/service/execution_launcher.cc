#include "server/service/execution_launcher.h"

#include <chrono>
#include <random>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "server/common/trace_context.h"
#include "server/metrics/host_metrics.h"
#include "server/service/json_proto.h"
#include "server/workflow/workflow.h"

namespace flowhost::service {
namespace {

absl::Time DeadlineOf(const grpc::CallbackServerContext& context) {
  std::chrono::system_clock::time_point deadline = context.deadline();
  // gRPC reports "no deadline" as a time centuries away; anything past a year is unbounded here.
  if (deadline >= std::chrono::system_clock::now() + std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

absl::StatusOr<workflow::WorkflowPtr> ResolveWorkflow(const ServiceEnvironment& env,
                                                      const WorkflowSource& source,
                                                      FailureContext& failure) {
  switch (source.kind) {
    case WorkflowSource::Kind::kNone:
      return absl::InvalidArgumentError(
          "the request names no workflow: set `workflow` (a loaded workflow's name) or `yaml`");
    case WorkflowSource::Kind::kName: {
      failure.workflow = source.text;
      if (workflow::WorkflowPtr found = env.store->Find(source.text)) return found;
      std::optional<WorkflowStore::Entry> entry = env.store->Get(source.text);
      if (entry.has_value()) {  // the file exists but never loaded
        failure.diagnostics = entry->diagnostics;
        return sdk::NodeError(absl::StatusCode::kFailedPrecondition, "workflow_broken",
                              "workflow '" + source.text + "' (" + entry->file +
                                  ") does not load; fix the file (the diagnostics are in the "
                                  "error details and in ListWorkflows)");
      }
      return sdk::NodeError(
          absl::StatusCode::kNotFound, sdk::error_class::kNotFound,
          "no workflow named '" + source.text +
              "' is loaded; ListWorkflows (`flowhost list`) lists the loaded ones");
    }
    case WorkflowSource::Kind::kYaml: {
      workflow::LoadResult result =
          workflow::LoadWorkflow("<inline>", source.text, *env.registry, env.load_limits);
      failure.diagnostics = result.diagnostics;
      if (result.ok()) {
        failure.workflow = result.workflow->name;
        return result.workflow;
      }
      std::string first;
      size_t errors = 0;
      for (const workflow::Diagnostic& diagnostic : result.diagnostics) {
        if (!diagnostic.is_error()) continue;
        if (errors++ == 0) first = diagnostic.ToString();
      }
      std::string message = "the workflow YAML is invalid: " + first;
      if (errors > 1) {
        message += " (and " + std::to_string(errors - 1) +
                   " more errors; all are in the error details, or use ValidateWorkflow)";
      }
      return absl::InvalidArgumentError(message);
    }
  }
  return absl::InternalError("unknown workflow source");
}

}  // namespace

absl::StatusOr<PreparedExecution> PrepareExecution(const ServiceEnvironment& env,
                                                   const grpc::CallbackServerContext& context,
                                                   const WorkflowSource& source,
                                                   const google::protobuf::Struct* input,
                                                   FailureContext& failure, WhenBusy when_busy) {
  return PrepareExecution(env, context, source,
                          input != nullptr ? StructToJson(*input) : sdk::Json::object(), failure,
                          when_busy);
}

absl::StatusOr<PreparedExecution> PrepareExecution(const ServiceEnvironment& env,
                                                   const grpc::CallbackServerContext& context,
                                                   const WorkflowSource& source,
                                                   const sdk::Json& inputs,
                                                   FailureContext& failure, WhenBusy when_busy) {
  if (env.auth != nullptr) {
    absl::Status allowed = env.auth->Check(context);
    if (!allowed.ok()) return allowed;
  }
  absl::StatusOr<workflow::WorkflowPtr> workflow = ResolveWorkflow(env, source, failure);
  if (!workflow.ok()) return workflow.status();

  absl::StatusOr<sdk::Json> bound = workflow::BindInputs(**workflow, inputs);
  if (!bound.ok()) return bound.status();

  absl::StatusOr<std::unique_ptr<ExecutionGate::Ticket>> ticket = env.gate->Enter();
  const bool queue = !ticket.ok() && when_busy == WhenBusy::kQueue &&
                     absl::IsResourceExhausted(ticket.status());
  if (!ticket.ok() && !queue) {
    if (env.metrics != nullptr) {
      env.metrics->RecordRefused(absl::IsUnavailable(ticket.status()) ? "draining" : "busy");
    }
    return ticket.status();
  }

  PreparedExecution prepared;
  if (!queue) prepared.ticket = *std::move(ticket);
  prepared.request.workflow = *std::move(workflow);
  prepared.request.inputs = *std::move(bound);
  prepared.request.deadline = DeadlineOf(context);
  prepared.request.id = NewExecutionId();
  // The caller's trace (gRPC metadata `traceparent`), or a new one when it sent none or a broken
  // one; the executor continues exactly this context.
  auto incoming = context.client_metadata().find(common::TraceContext::kHeader);
  prepared.request.traceparent =
      common::TraceContext::FromHeader(
          incoming == context.client_metadata().end()
              ? std::string_view()
              : std::string_view(incoming->second.data(), incoming->second.size()))
          .ToHeader();
  failure.execution_id = prepared.request.id;
  return prepared;
}

void StartRecorded(const ServiceEnvironment& env, std::string_view rpc,
                   std::shared_ptr<Recording> recording, executor::ExecutionRequest request,
                   std::shared_ptr<ExecutionGate::Ticket> ticket) {
  ExecutionRecorder::Observe(recording, request);
  if (env.scheduler != nullptr && env.durable_wait_threshold > absl::ZeroDuration()) {
    // Its caller does not wait for it, so a long `wait` may park it in the store.
    std::weak_ptr<Recording> weak = recording;
    request.park = [weak, scheduler = env.scheduler, threshold = env.durable_wait_threshold](
                       std::string_view node, absl::Time wake_at) {
      if (wake_at - absl::Now() <= threshold) return false;
      std::shared_ptr<Recording> recording = weak.lock();
      return recording != nullptr && recording->Park(node, wake_at, *scheduler);
    };
  }
  // No caller waits for it. A node starts only once its predecessor's result is committed: a
  // crash (kill -9) then runs again only the node that was in flight, never the one before it too
  // (docs/executions.md, "What is at least once"). A shutdown it outlasts releases it for the next
  // server to resume.
  recording->RunInBackground();
  request.before_next_nodes =
      [weak = std::weak_ptr<Recording>(recording)](absl::AnyInvocable<void() &&> proceed) {
        std::shared_ptr<Recording> held = weak.lock();
        if (held == nullptr) return std::move(proceed)();
        held->AfterResultsCommitted(std::move(proceed));
      };
  LogExecutionStarted(env, rpc, request);
  std::shared_ptr<executor::ExecutionHandle> handle = env.executor->Start(
      std::move(request), [&env, rpc = std::string(rpc), recording,
                           ticket](executor::ExecutionRecord record) mutable {
        Recording::Ending ending = recording->Finish(record);
        if (ending == Recording::Ending::kFinished) {
          ReportExecutionFinished(env, rpc, record);
        } else {
          LogExecutionLeft(env, rpc, record, ending);
        }
        ticket.reset();  // its place at the gate is free
      });
  if (ticket != nullptr) ticket->Attach(handle);
  recording->Attach(handle);
}

FailureContext FailureOf(const executor::ExecutionRecord& record) {
  FailureContext failure;
  failure.execution_id = record.id;
  failure.workflow = record.workflow;
  failure.node = record.failed_node;
  failure.node_location = record.failed_node_location;
  for (const executor::NodeRecord& node : record.nodes) {
    if (record.failed_node.empty()) {
      // Stopped for a reason not a node's (a deadline, a cancellation): the calls of the nodes
      // it stopped.
      if (node.status != executor::NodeStatus::kCancelled) continue;
      failure.calls.insert(failure.calls.end(), node.calls.begin(), node.calls.end());
      continue;
    }
    if (node.name != record.failed_node) continue;
    failure.attempts = node.attempts;
    failure.calls = node.calls;
  }
  return failure;
}

absl::Status CallerGoneReason(const grpc::CallbackServerContext& context) {
  // The caller's own deadline timer cancels the call once the deadline passes on its side: the
  // server sees that cancellation before its own view of the deadline (which starts when the
  // request arrives), by about the request's one-way latency. So close to the deadline, it is the
  // deadline.
  constexpr std::chrono::milliseconds kDeadlineSlack(250);
  if (context.deadline() - kDeadlineSlack <= std::chrono::system_clock::now()) {
    return sdk::NodeError(absl::StatusCode::kDeadlineExceeded, sdk::error_class::kTimeout,
                          "the caller's deadline passed");
  }
  return sdk::NodeError(absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
                        "the caller cancelled the call");
}

void LogExecutionStarted(const ServiceEnvironment& env, std::string_view rpc,
                         const executor::ExecutionRequest& request) {
  if (env.logger == nullptr || !env.logger->Enabled(sdk::LogLevel::kInfo)) return;
  sdk::Json fields = {
      {"execution_id", request.id}, {"workflow", request.workflow->name}, {"rpc", rpc}};
  if (std::optional<common::TraceContext> trace = common::TraceContext::Parse(request.traceparent)) {
    fields["trace_id"] = trace->trace_id;
  }
  if (request.deadline != absl::InfiniteFuture()) {
    fields["deadline_ms"] = absl::ToInt64Milliseconds(request.deadline - absl::Now());
  }
  env.logger->Log(sdk::LogLevel::kInfo, "execution started", fields);
}

void ReportExecutionFinished(const ServiceEnvironment& env, std::string_view rpc,
                             const executor::ExecutionRecord& record) {
  if (env.metrics != nullptr) env.metrics->RecordExecution(record);
  if (env.logger == nullptr) return;
  sdk::LogLevel level = record.status.ok() ? sdk::LogLevel::kInfo : sdk::LogLevel::kWarning;
  if (!env.logger->Enabled(level)) return;
  sdk::Json fields = {
      {"execution_id", record.id},
      {"trace_id", record.trace_id},
      {"workflow", record.workflow},
      {"rpc", rpc},
      {"status", std::string(sdk::AsStd(absl::StatusCodeToString(record.status.code())))},
      {"duration_ms", absl::ToDoubleMilliseconds(record.duration())},
      {"prompt_tokens", record.prompt_tokens},
      {"completion_tokens", record.completion_tokens},
      {"cost_usd", record.cost_usd},
      {"items_out", record.output.size()},
  };
  if (!record.status.ok()) {
    fields["error_class"] = sdk::ErrorClassOf(record.status);
    fields["error"] = env.scrubber->Scrub(sdk::AsStd(record.status.message()));
    if (!record.failed_node.empty()) fields["node"] = record.failed_node;
  }
  env.logger->Log(level, "execution finished", fields);
}

void LogExecutionLeft(const ServiceEnvironment& env, std::string_view rpc,
                      const executor::ExecutionRecord& record, Recording::Ending ending) {
  if (env.logger == nullptr || !env.logger->Enabled(sdk::LogLevel::kInfo)) return;
  env.logger->Log(sdk::LogLevel::kInfo,
                  ending == Recording::Ending::kParked
                      ? "execution parked on a durable timer"
                      : "execution released at shutdown, for the next server to resume",
                  {{"execution_id", record.id},
                   {"trace_id", record.trace_id},
                   {"workflow", record.workflow},
                   {"rpc", rpc},
                   {"duration_ms", absl::ToDoubleMilliseconds(record.duration())}});
}

std::string NewExecutionId() {
  // Time-ordered: the execution store's indexes on the id (the executions, their nodes and their
  // events) then grow at their end, where a commit writes one page for many executions, rather
  // than at a random page per execution. Unique by 40 random bits within a millisecond.
  thread_local std::mt19937_64 generator(std::random_device{}());
  auto ms = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  return absl::StrFormat("ex-%012x%010x", ms, generator() & 0xffffffffffULL);
}

}  // namespace flowhost::service
