#include "tests/fake_openrouter/chat_answer.h"

#include <cctype>
#include <utility>

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kAnswerPrefix = "Fake answer to: ";
constexpr std::string_view kReasoningPrefix = "Reasoning about: ";

// Deterministic arguments for a tool: each declared property gets a value of its type (strings get
// the last user message's text).
Json ToolArguments(const nlohmann::json& function, const std::string& user_text) {
  Json arguments = Json::object();
  auto parameters = function.find("parameters");
  if (parameters == function.end() || !parameters->is_object()) return arguments;
  auto properties = parameters->find("properties");
  if (properties == parameters->end() || !properties->is_object()) return arguments;
  for (auto it = properties->begin(); it != properties->end(); ++it) {
    std::string type;
    if (it.value().is_object()) {
      auto type_it = it.value().find("type");
      if (type_it != it.value().end() && type_it->is_string()) type = type_it->get<std::string>();
    }
    if (type == "integer" || type == "number") {
      arguments[it.key()] = 1;
    } else if (type == "boolean") {
      arguments[it.key()] = true;
    } else if (type == "array") {
      arguments[it.key()] = Json::array();
    } else if (type == "object") {
      arguments[it.key()] = Json::object();
    } else {
      arguments[it.key()] = user_text;
    }
  }
  return arguments;
}

std::string NativeFinishReason(std::string_view provider, std::string_view finish_reason) {
  if (provider == "Google AI Studio") return "STOP";  // Gemini says STOP for tool calls too
  if (provider == "Anthropic") return finish_reason == "tool_calls" ? "tool_use" : "end_turn";
  return std::string(finish_reason);
}

}  // namespace

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ProviderName(std::string_view model_id) {
  std::string author(model_id.substr(0, model_id.find('/')));
  if (author == "google") return "Google AI Studio";
  if (author == "anthropic") return "Anthropic";
  if (author == "openai") return "OpenAI";
  if (!author.empty())
    author[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(author[0])));
  return author;
}

ChatAnswer ComposeAnswer(const ChatRequest& request, const ModelInfo& model,
                         const Behavior& behavior, std::string id, int64_t created) {
  ChatAnswer answer;
  answer.id = std::move(id);
  answer.created = created;
  answer.model = model.id;
  answer.provider = ProviderName(model.id);

  int64_t completion_chars = 0;
  bool wants_tool = request.first_tool.has_value() &&
                    request.last_user_text.find("call tool") != std::string::npos;
  if (wants_tool) {
    const nlohmann::json& function = *request.first_tool;
    auto name = function.find("name");
    std::string arguments = DumpJson(ToolArguments(function, request.last_user_text));
    completion_chars += CountChars(arguments);
    answer.tool_call = Json{
        {"id", "call_" + answer.id.substr(answer.id.rfind('-') + 1)},
        {"index", 0},
        {"type", "function"},
        {"function",
         {{"name", name != function.end() && name->is_string() ? name->get<std::string>() : ""},
          {"arguments", std::move(arguments)}}}};
    answer.finish_reason = "tool_calls";
  } else {
    std::string text = behavior.content.has_value()
                           ? *behavior.content
                           : std::string(kAnswerPrefix) + request.last_user_text;
    if (request.json_response) text = DumpJson(Json{{"answer", text}});
    completion_chars += CountChars(text);
    answer.content = std::move(text);
    answer.finish_reason = "stop";
  }
  answer.native_finish_reason = NativeFinishReason(answer.provider, answer.finish_reason);

  if (request.reasoning_requested && model.reasoning) {
    answer.reasoning = std::string(kReasoningPrefix) + request.last_user_text;
    answer.reasoning_tokens = EstimateTokens(CountChars(*answer.reasoning));
  }
  answer.prompt_tokens = EstimateTokens(request.prompt_chars);
  answer.completion_tokens = EstimateTokens(completion_chars) + answer.reasoning_tokens;
  answer.prompt_cost = static_cast<double>(answer.prompt_tokens) * model.prompt_price;
  answer.completion_cost = static_cast<double>(answer.completion_tokens) * model.completion_price;
  answer.request_cost = model.request_price;
  return answer;
}

Json UsageJson(const ChatAnswer& answer) {
  double cost = answer.prompt_cost + answer.completion_cost + answer.request_cost;
  return Json{
      {"prompt_tokens", answer.prompt_tokens},
      {"completion_tokens", answer.completion_tokens},
      {"total_tokens", answer.prompt_tokens + answer.completion_tokens},
      {"cost", cost},
      {"is_byok", false},
      {"prompt_tokens_details", {{"cached_tokens", 0}, {"audio_tokens", 0}}},
      {"cost_details",
       {{"upstream_inference_cost", nullptr},
        {"upstream_inference_prompt_cost", answer.prompt_cost},
        {"upstream_inference_completions_cost", answer.completion_cost}}},
      {"completion_tokens_details",
       {{"reasoning_tokens", answer.reasoning_tokens}, {"image_tokens", 0}}},
  };
}

Json CompletionJson(const ChatAnswer& answer) {
  Json message = {
      {"role", "assistant"},
      {"content", answer.content.has_value() ? Json(*answer.content) : Json(nullptr)},
      {"refusal", nullptr},
      {"reasoning", answer.reasoning.has_value() ? Json(*answer.reasoning) : Json(nullptr)}};
  if (answer.reasoning.has_value()) {
    message["reasoning_details"] = Json::array({{{"type", "reasoning.text"},
                                                 {"text", *answer.reasoning},
                                                 {"format", "unknown"},
                                                 {"index", 0}}});
  }
  if (answer.tool_call.has_value()) message["tool_calls"] = Json::array({*answer.tool_call});
  return Json{
      {"id", answer.id},
      {"provider", answer.provider},
      {"model", answer.model},
      {"object", "chat.completion"},
      {"created", answer.created},
      {"choices", Json::array({{{"logprobs", nullptr},
                                {"finish_reason", answer.finish_reason},
                                {"native_finish_reason", answer.native_finish_reason},
                                {"index", 0},
                                {"message", std::move(message)}}})},
      {"system_fingerprint", nullptr},
      {"usage", UsageJson(answer)},
  };
}

Json ChunkJson(const ChatAnswer& answer, Json delta,
               std::optional<std::string_view> finish_reason) {
  Json choice = {{"index", 0},
                 {"delta", std::move(delta)},
                 {"finish_reason", nullptr},
                 {"native_finish_reason", nullptr},
                 {"logprobs", nullptr}};
  if (finish_reason.has_value()) {
    choice["finish_reason"] = std::string(*finish_reason);
    choice["native_finish_reason"] = answer.native_finish_reason;
  }
  return Json{{"id", answer.id},           {"provider", answer.provider},
              {"model", answer.model},     {"object", "chat.completion.chunk"},
              {"created", answer.created}, {"choices", Json::array({std::move(choice)})}};
}

std::vector<std::string> SplitText(std::string_view text, int64_t pieces) {
  std::vector<std::string> parts;
  int64_t chars = CountChars(text);
  if (pieces < 1) pieces = 1;
  if (pieces > chars) pieces = chars > 0 ? chars : 1;
  size_t pos = 0;
  for (int64_t i = 0; i < pieces; ++i) {
    // Characters for part i: an even share, the remainder going to the first parts.
    int64_t want = chars / pieces + (i < chars % pieces ? 1 : 0);
    size_t end = pos;
    for (int64_t taken = 0; end < text.size() && taken < want;) {
      ++end;
      while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
      ++taken;
    }
    if (i == pieces - 1) end = text.size();
    parts.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return parts;
}

}  // namespace flowhost::fake_openrouter
