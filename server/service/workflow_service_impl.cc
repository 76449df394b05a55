#include "server/service/workflow_service_impl.h"

#include <algorithm>

#include "flowhost/sdk/error.h"
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

}  // namespace

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
  if (env_.auth != nullptr) {
    if (absl::Status allowed = env_.auth->Check(*context); !allowed.ok()) {
      return Reply(context, allowed);
    }
  }
  if (request->yaml().empty()) {
    return Reply(context, absl::InvalidArgumentError("yaml is required: the workflow to check"));
  }
  std::string file = request->file_name().empty() ? "<inline>" : request->file_name();
  workflow::LoadResult result =
      workflow::LoadWorkflow(file, request->yaml(), *env_.registry, env_.load_limits);
  response->set_valid(result.ok());
  for (const workflow::Diagnostic& diagnostic : SortedDiagnostics(std::move(result.diagnostics))) {
    DiagnosticToProto(diagnostic, *response->add_diagnostics());
  }
  if (result.ok()) {
    WorkflowToProto(*result.workflow, v1::WORKFLOW_VIEW_BASIC, *response->mutable_workflow());
  }
  return Reply(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::ListWorkflows(
    grpc::CallbackServerContext* context, const v1::ListWorkflowsRequest* request,
    v1::ListWorkflowsResponse* response) {
  if (env_.auth != nullptr) {
    if (absl::Status allowed = env_.auth->Check(*context); !allowed.ok()) {
      return Reply(context, allowed);
    }
  }
  absl::StatusOr<int> page_size =
      EffectivePageSize(request->page_size(), kDefaultPageSize, kMaxPageSize);
  if (!page_size.ok()) return Reply(context, page_size.status());
  absl::StatusOr<std::string> after = DecodePageToken("workflows", request->page_token());
  if (!after.ok()) return Reply(context, after.status());
  v1::WorkflowView view =
      request->view() == v1::WORKFLOW_VIEW_UNSPECIFIED ? v1::WORKFLOW_VIEW_BASIC : request->view();

  std::vector<WorkflowStore::Entry> entries = env_.store->List();  // sorted by name
  response->set_total_size(static_cast<int32_t>(entries.size()));
  auto it = entries.begin();
  if (!after->empty()) {
    it = std::upper_bound(entries.begin(), entries.end(), *after,
                          [](const std::string& name, const WorkflowStore::Entry& entry) {
                            return name < entry.name;
                          });
  }
  for (; it != entries.end() && response->workflows_size() < *page_size; ++it) {
    EntryToProto(*it, view, *response->add_workflows());
  }
  if (it != entries.end()) {
    response->set_next_page_token(EncodePageToken("workflows", std::prev(it)->name));
  }
  return Reply(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::GetWorkflow(grpc::CallbackServerContext* context,
                                                           const v1::GetWorkflowRequest* request,
                                                           v1::GetWorkflowResponse* response) {
  if (env_.auth != nullptr) {
    if (absl::Status allowed = env_.auth->Check(*context); !allowed.ok()) {
      return Reply(context, allowed);
    }
  }
  if (request->name().empty()) {
    return Reply(context, absl::InvalidArgumentError("name is required: the workflow to get"));
  }
  std::optional<WorkflowStore::Entry> entry = env_.store->Get(request->name());
  if (!entry.has_value()) {
    return Reply(context, sdk::NodeError(absl::StatusCode::kNotFound, sdk::error_class::kNotFound,
                                         "no workflow named '" + request->name() +
                                             "' is loaded; ListWorkflows lists the loaded ones"));
  }
  v1::WorkflowView view =
      request->view() == v1::WORKFLOW_VIEW_UNSPECIFIED ? v1::WORKFLOW_VIEW_FULL : request->view();
  EntryToProto(*entry, view, *response->mutable_workflow());
  return Reply(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* WorkflowServiceImpl::ListNodeTypes(
    grpc::CallbackServerContext* context, const v1::ListNodeTypesRequest* request,
    v1::ListNodeTypesResponse* response) {
  if (env_.auth != nullptr) {
    if (absl::Status allowed = env_.auth->Check(*context); !allowed.ok()) {
      return Reply(context, allowed);
    }
  }
  absl::StatusOr<int> page_size =
      EffectivePageSize(request->page_size(), kDefaultPageSize, kMaxPageSize);
  if (!page_size.ok()) return Reply(context, page_size.status());
  absl::StatusOr<std::string> after = DecodePageToken("node_types", request->page_token());
  if (!after.ok()) return Reply(context, after.status());

  std::vector<std::shared_ptr<const sdk::NodeType>> types = env_.registry->List();  // sorted
  response->set_total_size(static_cast<int32_t>(types.size()));
  auto it = types.begin();
  if (!after->empty()) {
    it = std::upper_bound(
        types.begin(), types.end(), *after,
        [](const std::string& name, const std::shared_ptr<const sdk::NodeType>& t) {
          return name < t->info().type;
        });
  }
  for (; it != types.end() && response->node_types_size() < *page_size; ++it) {
    absl::Status converted = NodeTypeToProto((*it)->info(), *response->add_node_types());
    if (!converted.ok())
      return Reply(context, absl::InternalError(std::string(converted.message())));
  }
  if (it != types.end()) {
    response->set_next_page_token(EncodePageToken("node_types", (*std::prev(it))->info().type));
  }
  return Reply(context, absl::OkStatus());
}

}  // namespace flowhost::service
