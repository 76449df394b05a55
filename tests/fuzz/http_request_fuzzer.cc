// Fuzz target: the request side of the HTTP/JSON API (server/http_api): the request target parsed
// as evhttp parses it, the path routed (routes.h MatchRoute, EndpointName), and the query string
// and body read into the call's request message (call_request.h ParseCallRequest).
//
// Input: "METHOD TARGET\n" then the body, the rest of the input. METHOD is GET, POST or any other
// word (evhttp passes every method on); TARGET is the request target ("/v1/workflows?page_size=2").
//
// Invariants beyond "no crash, no leak, no undefined behaviour":
//   - every path has a metrics endpoint name from the bounded set, and an unknown path is
//     "unknown";
//   - a known path with another method names the one method it takes (GET or POST);
//   - a found route gives either a message of its method's type or one refusal: INVALID_ARGUMENT
//     with a message for the WorkflowService methods, a 4xx OpenAI error for chat completions
//     and a model id, each message in valid UTF-8;
//   - a call goes ahead only when the workflow name, execution id or model id its path names is
//     UTF-8 once percent-decoded, and with a message protobuf reads back (every string UTF-8);
//   - a message of :run / :stream with a workflow in the path names that workflow, as does
//     GetWorkflow's; the path's workflow is never empty for them;
//   - routing and parsing are pure: the same input gives the same result twice.
// Allocation is bounded by the input (the listener caps heads at 64 KiB and bodies at
// http_server.max_body_bytes).
#include <event2/http.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "flowhost/sdk/absl_compat.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/http_api/call_request.h"
#include "server/http_api/routes.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using flowhost::http_api::CallRequest;
using flowhost::http_api::HttpMethod;
using flowhost::http_api::Method;
using flowhost::http_api::Route;

// The variant index CallMessage holds for each method.
size_t MessageIndexOf(Method method) {
  switch (method) {
    case Method::kRun:
      return 1;
    case Method::kStream:
      return 2;
    case Method::kValidate:
      return 3;
    case Method::kListWorkflows:
      return 4;
    case Method::kGetWorkflow:
      return 5;
    case Method::kListNodeTypes:
      return 6;
    case Method::kChatCompletions:
      return 7;
    case Method::kListModels:
    case Method::kGetModel:
      return 0;
    case Method::kStart:
      return 8;
    case Method::kListExecutions:
      return 9;
    case Method::kGetExecution:
      return 10;
    case Method::kCancelExecution:
      return 11;
    case Method::kRetryExecution:
      return 12;
    case Method::kWatchExecution:
      return 13;
  }
  return 0;
}

// Whether two parses of the same request agree (the purity check).
bool SameParse(const Route& a, const CallRequest& call_a, const Route& b,
               const CallRequest& call_b) {
  if (a.outcome != b.outcome || a.method != b.method || a.workflow != b.workflow ||
      a.execution_id != b.execution_id ||
      a.allow != b.allow || call_a.message.index() != call_b.message.index() ||
      call_a.refused != call_b.refused ||
      call_a.openai_refused.has_value() != call_b.openai_refused.has_value()) {
    return false;
  }
  if (call_a.openai_refused.has_value() &&
      call_a.openai_refused->message != call_b.openai_refused->message) {
    return false;
  }
  return std::visit(
      [&call_b](const auto& message) {
        using Message = std::decay_t<decltype(message)>;
        const Message& other = std::get<Message>(call_b.message);
        if constexpr (std::is_base_of_v<google::protobuf::Message, Message>) {
          return google::protobuf::util::MessageDifferencer::Equals(message, other);
        } else if constexpr (std::is_same_v<Message, flowhost::http_api::openai::ChatRequest>) {
          return message.model == other.model && message.messages == other.messages &&
                 message.stream == other.stream && message.parameters == other.parameters;
        } else {
          return true;
        }
      },
      call_a.message);
}

struct UriDeleter {
  void operator()(evhttp_uri* uri) const { evhttp_uri_free(uri); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http_api = flowhost::http_api;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view line = input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  std::string_view method_word = line.substr(0, space);
  // evhttp's request line holds no NUL: the target is a C string.
  std::string target(line.substr(space + 1));
  if (target.find('\0') != std::string::npos) return 0;
  HttpMethod http_method = method_word == "GET"    ? HttpMethod::kGet
                           : method_word == "POST" ? HttpMethod::kPost
                                                   : HttpMethod::kOther;

  // As evhttp reads a request line's target (a request it cannot parse never reaches the router).
  std::unique_ptr<evhttp_uri, UriDeleter> uri(
      evhttp_uri_parse_with_flags(target.c_str(), EVHTTP_URI_NONCONFORMANT));
  if (uri == nullptr) return 0;
  const char* raw_path = evhttp_uri_get_path(uri.get());
  std::string path = raw_path != nullptr ? raw_path : "/";
  const char* raw_query = evhttp_uri_get_query(uri.get());
  std::string_view query = raw_query != nullptr ? raw_query : "";

  std::string_view endpoint = http_api::EndpointName(path, http_method);
  static constexpr std::array<std::string_view, 17> kEndpoints = {
      "run",          "stream",          "validate",         "list_workflows",
      "get_workflow", "list_node_types", "chat_completions", "models",
      "get_model",    "start",           "list_executions",  "get_execution",
      "cancel_execution", "retry_execution", "watch_execution", "metrics",
      "unknown"};
  bool bounded = false;
  for (std::string_view known : kEndpoints) bounded |= endpoint == known;
  FUZZ_CHECK(bounded, "endpoint '" << endpoint << "' for " << path);

  Route route = http_api::MatchRoute(http_method, path);
  if (route.outcome == Route::Outcome::kUnknownPath) {
    FUZZ_CHECK(endpoint == "unknown" || endpoint == "metrics", path);
    return 0;
  }
  FUZZ_CHECK(endpoint != "unknown", path);
  if (route.outcome == Route::Outcome::kWrongMethod) {
    FUZZ_CHECK(route.allow == "GET" || route.allow == "POST", path << " allows " << route.allow);
    FUZZ_CHECK(route.allow != (http_method == HttpMethod::kGet ? "GET" : "POST") ||
                   http_method == HttpMethod::kOther,
               path);
    return 0;
  }

  CallRequest call = http_api::ParseCallRequest(route, query, body);
  FUZZ_CHECK(SameParse(route, call, http_api::MatchRoute(http_method, path),
                       http_api::ParseCallRequest(route, query, body)),
             "a second parse differs for " << target);
  if (call.openai_refused.has_value()) {
    FUZZ_CHECK(route.method == Method::kChatCompletions || route.method == Method::kGetModel, path);
    FUZZ_CHECK(call.refused.ok(), path);
    FUZZ_CHECK(call.openai_refused->http_status >= 400 && call.openai_refused->http_status < 500 &&
                   !call.openai_refused->message.empty(),
               body);
    FUZZ_CHECK(flowhost::fuzz::IsValidUtf8(call.openai_refused->message),
               call.openai_refused->message);
    return 0;
  }
  if (!call.refused.ok()) {
    FUZZ_CHECK(call.refused.code() == absl::StatusCode::kInvalidArgument &&
                   !call.refused.message().empty(),
               call.refused);
    FUZZ_CHECK(flowhost::fuzz::IsValidUtf8(flowhost::sdk::AsStd(call.refused.message())),
               call.refused);
    return 0;
  }
  // What the path names goes into protobuf strings: a call goes ahead only with UTF-8 there.
  FUZZ_CHECK(flowhost::fuzz::IsValidUtf8(route.workflow) &&
                 flowhost::fuzz::IsValidUtf8(route.execution_id),
             path);
  FUZZ_CHECK(call.message.index() == MessageIndexOf(route.method),
             path << ": message " << call.message.index());
  if (const auto* run = std::get_if<flowhost::v1::RunWorkflowRequest>(&call.message)) {
    if (!route.workflow.empty()) FUZZ_CHECK(run->workflow() == route.workflow, path);
  }
  if (const auto* stream = std::get_if<flowhost::v1::StreamWorkflowRequest>(&call.message)) {
    if (!route.workflow.empty()) FUZZ_CHECK(stream->workflow() == route.workflow, path);
  }
  if (const auto* get = std::get_if<flowhost::v1::GetWorkflowRequest>(&call.message)) {
    FUZZ_CHECK(!route.workflow.empty() && get->name() == route.workflow, path);
  }
  if (route.method == Method::kGetModel) FUZZ_CHECK(!route.workflow.empty(), path);
  if (const auto* start = std::get_if<flowhost::v1::StartWorkflowRequest>(&call.message)) {
    if (!route.workflow.empty()) FUZZ_CHECK(start->workflow() == route.workflow, path);
  }
  // What goes ahead crosses the in-process gRPC channel: protobuf must read back what it wrote (a
  // proto3 string that is not UTF-8 is refused there).
  std::visit(
      [&](const auto& message) {
        using Message = std::decay_t<decltype(message)>;
        if constexpr (std::is_base_of_v<google::protobuf::Message, Message>) {
          Message read;
          FUZZ_CHECK(read.ParseFromString(message.SerializeAsString()),
                     "protobuf cannot read back the message for " << target);
        }
      },
      call.message);
  // A method on one execution carries the id its path names, never another.
  std::visit(
      [&](const auto& message) {
        using Message = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<Message, flowhost::v1::GetExecutionRequest> ||
                      std::is_same_v<Message, flowhost::v1::CancelExecutionRequest> ||
                      std::is_same_v<Message, flowhost::v1::RetryExecutionRequest> ||
                      std::is_same_v<Message, flowhost::v1::WatchExecutionRequest>) {
          FUZZ_CHECK(!route.execution_id.empty() && message.execution_id() == route.execution_id,
                     path);
        }
      },
      call.message);
  return 0;
}
