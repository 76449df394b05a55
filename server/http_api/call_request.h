// The request message an API call carries, read from an HTTP request's query string and body
// once its path has been routed (routes.h): protobuf's JSON mapping of the WorkflowService method's
// request (docs/http.md "Endpoints"), or OpenAI's chat request for POST /v1/chat/completions
// (openai_mapping.h). The gateway (http_gateway.h) turns the message into a call; a refusal into a
// 400 (an OpenAI error for the OpenAI endpoint).
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_HTTP_API_CALL_REQUEST_H_
#define FLOWHOST_SERVER_HTTP_API_CALL_REQUEST_H_

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/status.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "server/http_api/openai_mapping.h"
#include "server/http_api/routes.h"

namespace flowhost::http_api {

// The message of each Method; monostate for the methods that take none (GET /v1/models and
// /v1/models/{id}, whose path says it all).
using CallMessage =
    std::variant<std::monostate, v1::RunWorkflowRequest, v1::StreamWorkflowRequest,
                 v1::ValidateWorkflowRequest, v1::ListWorkflowsRequest, v1::GetWorkflowRequest,
                 v1::ListNodeTypesRequest, openai::ChatRequest, v1::StartWorkflowRequest,
                 v1::ListExecutionsRequest, v1::GetExecutionRequest, v1::CancelExecutionRequest,
                 v1::RetryExecutionRequest, v1::WatchExecutionRequest>;

struct CallRequest {
  CallMessage message;
  // Why the request was refused: INVALID_ARGUMENT with the message the 400 carries; OK when it
  // was not.
  absl::Status refused;
  // The refusal of a chat completion request, in OpenAI's shape (its own status); `refused` is
  // then OK.
  std::optional<openai::Error> openai_refused;

  bool ok() const { return refused.ok() && !openai_refused.has_value(); }
};

// The message for `route` (found by MatchRoute) from `query` (the request target's query string,
// without the '?'; empty for none) and `body` (blank: the empty message). The workflow or execution
// a path names is the message's (a body or query naming another is refused). A query parameter
// that repeats, or names a repeated field (`states`), becomes a list. What the path names, and
// each query value, must be UTF-8 once percent-decoded (a refusal names the byte).
CallRequest ParseCallRequest(const Route& route, std::string_view query, std::string_view body);

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_CALL_REQUEST_H_
