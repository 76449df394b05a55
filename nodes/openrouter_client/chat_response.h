// Reads OpenRouter's chat completion answers: a non-streaming `chat.completion` body, or a stream
// of `chat.completion.chunk` events (Server-Sent Events), into one ChatAnswer, and from that the
// output item the chat node emits.
//
// Thread-safety: ParseChatCompletion is pure. A ChatStreamAccumulator belongs to one stream and is
// fed from one thread at a time (the HTTP client's I/O thread), then finished after the transfer.
#ifndef FLOWHOST_NODES_OPENROUTER_CLIENT_CHAT_RESPONSE_H_
#define FLOWHOST_NODES_OPENROUTER_CLIENT_CHAT_RESPONSE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/json.h"
#include "nodes/openrouter_client/error_classifier.h"

namespace flowhost::nodes::openrouter {

// One completed answer.
struct ChatAnswer {
  sdk::Json content = nullptr;     // string, or null (e.g. only tool calls)
  sdk::Json reasoning = nullptr;   // string or null
  sdk::Json tool_calls = nullptr;  // array or null
  std::string model;               // the model that answered
  std::string provider;
  std::string finish_reason;
  std::string generation_id;
  sdk::Json usage = sdk::Json::object();  // as OpenRouter sent it
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  std::optional<double> reported_cost;  // usage.cost, when OpenRouter sent it

  // The output item: content, reasoning, tool_calls, model, provider, finish_reason, usage,
  // cost_usd (`cost_usd`, null when unknown), generation_id, latency_ms.
  sdk::Json ToItem(std::optional<double> cost_usd, absl::Duration latency) const&;
  // The same, moving the answer's parts into the item.
  sdk::Json ToItem(std::optional<double> cost_usd, absl::Duration latency) &&;
};

// Parses a 2xx non-streaming body. An `error` object in it is classified (error_classifier.h); a
// body without choices is malformed_response.
absl::StatusOr<ChatAnswer> ParseChatCompletion(std::string_view body, absl::Time now,
                                               const CallDescription& call);

// Assembles a streamed answer event by event, sending text deltas on as they arrive.
class ChatStreamAccumulator {
 public:
  // `on_delta(text, kind)` gets each non-empty piece, kind "content" or "reasoning", in order.
  using DeltaCallback = ChatDeltaCallback;

  ChatStreamAccumulator(CallDescription call, DeltaCallback on_delta);

  // One SSE event's `data`. "[DONE]" ends the stream; an `error` object (mid-stream error, numeric
  // or string code) fails it. Events after the end or a failure are ignored.
  void OnData(std::string_view data, absl::Time now);

  // Marks the stream failed (e.g. the SSE parser gave up); the first failure wins.
  void Fail(absl::Status status);

  // True once [DONE] or an error has been seen.
  bool finished() const { return done_ || !error_.ok(); }

  // The answer, after the transfer ended; call it once (the answer is moved out). Fails with the
  // mid-stream error, or malformed_response when the stream ended before any answer or a finish.
  absl::StatusOr<ChatAnswer> Finish();

 private:
  void MergeToolCalls(const sdk::Json& deltas);

  CallDescription call_;
  DeltaCallback on_delta_;
  ChatAnswer answer_;
  std::string content_;
  std::string reasoning_;
  bool saw_content_ = false;
  bool saw_reasoning_ = false;
  bool saw_chunk_ = false;
  bool done_ = false;
  absl::Status error_;
};

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_CLIENT_CHAT_RESPONSE_H_
