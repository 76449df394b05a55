// Builds the body of an OpenRouter chat completion request from a node's evaluated parameters (the
// chat schema, chat_schema.h): the model or fallback list, the messages (with the `system` and
// `prompt` shortcuts), every known setting, and the pass-through `extra` fields.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_NODES_OPENROUTER_CHAT_REQUEST_H_
#define FLOWHOST_NODES_OPENROUTER_CHAT_REQUEST_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"

namespace flowhost::nodes::openrouter {

// The request body for `params` (evaluated for one item). `stream` adds "stream": true. Known
// fields win over `extra`. INVALID_ARGUMENT (class invalid_input) when there is no model, no
// message, or `extra` tries to set a field the node owns.
absl::StatusOr<sdk::Json> BuildChatBody(const sdk::Json& params, bool stream);

// Problems in static parameters that the schema cannot express, as (pointer, message) pairs
// relative to `params` (e.g. {"/extra/stream", "..."}). `dynamic(pointer)` says whether a value is
// computed at run time (then it is not judged). Used by NodeType::Create of the chat node and the
// router.
struct ParamProblem {
  std::string pointer;
  std::string message;
};
std::vector<ParamProblem> CheckChatParams(const sdk::Json& params, bool require_model,
                                          const std::function<bool(std::string_view)>& dynamic);

// "openai/gpt-4o" or "a, b, c" for a `models` list: how a configuration's model is named in
// messages and attempt records.
std::string ModelLabel(const sdk::Json& params);

// A rough count of the prompt's tokens (characters / 4, rounded up), for cost estimates before a
// call. OpenRouter reports the real count afterwards.
int64_t EstimatePromptTokens(const sdk::Json& body);

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_CHAT_REQUEST_H_
