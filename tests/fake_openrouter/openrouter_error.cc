#include "tests/fake_openrouter/openrouter_error.h"

#include "tests/fake_openrouter/chat_answer.h"

namespace flowhost::fake_openrouter {

using Json = nlohmann::ordered_json;

namespace {

// OpenRouter's 403s: the input flagged by a model's moderation, a request blocked by a guardrail,
// a spending limit (guardrail, workspace or key budget) used up, no endpoint allowed by the
// account's data policy, or a key that may not be used.
void Forbidden(std::string_view kind, std::string_view model, const std::string& provider,
               std::string_view user_text, std::string& message, std::optional<Json>& metadata) {
  if (kind == "guardrail") {
    message = "Request blocked: prompt injection patterns detected";
    metadata = Json{{"guardrail", "prompt_injection"}};
  } else if (kind == "budget") {
    message = "Budget limit exceeded";
    metadata = Json{{"limit_source", "openrouter_key_limit"},
                    {"scope", "key"},
                    {"limit_usd", 10},
                    {"spend_usd", 10.02},
                    {"resets_at", "2030-01-01T00:00:00Z"}};
  } else if (kind == "data_policy") {
    message =
        "No endpoints available matching your guardrail restrictions and data policy. "
        "Configure: https://openrouter.ai/settings/privacy";
  } else if (kind == "key") {
    message = "This API key is disabled";
  } else {
    message = std::string(model) + " requires moderation on " + provider +
              ". Your input was flagged for \"harassment\". No credits were charged.";
    metadata = Json{{"reasons", Json::array({"harassment"})},
                    {"flagged_input", std::string(user_text.substr(0, 100))},
                    {"provider_name", provider},
                    {"model_slug", std::string(model)}};
  }
}

}  // namespace

Json ErrorBody(int code, std::string_view message, const std::optional<Json>& metadata) {
  Json error = {{"code", code}, {"message", std::string(message)}};
  if (metadata.has_value()) error["metadata"] = *metadata;
  return Json{{"error", std::move(error)}};
}

ErrorReply ScriptedError(const Behavior& behavior, std::string_view model,
                         std::string_view user_text) {
  ErrorReply reply;
  reply.status = behavior.status.value_or(500);
  const std::string provider = ProviderName(model);
  std::string message;
  std::optional<Json> metadata;
  switch (reply.status) {
    case 401:
      message = "User not found.";
      break;
    case 402:
      message = "Insufficient credits. Add more credits to this account to continue.";
      break;
    case 403:
      Forbidden(behavior.forbidden.value_or("moderation"), model, provider, user_text, message,
                metadata);
      break;
    case 408:
      message = "Request timed out";
      break;
    case 429:
      message =
          "Rate limit exceeded: " + std::string(model) + " is temporarily rate-limited upstream.";
      metadata = Json{{"provider_name", provider},
                      {"headers", {{"X-RateLimit-Limit", "20"}, {"X-RateLimit-Remaining", "0"}}}};
      break;
    case 500:
      message = "Internal Server Error";
      break;
    case 502:
      message = "Provider returned error";
      metadata = Json{{"provider_name", provider},
                      {"raw", "{\"error\":{\"code\":502,\"message\":\"upstream connect error\"}}"}};
      break;
    case 503:
      message = "No endpoints found that can handle the requested parameters.";
      metadata = Json{{"provider_name", nullptr}};
      break;
    default:
      message = "Fake upstream error " + std::to_string(reply.status);
      break;
  }
  if (behavior.retry_after.has_value()) {
    reply.headers.emplace_back("Retry-After", *behavior.retry_after);
    if (!metadata.has_value()) metadata = Json::object();
    (*metadata)["retry_after"] = *behavior.retry_after;
  }
  if (behavior.metadata.has_value()) {
    if (!metadata.has_value()) metadata = Json::object();
    metadata->update(Json(*behavior.metadata));
  }
  if (behavior.message.has_value()) message = *behavior.message;
  reply.body = ErrorBody(reply.status, message, metadata);
  return reply;
}

}  // namespace flowhost::fake_openrouter
