#include "nodes/openrouter/chat_request.h"

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

// Fields copied into the body as they are when present and not null.
constexpr const char* kPassedFields[] = {"temperature",
                                         "top_p",
                                         "top_k",
                                         "max_tokens",
                                         "stop",
                                         "seed",
                                         "frequency_penalty",
                                         "presence_penalty",
                                         "response_format",
                                         "tools",
                                         "tool_choice",
                                         "reasoning",
                                         "provider",
                                         "user"};

// Fields `extra` may not set: the node builds them itself.
constexpr const char* kReservedFields[] = {"model", "models", "messages", "stream"};

absl::Status Invalid(std::string message) {
  return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kInvalidInput,
                        message);
}

bool Present(const Json& params, const char* name) {
  auto it = params.find(name);
  return it != params.end() && !it->is_null();
}

bool NonEmptyString(const Json& params, const char* name) {
  auto it = params.find(name);
  return it != params.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

void AddText(const Json& content, int64_t& chars) {
  if (content.is_string()) {
    chars += static_cast<int64_t>(content.get_ref<const std::string&>().size());
  } else if (content.is_array()) {
    for (const Json& part : content) {
      if (part.is_object()) {
        if (auto text = part.find("text"); text != part.end()) AddText(*text, chars);
      }
    }
  }
}

}  // namespace

absl::StatusOr<Json> BuildChatBody(const Json& params, bool stream) {
  if (!params.is_object()) return Invalid("chat parameters must be an object");
  Json body = Json::object();
  if (auto extra = params.find("extra"); extra != params.end() && extra->is_object()) {
    for (const char* reserved : kReservedFields) {
      if (extra->contains(reserved)) {
        return Invalid(absl::StrCat("extra.", reserved, " is set by the node; use the '", reserved,
                                    "' parameter instead"));
      }
    }
    body = *extra;
  }

  bool has_model = NonEmptyString(params, "model");
  auto models = params.find("models");
  bool has_models = models != params.end() && models->is_array() && !models->empty();
  if (!has_model && !has_models) return Invalid("no model: set 'model' or 'models'");
  if (has_model) body["model"] = params["model"];
  if (has_models) body["models"] = *models;

  Json messages = Json::array();
  if (NonEmptyString(params, "system")) {
    messages.push_back({{"role", "system"}, {"content", params["system"]}});
  }
  if (auto given = params.find("messages"); given != params.end() && given->is_array()) {
    for (const Json& message : *given) messages.push_back(message);
  }
  if (NonEmptyString(params, "prompt")) {
    messages.push_back({{"role", "user"}, {"content", params["prompt"]}});
  }
  if (messages.empty()) return Invalid("no messages: set 'prompt' or 'messages'");
  body["messages"] = std::move(messages);

  for (const char* field : kPassedFields) {
    if (Present(params, field)) body[field] = params[field];
  }
  if (stream) body["stream"] = true;
  // Ask OpenRouter to report the call's cost in `usage` (current API versions always do).
  if (!body.contains("usage")) body["usage"] = {{"include", true}};
  return body;
}

std::vector<ParamProblem> CheckChatParams(const Json& params, bool require_model,
                                          const std::function<bool(std::string_view)>& dynamic) {
  std::vector<ParamProblem> problems;
  if (!params.is_object()) return problems;
  if (require_model && !dynamic("/model") && !dynamic("/models") &&
      !NonEmptyString(params, "model") &&
      !(params.contains("models") && params["models"].is_array() && !params["models"].empty())) {
    problems.push_back({"", "set 'model' (or 'models', OpenRouter's fallback list)"});
  }
  if (!params.contains("prompt") && !params.contains("messages")) {
    problems.push_back({"", "set 'prompt' (a user message) or 'messages'"});
  }
  if (auto extra = params.find("extra"); extra != params.end() && extra->is_object()) {
    for (const char* reserved : kReservedFields) {
      if (extra->contains(reserved)) {
        problems.push_back(
            {absl::StrCat("/extra/", reserved),
             absl::StrCat("set by the node; use the '", reserved, "' parameter instead")});
      }
    }
  }
  return problems;
}

std::string ModelLabel(const Json& params) {
  if (NonEmptyString(params, "model")) return params["model"].get<std::string>();
  auto models = params.find("models");
  if (models == params.end() || !models->is_array()) return "";
  std::vector<std::string> names;
  for (const Json& m : *models) names.push_back(m.is_string() ? m.get<std::string>() : m.dump());
  return absl::StrJoin(names, ", ");
}

int64_t EstimatePromptTokens(const Json& body) {
  int64_t chars = 0;
  if (auto messages = body.find("messages"); messages != body.end() && messages->is_array()) {
    for (const Json& message : *messages) {
      if (message.is_object()) {
        if (auto content = message.find("content"); content != message.end()) {
          AddText(*content, chars);
        }
      }
    }
  }
  return (chars + 3) / 4;
}

}  // namespace flowhost::nodes::openrouter
