#include "tests/fake_openrouter/request_handler.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/fake_openrouter/chat_answer.h"
#include "tests/fake_openrouter/chat_handler.h"
#include "tests/fake_openrouter/fixed_reply.h"
#include "tests/fake_openrouter/openrouter_error.h"

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kControlPrefix = "/_control/";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

ResponseScript Reply(const HttpRequest& request, int status, const Json& body) {
  return ScriptBuilder::Simple(request, status, "application/json", DumpJson(body));
}

ResponseScript ErrorReplyScript(const HttpRequest& request, int status, std::string_view message) {
  return Reply(request, status, ErrorBody(status, message));
}

// The value of `limit` in the query string, or `fallback`.
size_t QueryLimit(const std::string& target, size_t fallback) {
  size_t at = target.find("limit=");
  if (at == std::string::npos) return fallback;
  size_t value = fallback;
  const char* begin = target.data() + at + 6;
  std::from_chars(begin, target.data() + target.size(), value);
  return value;
}

}  // namespace

HandledRequest RequestHandler::Handle(const HttpRequest& request) {
  std::string_view path = request.path;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (StartsWith(path, kControlPrefix)) return {HandleControl(request, path), false};

  state_->stats.LogRequest(request);
  if (path == "/healthz") return {Reply(request, 200, Json{{"ok", true}}), false};

  // OpenRouter's API, also without the "/api" (or "/api/v1") prefix, like the Node fake.
  std::string_view route = path;
  if (StartsWith(route, "/api/")) route.remove_prefix(4);
  if (StartsWith(route, "/v1/")) route.remove_prefix(3);
  RequestKind kind = route == "/chat/completions" ? RequestKind::kChat
                     : route == "/models"         ? RequestKind::kModels
                                                  : RequestKind::kOtherApi;
  if (kind == RequestKind::kOtherApi && route == path) {
    return {ErrorReplyScript(request, 404, "No route for " + request.method + " " + request.path),
            false};
  }
  state_->stats.ApiRequestStarted(kind);
  std::string requested_model;
  HandledRequest handled{HandleApi(request, route, &requested_model), true};
  state_->stats.ApiRequestAnswered(handled.script.status, requested_model,
                                   handled.script.retry_after_window_ms);
  return handled;
}

ResponseScript RequestHandler::HandleApi(const HttpRequest& request, std::string_view route,
                                         std::string* requested_model) {
  std::optional<Behavior> header_behavior;
  if (const std::string* header = request.FindHeader("x-fake-behavior")) {
    Json parsed = Json::parse(*header, nullptr, /*allow_exceptions=*/false);
    absl::StatusOr<Behavior> behavior = parsed.is_discarded()
                                            ? absl::InvalidArgumentError("not valid JSON")
                                            : ParseBehavior(parsed);
    if (!behavior.ok()) {
      return ErrorReplyScript(request, 400,
                              "X-Fake-Behavior: " + std::string(behavior.status().message()));
    }
    header_behavior = *std::move(behavior);
  }

  if (route == "/chat/completions") {
    if (request.method != "POST") return ErrorReplyScript(request, 405, "Use POST");
    return HandleChat(request, header_behavior, *state_, rng_, requested_model);
  }
  if (route == "/models") {
    if (request.method != "GET") return ErrorReplyScript(request, 405, "Use GET");
    Behavior behavior;
    if (std::optional<Behavior> rule = state_->rules.Take("models", "*")) behavior = *rule;
    if (header_behavior.has_value()) behavior = Overlay(std::move(behavior), *header_behavior);
    FixedAnswer answer{200, state_->catalogue.body(), {}};
    if (behavior.IsError()) {
      ErrorReply error = ScriptedError(behavior, "openrouter/models", "");
      answer = FixedAnswer{error.status, DumpJson(error.body), std::move(error.headers)};
    }
    return FixedReply(request, std::move(answer), behavior,
                      TotalLatency(behavior, state_->config.latency_ms, rng_));
  }
  return ErrorReplyScript(request, 404, "No route for " + request.method + " " + request.path);
}

ResponseScript RequestHandler::HandleControl(const HttpRequest& request, std::string_view path) {
  const std::string& method = request.method;
  if (path == "/_control/stats" && method == "GET") {
    return Reply(request, 200, state_->stats.ToJson());
  }
  if (path == "/_control/stats/reset" && method == "POST") {
    state_->stats.Reset();
    return Reply(request, 200, Json{{"ok", true}});
  }
  if (path == "/_control/requests" && method == "GET") {
    return Reply(request, 200, state_->stats.RecentRequests(QueryLimit(request.target, 100)));
  }
  if (path == "/_control/rules") {
    if (method == "GET") return Reply(request, 200, state_->rules.ToJson());
    if (method == "DELETE") {
      state_->rules.Clear();
      return Reply(request, 200, Json{{"ok", true}});
    }
    if (method == "PUT" || method == "POST") {
      Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
      absl::Status status = body.is_discarded()
                                ? absl::InvalidArgumentError("body is not valid JSON")
                                : state_->rules.Append(body);
      if (!status.ok()) return ErrorReplyScript(request, 400, std::string(status.message()));
      return Reply(request, 200, state_->rules.ToJson());
    }
  }
  return ErrorReplyScript(request, 404, "No control route for " + method + " " + request.path);
}

}  // namespace flowhost::fake_openrouter
