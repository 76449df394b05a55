#include "nodes/openrouter_client/chat_response.h"

#include <string>
#include <vector>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;

// Moves object[key] into `out` when it is a non-empty string.
void TakeString(Json& object, std::string_view key, std::string& out) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return;
  std::string& value = it->get_ref<std::string&>();
  if (!value.empty()) out = std::move(value);
}

// Takes id, model, provider and usage from a completion or chunk object, moving them out of it
// (the caller parsed it for this answer and drops it afterwards).
void TakeEnvelope(Json& object, ChatAnswer& answer) {
  TakeString(object, "id", answer.generation_id);
  TakeString(object, "model", answer.model);
  TakeString(object, "provider", answer.provider);
  if (auto usage = object.find("usage"); usage != object.end() && usage->is_object()) {
    answer.prompt_tokens = sdk::IntField(*usage, "prompt_tokens");
    answer.completion_tokens = sdk::IntField(*usage, "completion_tokens");
    if (auto cost = usage->find("cost"); cost != usage->end() && cost->is_number()) {
      answer.reported_cost = cost->get<double>();
    }
    answer.usage = std::move(*usage);
  }
}

Json* FirstChoice(Json& object) {
  auto choices = object.find("choices");
  if (choices == object.end() || !choices->is_array() || choices->empty()) return nullptr;
  Json& first = (*choices)[0];
  return first.is_object() ? &first : nullptr;
}

// The item of `answer`: copies its parts from a const ChatAnswer&, moves them from a ChatAnswer&&.
// Fields go straight into the object (no initializer-list temporaries to copy from).
template <typename Answer>
Json ItemOf(Answer&& answer, std::optional<double> cost_usd, absl::Duration latency) {
  Json item = Json::object();
  Json::object_t& fields = item.get_ref<Json::object_t&>();
  fields.emplace("content", std::forward<Answer>(answer).content);
  fields.emplace("reasoning", std::forward<Answer>(answer).reasoning);
  fields.emplace("tool_calls", std::forward<Answer>(answer).tool_calls);
  fields.emplace("model", std::forward<Answer>(answer).model);
  fields.emplace("provider", std::forward<Answer>(answer).provider);
  fields.emplace("finish_reason", std::forward<Answer>(answer).finish_reason);
  fields.emplace("usage", std::forward<Answer>(answer).usage);
  fields.emplace("cost_usd", cost_usd.has_value() ? Json(*cost_usd) : Json(nullptr));
  fields.emplace("generation_id", std::forward<Answer>(answer).generation_id);
  fields.emplace("latency_ms", absl::ToDoubleMilliseconds(latency));
  return item;
}

}  // namespace

const std::vector<std::string>& ChatItemFields() {
  static const auto* fields = new std::vector<std::string>{
      "content", "reasoning", "tool_calls",    "model",         "provider",
      "finish_reason", "usage", "cost_usd", "generation_id", "latency_ms"};
  return *fields;
}

Json ChatAnswer::ToItem(std::optional<double> cost_usd, absl::Duration latency) const& {
  return ItemOf(*this, cost_usd, latency);
}

Json ChatAnswer::ToItem(std::optional<double> cost_usd, absl::Duration latency) && {
  return ItemOf(std::move(*this), cost_usd, latency);
}

absl::StatusOr<ChatAnswer> ParseChatCompletion(std::string_view body, absl::Time now,
                                               const CallDescription& call) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return MalformedResponse("the body is not valid JSON", call);
  if (!parsed.is_object()) return MalformedResponse("the body is not a JSON object", call);
  if (auto error = parsed.find("error"); error != parsed.end() && !error->is_null()) {
    return ClassifyErrorObject(*error, /*mid_stream=*/false, now, call);
  }
  Json* choice = FirstChoice(parsed);
  if (choice == nullptr) return MalformedResponse("no choices in the completion", call);
  if (auto error = choice->find("error"); error != choice->end() && error->is_object()) {
    return ClassifyErrorObject(*error, /*mid_stream=*/false, now, call);
  }
  auto message = choice->find("message");
  if (message == choice->end() || !message->is_object()) {
    return MalformedResponse("the first choice has no message", call);
  }
  // `parsed` is dropped on return: its parts are moved into the answer, not copied.
  ChatAnswer answer;
  if (auto content = message->find("content"); content != message->end()) {
    answer.content = std::move(*content);
  }
  if (auto reasoning = message->find("reasoning");
      reasoning != message->end() && reasoning->is_string()) {
    answer.reasoning = std::move(*reasoning);
  }
  if (auto calls = message->find("tool_calls"); calls != message->end() && calls->is_array()) {
    answer.tool_calls = std::move(*calls);
  }
  TakeString(*choice, "finish_reason", answer.finish_reason);
  TakeEnvelope(parsed, answer);
  if (answer.model.empty()) answer.model = call.model;
  return answer;
}

ChatStreamAccumulator::ChatStreamAccumulator(CallDescription call, DeltaCallback on_delta)
    : call_(std::move(call)), on_delta_(std::move(on_delta)) {}

void ChatStreamAccumulator::Fail(absl::Status status) {
  if (error_.ok()) error_ = std::move(status);
}

void ChatStreamAccumulator::OnData(std::string_view data, absl::Time now) {
  if (finished()) return;
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  Json chunk = Json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (chunk.is_discarded() || !chunk.is_object()) {
    Fail(MalformedResponse(
        absl::StrCat("a stream event is not a JSON object: ", UpstreamExcerpt(data, 120)), call_));
    return;
  }
  if (auto error = chunk.find("error"); error != chunk.end() && !error->is_null()) {
    Fail(ClassifyErrorObject(*error, /*mid_stream=*/true, now, call_));
    return;
  }
  saw_chunk_ = true;
  TakeEnvelope(chunk, answer_);
  Json* choice = FirstChoice(chunk);
  if (choice == nullptr) return;  // e.g. the final usage chunk
  if (auto delta = choice->find("delta"); delta != choice->end() && delta->is_object()) {
    if (auto content = delta->find("content"); content != delta->end() && content->is_string()) {
      const std::string& text = content->get_ref<const std::string&>();
      saw_content_ = true;
      if (!text.empty()) {
        content_ += text;
        if (on_delta_) on_delta_(text, "content");
      }
    }
    if (auto reasoning = delta->find("reasoning");
        reasoning != delta->end() && reasoning->is_string()) {
      const std::string& text = reasoning->get_ref<const std::string&>();
      if (!text.empty()) {
        saw_reasoning_ = true;
        reasoning_ += text;
        if (on_delta_) on_delta_(text, "reasoning");
      }
    }
    if (auto calls = delta->find("tool_calls"); calls != delta->end() && calls->is_array()) {
      MergeToolCalls(*calls);
    }
  }
  if (auto reason = choice->find("finish_reason"); reason != choice->end() && reason->is_string()) {
    answer_.finish_reason = reason->get<std::string>();
  }
}

// Tool calls arrive in pieces keyed by `index`: the first piece has id, type and function name,
// later ones append to function.arguments.
void ChatStreamAccumulator::MergeToolCalls(const Json& deltas) {
  if (!answer_.tool_calls.is_array()) answer_.tool_calls = Json::array();
  for (const Json& delta : deltas) {
    if (!delta.is_object()) continue;
    size_t index = answer_.tool_calls.size();
    if (auto it = delta.find("index"); it != delta.end() && it->is_number_unsigned()) {
      index = it->get<size_t>();
    }
    if (index > 1024) continue;  // a bound against a hostile stream
    while (answer_.tool_calls.size() <= index) {
      answer_.tool_calls.push_back(
          {{"id", ""}, {"type", "function"}, {"function", {{"name", ""}, {"arguments", ""}}}});
    }
    Json& call = answer_.tool_calls[index];
    if (std::string id = sdk::StringField(delta, "id"); !id.empty()) call["id"] = id;
    if (std::string type = sdk::StringField(delta, "type"); !type.empty()) call["type"] = type;
    if (auto function = delta.find("function"); function != delta.end() && function->is_object()) {
      if (std::string name = sdk::StringField(*function, "name"); !name.empty()) {
        call["function"]["name"] = name;
      }
      if (std::string args = sdk::StringField(*function, "arguments"); !args.empty()) {
        call["function"]["arguments"] = call["function"]["arguments"].get<std::string>() + args;
      }
    }
  }
}

absl::StatusOr<ChatAnswer> ChatStreamAccumulator::Finish() {
  if (!error_.ok()) return error_;
  if (!saw_chunk_) return MalformedResponse("the stream ended without any answer", call_);
  if (!done_ && answer_.finish_reason.empty()) {
    return MalformedResponse("the stream ended before a finish or [DONE]", call_);
  }
  // Called once: the accumulated text and answer move out instead of being copied.
  ChatAnswer answer = std::move(answer_);
  if (saw_content_ || !content_.empty()) answer.content = std::move(content_);
  if (saw_reasoning_) answer.reasoning = std::move(reasoning_);
  if (answer.model.empty()) answer.model = call_.model;
  return answer;
}

}  // namespace flowhost::nodes::openrouter
