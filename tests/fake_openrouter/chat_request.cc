#include "tests/fake_openrouter/chat_request.h"

#include <algorithm>

#include "absl/status/status.h"

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;

// The text of a message's content: a string, or the `text` of each part of a content array joined
// by spaces; anything else has no text.
std::string ContentText(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const Json& part : content) {
    if (!part.is_object()) continue;
    auto it = part.find("text");
    if (it == part.end() || !it->is_string()) continue;
    if (!text.empty()) text.push_back(' ');
    text.append(it->get_ref<const std::string&>());
  }
  return text;
}

void AddModel(const Json& value, std::vector<std::string>* models) {
  if (!value.is_string()) return;
  const std::string& id = value.get_ref<const std::string&>();
  if (id.empty() || std::find(models->begin(), models->end(), id) != models->end()) return;
  models->push_back(id);
}

bool ReasoningRequested(const Json& body) {
  auto include = body.find("include_reasoning");
  if (include != body.end() && include->is_boolean() && include->get<bool>()) return true;
  auto reasoning = body.find("reasoning");
  if (reasoning == body.end() || !reasoning->is_object()) return false;
  auto enabled = reasoning->find("enabled");
  if (enabled != reasoning->end() && enabled->is_boolean()) return enabled->get<bool>();
  auto exclude = reasoning->find("exclude");
  if (exclude != reasoning->end() && exclude->is_boolean() && exclude->get<bool>()) return false;
  return true;
}

}  // namespace

int64_t CountChars(std::string_view text) {
  int64_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

absl::StatusOr<ChatRequest> ParseChatRequest(std::string_view body) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError("Invalid JSON in request body");
  }
  if (!json.is_object()) return absl::InvalidArgumentError("Request body must be a JSON object");

  ChatRequest request;
  if (auto it = json.find("model"); it != json.end()) AddModel(*it, &request.models);
  if (auto it = json.find("models"); it != json.end() && it->is_array()) {
    for (const Json& model : *it) AddModel(model, &request.models);
  }
  if (auto it = json.find("stream"); it != json.end() && it->is_boolean()) {
    request.stream = it->get<bool>();
  }
  if (auto it = json.find("user"); it != json.end() && it->is_string()) {
    request.user = it->get<std::string>();
  }

  auto messages = json.find("messages");
  auto prompt = json.find("prompt");
  if (messages != json.end() && messages->is_array() && !messages->empty()) {
    for (const Json& message : *messages) {
      if (!message.is_object()) {
        return absl::InvalidArgumentError("Each message must be an object with a role and content");
      }
      auto content = message.find("content");
      std::string text = content == message.end() ? std::string() : ContentText(*content);
      request.prompt_chars += CountChars(text);
      auto role = message.find("role");
      if (role != message.end() && role->is_string() && role->get<std::string>() == "user") {
        request.last_user_text = std::move(text);
      }
    }
  } else if (prompt != json.end() && prompt->is_string()) {
    request.last_user_text = prompt->get<std::string>();
    request.prompt_chars = CountChars(request.last_user_text);
  } else {
    return absl::InvalidArgumentError("Input required: specify \"prompt\" or \"messages\"");
  }

  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    auto it = json.find(key);
    if (it != json.end() && it->is_number_integer()) request.max_tokens = it->get<int64_t>();
  }
  if (auto format = json.find("response_format"); format != json.end() && format->is_object()) {
    auto type = format->find("type");
    request.json_response =
        type != format->end() && type->is_string() &&
        (type->get<std::string>() == "json_object" || type->get<std::string>() == "json_schema");
  }
  request.reasoning_requested = ReasoningRequested(json);
  if (auto tools = json.find("tools"); tools != json.end() && tools->is_array()) {
    for (const Json& tool : *tools) {
      auto function = tool.is_object() ? tool.find("function") : tool.end();
      if (tool.is_object() && function != tool.end() && function->is_object()) {
        request.first_tool = *function;
        break;
      }
    }
  }
  return request;
}

}  // namespace flowhost::fake_openrouter
