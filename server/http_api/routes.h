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
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_HTTP_API_ROUTES_H_
#define FLOWHOST_SERVER_HTTP_API_ROUTES_H_

#include <string>
#include <string_view>

namespace flowhost::http_api {

enum class Method { kRun, kStream, kValidate, kListWorkflows, kGetWorkflow, kListNodeTypes };

enum class HttpMethod { kGet, kPost, kOther };

struct Route {
  enum class Outcome { kFound, kUnknownPath, kWrongMethod };
  Outcome outcome = Outcome::kUnknownPath;
  Method method = Method::kRun;
  std::string workflow;  // from the path (percent-decoded); empty when the path names none
  std::string allow;     // for kWrongMethod: the methods the path takes ("POST")
};

// Matches `path` (without the query, still percent-encoded) and `http_method`.
Route MatchRoute(HttpMethod http_method, std::string_view path);

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_ROUTES_H_
