#include "server/service/workflow_service_impl.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "flowhost/sdk/error.h"
#include "server/remote/worker_hub.h"
#include "server/service/page_token.h"
#include "server/service/proto_convert.h"
#include "server/service/run_reactor.h"
#include "server/service/status_mapping.h"
#include "server/service/stream_reactor.h"

namespace flowhost::service {
namespace {

v1::LoadState LoadStateToProto(WorkflowStore::LoadState state) {
  switch (state) {
    case WorkflowStore::LoadState::kLoaded:
      return v1::LOAD_STATE_LOADED;
    case WorkflowStore::LoadState::kStale:
      return v1::LOAD_STATE_STALE;
    case WorkflowStore::LoadState::kFailed:
      return v1::LOAD_STATE_FAILED;
  }
  return v1::LOAD_STATE_UNSPECIFIED;
}

void EntryToProto(const WorkflowStore::Entry& entry, v1::WorkflowView view, v1::Workflow& out) {
  if (entry.workflow != nullptr) WorkflowToProto(*entry.workflow, view, out);
  out.set_name(entry.name);
  out.set_source_file(entry.file);
  ToTimestamp(entry.loaded_at, *out.mutable_load_time());
  out.set_load_state(LoadStateToProto(entry.state));
  for (const workflow::Diagnostic& diagnostic : entry.diagnostics) {
    DiagnosticToProto(diagnostic, *out.add_diagnostics());
  }
}

// Sorted by line, then column; diagnostics without a position first.
std::vector<workflow::Diagnostic> SortedDiagnostics(std::vector<workflow::Diagnostic> diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const workflow::Diagnostic& a, const workflow::Diagnostic& b) {
                     return std::pair(a.location.line, a.location.column) <
                            std::pair(b.location.line, b.location.column);
                   });
  return diagnostics;
}

v1::RouteState RouteStateToProto(nodes::router::RouteState state) {
  switch (state) {
    case nodes::router::RouteState::kClosed:
      return v1::ROUTE_STATE_CLOSED;
    case nodes::router::RouteState::kOpen:
      return v1::ROUTE_STATE_OPEN;
    case nodes::router::RouteState::kHalfOpen:
      return v1::ROUTE_STATE_HALF_OPEN;
  }
  return v1::ROUTE_STATE_UNSPECIFIED;
}

void RouteHealthToProto(const nodes::router::RouteHealthTable::Snapshot& route,
                        v1::RouteHealth& out) {
  out.set_route(route.key);
  out.set_state(RouteStateToProto(route.state));
  out.set_calls(route.calls);
  out.set_failures(route.failures);
  out.set_failure_rate(route.calls > 0 ? static_cast<double>(route.failures) / route.calls : 0);
  if (route.state == nodes::router::RouteState::kOpen) {
    ToTimestamp(route.open_until, *out.mutable_open_until());
  }
  out.set_opened_by(route.opened_by);
  out.set_retry_after(route.retry_after);
  out.set_failed_probes(route.failed_probes);
  out.set_opened_by_replica(route.opened_by_replica);
  if (route.last_failure != absl::InfinitePast()) {
    ToTimestamp(route.last_failure, *out.mutable_last_failure_time());
  }
}

}  // namespace

grpc::ServerUnaryReactor* WorkflowServiceImpl::Answer(grpc::CallbackServerContext* context,
                                                      absl::FunctionRef<absl::Status()> answer) {
  absl::Status status = env_.auth != nullptr ? env_.auth->Check(*context) : absl::OkStatus();
  if (status.ok()) status = answer();
  return Reply(context, status);
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::Reply(grpc::CallbackServerContext* context,
                                                     const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status.ok() ? grpc::Status::OK
                              : FailCall(*context, status, FailureContext(), *env_.scrubber,
                                         env_.max_retry_after));
  return reactor;
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::RunWorkflow(grpc::CallbackServerContext* context,
                                                           const v1::RunWorkflowRequest* request,
                                                           v1::RunWorkflowResponse* response) {
  return RunReactor::Start(env_, context, request, response);
}

grpc::ServerWriteReactor<v1::StreamWorkflowResponse>* WorkflowServiceImpl::StreamWorkflow(
    grpc::CallbackServerContext* context, const v1::StreamWorkflowRequest* request) {
  return StreamReactor::Start(env_, context, request);
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::ValidateWorkflow(
    grpc::CallbackServerContext* context, const v1::ValidateWorkflowRequest* request,
    v1::ValidateWorkflowResponse* response) {
  return Answer(context, [&]() -> absl::Status {
    if (request->yaml().empty()) {
      return absl::InvalidArgumentError("yaml is required: the workflow to check");
    }
    std::string file = request->file_name().empty() ? "<inline>" : request->file_name();
    workflow::LoadResult result =
        workflow::LoadWorkflow(file, request->yaml(), *env_.registry, env_.load_limits);
    response->set_valid(result.ok());
    for (const workflow::Diagnostic& diagnostic :
         SortedDiagnostics(std::move(result.diagnostics))) {
      DiagnosticToProto(diagnostic, *response->add_diagnostics());
    }
    if (result.ok()) {
      WorkflowToProto(*result.workflow, v1::WORKFLOW_VIEW_BASIC, *response->mutable_workflow());
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::ListWorkflows(
    grpc::CallbackServerContext* context, const v1::ListWorkflowsRequest* request,
    v1::ListWorkflowsResponse* response) {
  return Answer(context, [&]() -> absl::Status {
    std::vector<WorkflowStore::Entry> entries = env_.store->List();  // sorted by list_key
    absl::StatusOr<Page> page = FindPage(
        entries, [](const WorkflowStore::Entry& entry) { return entry.list_key(); }, "workflows",
        request->page_size(), request->page_token());
    if (!page.ok()) return page.status();
    v1::WorkflowView view = request->view() == v1::WORKFLOW_VIEW_UNSPECIFIED
                                ? v1::WORKFLOW_VIEW_BASIC
                                : request->view();
    response->set_total_size(static_cast<int32_t>(entries.size()));
    for (size_t i = page->begin; i < page->end; ++i) {
      EntryToProto(entries[i], view, *response->add_workflows());
    }
    response->set_next_page_token(std::move(page->next_page_token));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::GetWorkflow(grpc::CallbackServerContext* context,
                                                           const v1::GetWorkflowRequest* request,
                                                           v1::GetWorkflowResponse* response) {
  return Answer(context, [&]() -> absl::Status {
    if (request->name().empty()) {
      return absl::InvalidArgumentError("name is required: the workflow to get");
    }
    std::optional<WorkflowStore::Entry> entry = env_.store->Get(request->name());
    if (!entry.has_value()) {
      return sdk::NodeError(
          absl::StatusCode::kNotFound, sdk::error_class::kNotFound,
          "no workflow named '" + request->name() +
              "' is loaded; ListWorkflows (`flowhost list`) lists the loaded ones");
    }
    v1::WorkflowView view =
        request->view() == v1::WORKFLOW_VIEW_UNSPECIFIED ? v1::WORKFLOW_VIEW_FULL : request->view();
    EntryToProto(*entry, view, *response->mutable_workflow());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::ListNodeTypes(
    grpc::CallbackServerContext* context, const v1::ListNodeTypesRequest* request,
    v1::ListNodeTypesResponse* response) {
  return Answer(context, [&]() -> absl::Status {
    std::vector<std::shared_ptr<const sdk::NodeType>> types = env_.registry->List();  // sorted
    absl::StatusOr<Page> page = FindPage(
        types, [](const auto& type) -> const std::string& { return type->info().type; },
        "node_types", request->page_size(), request->page_token());
    if (!page.ok()) return page.status();
    response->set_total_size(static_cast<int32_t>(types.size()));
    for (size_t i = page->begin; i < page->end; ++i) {
      v1::NodeType& node_type = *response->add_node_types();
      absl::Status converted = NodeTypeToProto(types[i]->info(), node_type);
      if (!converted.ok()) return absl::InternalError(std::string(converted.message()));
      const registry::NodeOrigin* origin = env_.registry->OriginOf(types[i]->info().type);
      if (origin != nullptr && !origin->builtin()) {
        v1::NodeTypePlugin& plugin = *node_type.mutable_plugin();
        plugin.set_file(origin->plugin_file);
        plugin.set_name(origin->plugin_name);
        plugin.set_version(origin->plugin_version);
      }
    }
    response->set_next_page_token(std::move(page->next_page_token));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::ListRouteHealth(
    grpc::CallbackServerContext* context, const v1::ListRouteHealthRequest* /*request*/,
    v1::ListRouteHealthResponse* response) {
  return Answer(context, [&]() -> absl::Status {
    if (env_.route_health == nullptr) return absl::OkStatus();
    for (const nodes::router::RouteHealthTable::Snapshot& route :
         env_.route_health->List(absl::Now())) {
      RouteHealthToProto(route, *response->add_routes());
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::ListWorkers(grpc::CallbackServerContext* context,
                                                           const v1::ListWorkersRequest* request,
                                                           v1::ListWorkersResponse* response) {
  return Answer(context, [&]() -> absl::Status {
    if (env_.workers == nullptr) return absl::OkStatus();
    const std::string& type = request->node_type();
    for (const remote::WorkerSnapshot& worker : env_.workers->Workers()) {
      if (!type.empty() && std::find(worker.node_types.begin(), worker.node_types.end(), type) ==
                               worker.node_types.end()) {
        continue;
      }
      v1::RemoteWorker& out = *response->add_workers();
      out.set_worker_id(worker.worker_id);
      out.set_session_id(worker.session_id);
      out.set_worker_build(worker.worker_build);
      for (const std::string& node_type : worker.node_types) out.add_node_types(node_type);
      out.set_credits_free(worker.credits_free);
      out.set_in_flight(worker.in_flight);
      ToTimestamp(worker.connected, *out.mutable_connect_time());
      ToTimestamp(worker.last_heard, *out.mutable_last_heard_time());
      out.set_draining(worker.draining);
    }
    for (const auto& [node_type, count] : env_.workers->QueuedByType()) {
      if (type.empty() || node_type == type) (*response->mutable_queued_items())[node_type] = count;
    }
    return absl::OkStatus();
  });
}

}  // namespace flowhost::service
