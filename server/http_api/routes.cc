#include "server/http_api/routes.h"

#include <event2/http.h>

#include <cstdlib>
#include <memory>

namespace flowhost::http_api {
namespace {

constexpr std::string_view kWorkflows = "/v1/workflows";
constexpr std::string_view kExecutions = "/v1/executions";
constexpr std::string_view kModelsSlash = "/v1/models/";

std::string Decode(std::string_view text) {
  std::string copy(text);
  size_t size = 0;
  std::unique_ptr<char, decltype(&std::free)> decoded(
      evhttp_uridecode(copy.c_str(), /*decode_plus=*/0, &size), &std::free);
  if (decoded == nullptr) return copy;
  return std::string(decoded.get(), size);
}

Route Found(Method method, std::string workflow = "") {
  Route route;
  route.outcome = Route::Outcome::kFound;
  route.method = method;
  route.workflow = std::move(workflow);
  return route;
}

Route WrongMethod(std::string allow, Method method = Method::kRun) {
  Route route;
  route.outcome = Route::Outcome::kWrongMethod;
  route.method = method;
  route.allow = std::move(allow);
  return route;
}

// `verb` after the colon of "...:verb": run, stream, start or validate.
Route MatchVerb(HttpMethod http_method, std::string_view verb, std::string workflow) {
  Method method;
  if (verb == "run") {
    method = Method::kRun;
  } else if (verb == "stream") {
    method = Method::kStream;
  } else if (verb == "start") {
    method = Method::kStart;
  } else if (verb == "validate" && workflow.empty()) {
    method = Method::kValidate;
  } else {
    return Route{};
  }
  if (http_method != HttpMethod::kPost) return WrongMethod("POST");
  return Found(method, std::move(workflow));
}

// `rest`: what follows "/v1/executions" in the path.
Route MatchExecutions(HttpMethod http_method, std::string_view rest) {
  if (rest.empty()) {
    if (http_method != HttpMethod::kGet) return WrongMethod("GET", Method::kListExecutions);
    return Found(Method::kListExecutions);
  }
  if (rest[0] != '/' || rest.size() == 1) return Route{};
  std::string_view id = rest.substr(1);
  if (id.find('/') != std::string_view::npos) return Route{};
  Method method = Method::kGetExecution;
  HttpMethod takes = HttpMethod::kGet;
  if (size_t colon = id.rfind(':'); colon != std::string_view::npos) {
    std::string_view verb = id.substr(colon + 1);
    id = id.substr(0, colon);
    if (id.empty()) return Route{};
    if (verb == "cancel") {
      method = Method::kCancelExecution;
      takes = HttpMethod::kPost;
    } else if (verb == "retry") {
      method = Method::kRetryExecution;
      takes = HttpMethod::kPost;
    } else if (verb == "watch") {
      method = Method::kWatchExecution;
    } else {
      return Route{};
    }
  }
  if (http_method != takes) return WrongMethod(takes == HttpMethod::kGet ? "GET" : "POST", method);
  Route route = Found(method);
  route.execution_id = Decode(id);
  return route;
}

}  // namespace

Route MatchRoute(HttpMethod http_method, std::string_view path) {
  if (path == "/v1/chat/completions") {
    if (http_method != HttpMethod::kPost) return WrongMethod("POST", Method::kChatCompletions);
    return Found(Method::kChatCompletions);
  }
  if (path == "/v1/models") {
    if (http_method != HttpMethod::kGet) return WrongMethod("GET", Method::kListModels);
    return Found(Method::kListModels);
  }
  if (path.substr(0, kModelsSlash.size()) == kModelsSlash && path.size() > kModelsSlash.size()) {
    // The rest is the id, slashes and all ("anthropic/claude-fable-5", as the openai clients send
    // it unencoded).
    if (http_method != HttpMethod::kGet) return WrongMethod("GET", Method::kGetModel);
    return Found(Method::kGetModel, Decode(path.substr(kModelsSlash.size())));
  }
  if (path == "/v1/nodeTypes") {
    if (http_method != HttpMethod::kGet) return WrongMethod("GET");
    return Found(Method::kListNodeTypes);
  }
  if (path.substr(0, kExecutions.size()) == kExecutions) {
    return MatchExecutions(http_method, path.substr(kExecutions.size()));
  }
  if (path.substr(0, kWorkflows.size()) != kWorkflows) return Route{};
  std::string_view rest = path.substr(kWorkflows.size());
  if (rest.empty()) {
    if (http_method != HttpMethod::kGet) return WrongMethod("GET");
    return Found(Method::kListWorkflows);
  }
  if (rest[0] == ':') return MatchVerb(http_method, rest.substr(1), "");
  if (rest[0] != '/' || rest.size() == 1) return Route{};
  std::string_view name = rest.substr(1);
  if (name.find('/') != std::string_view::npos) return Route{};
  // A name never holds an encoded colon as its verb separator: "a%3Arun" is the workflow "a:run".
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos) {
    if (colon == 0) return Route{};
    return MatchVerb(http_method, name.substr(colon + 1), Decode(name.substr(0, colon)));
  }
  if (http_method != HttpMethod::kGet) return WrongMethod("GET");
  return Found(Method::kGetWorkflow, Decode(name));
}

std::string_view EndpointName(std::string_view path, HttpMethod http_method) {
  if (path == "/metrics") return "metrics";
  Route route = MatchRoute(http_method, path);
  if (route.outcome == Route::Outcome::kUnknownPath) return "unknown";
  switch (route.method) {
    case Method::kRun:
      return "run";
    case Method::kStream:
      return "stream";
    case Method::kValidate:
      return "validate";
    case Method::kListWorkflows:
      return "list_workflows";
    case Method::kGetWorkflow:
      return "get_workflow";
    case Method::kListNodeTypes:
      return "list_node_types";
    case Method::kChatCompletions:
      return "chat_completions";
    case Method::kListModels:
      return "models";
    case Method::kGetModel:
      return "get_model";
    case Method::kStart:
      return "start";
    case Method::kListExecutions:
      return "list_executions";
    case Method::kGetExecution:
      return "get_execution";
    case Method::kCancelExecution:
      return "cancel_execution";
    case Method::kRetryExecution:
      return "retry_execution";
    case Method::kWatchExecution:
      return "watch_execution";
  }
  return "unknown";
}

}  // namespace flowhost::http_api
