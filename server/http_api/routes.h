// The HTTP paths of the API and the gRPC method each one calls (docs/http.md):
//
//   POST /v1/workflows/{name}:run      RunWorkflow      body: RunWorkflowRequest, `workflow` from the path
//   POST /v1/workflows:run             RunWorkflow      body: RunWorkflowRequest (`workflow` or `yaml`)
//   POST /v1/workflows/{name}:stream   StreamWorkflow   Server-Sent Events
//   POST /v1/workflows:stream          StreamWorkflow
//   POST /v1/workflows:validate        ValidateWorkflow body: ValidateWorkflowRequest
//   GET  /v1/workflows                 ListWorkflows    query: page_size, page_token, view
//   GET  /v1/workflows/{name}          GetWorkflow      query: view
//   GET  /v1/nodeTypes                 ListNodeTypes    query: page_size, page_token
//   POST /v1/workflows/{name}:start    StartWorkflow    body: StartWorkflowRequest, `workflow` from the path
//   POST /v1/workflows:start           StartWorkflow    body: StartWorkflowRequest (`workflow` or `yaml`)
//   GET  /v1/executions                ListExecutions   query: workflow, states, create_time_after, ...
//   GET  /v1/executions/{id}           GetExecution     query: include_nodes, include_items
//   POST /v1/executions/{id}:cancel    CancelExecution
//   POST /v1/executions/{id}:retry     RetryExecution   body: {"fromFailedNode": true} or empty
//   GET  /v1/executions/{id}:watch     WatchExecution   Server-Sent Events with ids; query:
//                                                       from_sequence (or a Last-Event-ID header)
//   POST /v1/chat/completions          the OpenAI-compatible endpoint (openai_exchange.h)
//   GET  /v1/models                    the workflows exposed as OpenAI models
//   GET  /v1/models/{id}               one of them (or an id the default workflow serves)
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_HTTP_API_ROUTES_H_
#define FLOWHOST_SERVER_HTTP_API_ROUTES_H_

#include <string>
#include <string_view>

namespace flowhost::http_api {

enum class Method {
  kRun,
  kStream,
  kValidate,
  kListWorkflows,
  kGetWorkflow,
  kListNodeTypes,
  kChatCompletions,
  kListModels,
  kGetModel,
  kStart,
  kListExecutions,
  kGetExecution,
  kCancelExecution,
  kRetryExecution,
  kWatchExecution,
};

// Whether `method` belongs to the OpenAI-compatible endpoint (its errors take OpenAI's shape).
inline bool IsOpenAiMethod(Method method) {
  return method == Method::kChatCompletions || method == Method::kListModels ||
         method == Method::kGetModel;
}

enum class HttpMethod { kGet, kPost, kOther };

struct Route {
  enum class Outcome { kFound, kUnknownPath, kWrongMethod };
  Outcome outcome = Outcome::kUnknownPath;
  Method method = Method::kRun;  // also set for kWrongMethod
  // From the path (percent-decoded): the workflow, or for kGetModel the model id; empty when the
  // path names none.
  std::string workflow;
  std::string execution_id;  // from the path of the execution methods (percent-decoded)
  std::string allow;     // for kWrongMethod: the methods the path takes ("POST")
};

// The endpoint's word in metrics (flowhost_http_server_requests_total): run, stream, validate,
// list_workflows, get_workflow, list_node_types, chat_completions, models, get_model, start,
// list_executions, get_execution, cancel_execution, retry_execution, watch_execution; "metrics" for
// /metrics and "unknown" for any other path.
std::string_view EndpointName(std::string_view path, HttpMethod http_method);

// Matches `path` (without the query, still percent-encoded) and `http_method`.
Route MatchRoute(HttpMethod http_method, std::string_view path);

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_ROUTES_H_
