// The fake's deterministic answer to a chat request, and its JSON in OpenRouter's shapes.
//
// The answer text is "Fake answer to: " + the last user message's text (or the behavior's
// `content`); with response_format json_object / json_schema it is the JSON text {"answer": "<that
// text>"}. When tools are given and the last user message contains "call tool", the answer is a
// call of the first tool instead (finish_reason "tool_calls"). Reasoning requested on a model that
// supports it adds the reasoning text "Reasoning about: " + the last user message's text.
//
// Token counts: prompt = ceil(chars of all messages / 4); completion = ceil(chars of the answer,
// the tool call's arguments and the reasoning / 4). Cost = tokens x the model's per-token prices,
// plus its per-request price.
//
// Pure functions; safe from any thread.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_ANSWER_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_ANSWER_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fake_openrouter/behavior.h"
#include "tests/fake_openrouter/catalogue.h"
#include "tests/fake_openrouter/chat_request.h"

namespace flowhost::fake_openrouter {

struct ChatAnswer {
  std::string id;  // "gen-..."
  int64_t created = 0;
  std::string model;
  std::string provider;
  std::optional<std::string> content;  // nullopt when the answer is a tool call
  std::optional<std::string> reasoning;
  std::optional<nlohmann::ordered_json> tool_call;  // {id, type, function{name, arguments}}
  std::string finish_reason;
  std::string native_finish_reason;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;  // includes reasoning_tokens
  int64_t reasoning_tokens = 0;
  double prompt_cost = 0;
  double completion_cost = 0;
  double request_cost = 0;
};

// Builds the answer of `model` to `request`.
ChatAnswer ComposeAnswer(const ChatRequest& request, const ModelInfo& model,
                         const Behavior& behavior, std::string id, int64_t created);

// The provider name OpenRouter reports for a model: "google" -> "Google AI Studio", "anthropic" ->
// "Anthropic", "openai" -> "OpenAI", otherwise the author (the id up to '/') capitalised.
std::string ProviderName(std::string_view model_id);

// The non-streaming `chat.completion` body.
nlohmann::ordered_json CompletionJson(const ChatAnswer& answer);

// The `usage` object.
nlohmann::ordered_json UsageJson(const ChatAnswer& answer);

// A `chat.completion.chunk` with one choice carrying `delta`; `finish_reason` null unless given.
nlohmann::ordered_json ChunkJson(const ChatAnswer& answer, nlohmann::ordered_json delta,
                                 std::optional<std::string_view> finish_reason = std::nullopt);

// Splits `text` into at most `pieces` parts of about equal length, never inside a UTF-8 sequence.
// Always returns at least one part.
std::vector<std::string> SplitText(std::string_view text, int64_t pieces);

// Serialises without ever throwing (invalid UTF-8 is replaced).
std::string DumpJson(const nlohmann::ordered_json& value);
std::string DumpJson(const nlohmann::json& value);

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_CHAT_ANSWER_H_
