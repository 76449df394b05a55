#include "tests/fake_openrouter/chat_handler.h"

#include <ctime>
#include <utility>
#include <vector>

#include "tests/fake_openrouter/chat_answer.h"
#include "tests/fake_openrouter/chat_request.h"
#include "tests/fake_openrouter/fake_models.h"
#include "tests/fake_openrouter/fixed_reply.h"
#include "tests/fake_openrouter/openrouter_error.h"

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::ordered_json;

// The model answering a request that names none (OpenRouter would use the account's default).
constexpr char kDefaultModel[] = "fake/ok";
constexpr char kProcessingComment[] = ": OPENROUTER PROCESSING\n\n";
constexpr int64_t kDefaultChunks = 4;
constexpr int64_t kOversizedPiece = 16 * 1024;

ResponseScript JsonError(const HttpRequest& request, int status, std::string_view message) {
  return ScriptBuilder::Simple(request, status, "application/json",
                               DumpJson(ErrorBody(status, message)));
}

std::string NewGenerationId(int64_t created, std::mt19937_64& rng) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string id = "gen-" + std::to_string(created) + "-";
  for (int i = 0; i < 20; ++i) id.push_back(kAlphabet[pick(rng)]);
  return id;
}

std::string SseEvent(const Json& value) { return "data: " + DumpJson(value) + "\n\n"; }

// The error of a generation that failed after it began (`stream_error_after_chunks`).
Json GenerationError(const Behavior& behavior) {
  Json code = behavior.stream_error_code.has_value() ? Json(*behavior.stream_error_code)
                                                     : Json("server_error");
  return {{"code", std::move(code)},
          {"message", behavior.message.value_or("Provider disconnected unexpectedly")}};
}

// The mid-stream error event OpenRouter sends when the provider fails after tokens were streamed.
std::string StreamErrorEvent(const ChatAnswer& answer, const Behavior& behavior) {
  Json event = ChunkJson(answer, Json{{"content", ""}}, "error");
  event["choices"][0]["native_finish_reason"] = "error";
  event["error"] = GenerationError(behavior);
  return SseEvent(event);
}

// The same failure without streaming: OpenRouter answers 200 with the text generated so far (the
// first `stream_error_after_chunks` of `chunks` pieces) and the error on the choice.
Json FailedCompletionJson(ChatAnswer answer, const Behavior& behavior) {
  std::vector<std::string> pieces =
      SplitText(answer.content.value_or(""), behavior.chunks.value_or(kDefaultChunks));
  std::string produced;
  for (int64_t i = 0; i < *behavior.stream_error_after_chunks && i < std::ssize(pieces); ++i) {
    produced += pieces[i];
  }
  answer.content = std::move(produced);
  answer.tool_call.reset();
  answer.finish_reason = "error";
  answer.native_finish_reason = "error";
  Json completion = CompletionJson(answer);
  completion["choices"][0]["error"] = GenerationError(behavior);
  return completion;
}

// The content pieces of a stream: the answer split in `chunks`, or filler for an oversized stream.
std::vector<std::string> ContentPieces(const ChatAnswer& answer, const Behavior& behavior) {
  if (behavior.oversized_bytes.has_value()) {
    std::vector<std::string> pieces;
    for (int64_t left = *behavior.oversized_bytes; left > 0; left -= kOversizedPiece) {
      pieces.emplace_back(static_cast<size_t>(std::min(left, kOversizedPiece)), 'x');
    }
    if (pieces.empty()) pieces.emplace_back();
    return pieces;
  }
  return SplitText(answer.content.value_or(""), behavior.chunks.value_or(kDefaultChunks));
}

ResponseScript StreamReply(const HttpRequest& request, const ChatAnswer& answer,
                           const Behavior& behavior, int64_t latency_ms) {
  ScriptBuilder builder(request);
  if (behavior.reset_after_bytes.has_value()) {
    builder.ResetAfterBodyBytes(*behavior.reset_after_bytes);
  }
  if (behavior.hang == HangMode::kNothing) {
    builder.Hang();
    return builder.Finish();
  }
  builder.StartStream(200, "text/event-stream",
                      {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
  if (behavior.hang == HangMode::kHeaders) {
    builder.Hang();
    return builder.Finish();
  }
  const int64_t token_delay = behavior.token_delay_ms.value_or(0);
  builder.Body(kProcessingComment);
  builder.Wait(latency_ms);
  builder.Body(SseEvent(ChunkJson(answer, Json{{"role", "assistant"}, {"content", ""}})));
  if (answer.reasoning.has_value()) {
    Json delta = {{"role", "assistant"},
                  {"content", ""},
                  {"reasoning", *answer.reasoning},
                  {"reasoning_details", Json::array({{{"type", "reasoning.text"},
                                                      {"text", *answer.reasoning},
                                                      {"format", "unknown"},
                                                      {"index", 0}}})}};
    builder.Body(SseEvent(ChunkJson(answer, std::move(delta))));
  }

  std::vector<std::string> pieces;
  if (answer.tool_call.has_value()) {
    builder.Wait(token_delay);
    builder.Body(
        SseEvent(ChunkJson(answer, Json{{"role", "assistant"},
                                        {"content", nullptr},
                                        {"tool_calls", Json::array({*answer.tool_call})}})));
  } else {
    pieces = ContentPieces(answer, behavior);
  }
  const int64_t count = static_cast<int64_t>(pieces.size());
  const std::optional<int64_t> error_after = behavior.stream_error_after_chunks;
  // An oversized stream repeats one filler piece hundreds of times: its event is built once, or a
  // debug build of the fake spends seconds before the first byte, stalling its event loop.
  std::string event;
  for (int64_t i = 0; i < count; ++i) {
    if (error_after.has_value() && *error_after == i) break;
    builder.Wait(token_delay);
    if (count >= 2 && i == count / 2) builder.Body(kProcessingComment);
    if (i == 0 || pieces[i] != pieces[i - 1]) {
      event = SseEvent(ChunkJson(answer, Json{{"role", "assistant"}, {"content", pieces[i]}}));
    }
    if (i == 0 && behavior.malformed.value_or(false)) {
      builder.Body(event.substr(0, event.size() / 2) + "\n\n");
      continue;
    }
    builder.Body(event);
  }
  if (error_after.has_value() && !answer.tool_call.has_value()) {
    builder.Body(StreamErrorEvent(answer, behavior));
    return builder.Finish();
  }
  builder.Wait(token_delay);
  builder.Body(SseEvent(
      ChunkJson(answer, Json{{"role", "assistant"}, {"content", ""}}, answer.finish_reason)));
  Json usage_chunk = ChunkJson(answer, Json::object());
  usage_chunk["choices"] = Json::array();
  usage_chunk["usage"] = UsageJson(answer);
  builder.Body(SseEvent(usage_chunk));
  builder.Body("data: [DONE]\n\n");
  return builder.Finish();
}

std::string ContextLengthMessage(int64_t context_length, int64_t prompt_tokens,
                                 int64_t output_tokens) {
  return "This endpoint's maximum context length is " + std::to_string(context_length) +
         " tokens. However, you requested about " + std::to_string(prompt_tokens + output_tokens) +
         " tokens (" + std::to_string(prompt_tokens) + " of text input, " +
         std::to_string(output_tokens) +
         " in the output). Please reduce the length of either one, or use the \"middle-out\" "
         "transform to compress your prompt automatically.";
}

}  // namespace

ResponseScript HandleChat(const HttpRequest& request,
                          const std::optional<Behavior>& header_behavior, FakeState& state,
                          std::mt19937_64& rng, std::string* requested_model) {
  const std::string* authorization = request.FindHeader("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization == nullptr || authorization->size() <= kBearer.size() ||
      !EqualsIgnoreCase(std::string_view(*authorization).substr(0, kBearer.size()), kBearer)) {
    return JsonError(request, 401, "No auth credentials found");
  }
  std::string_view key = std::string_view(*authorization).substr(kBearer.size());
  bool known_key = false;
  for (const std::string& accepted : state.config.api_keys)
    known_key = known_key || key == accepted;
  if (!known_key) return JsonError(request, 401, "User not found.");

  absl::StatusOr<ChatRequest> parsed = ParseChatRequest(request.body);
  if (!parsed.ok()) return JsonError(request, 400, std::string(parsed.status().message()));
  if (parsed->models.empty()) parsed->models.push_back(kDefaultModel);
  *requested_model = parsed->models.front();
  if (!parsed->user.empty()) state.stats.ChatRequestFromUser(parsed->user);

  const int64_t prompt_tokens = EstimateTokens(parsed->prompt_chars);
  const int64_t output_tokens = parsed->max_tokens.value_or(0);
  std::optional<ModelInfo> chosen;
  Behavior behavior;
  std::optional<ErrorReply> last_error;
  Behavior last_error_behavior;
  std::string first_unknown;
  for (const std::string& id : parsed->models) {
    std::optional<ModelInfo> info = state.catalogue.Find(id);
    if (!info.has_value()) {
      if (first_unknown.empty()) first_unknown = id;
      continue;
    }
    Behavior candidate;
    if (std::optional<FakeModel> fake = FindFakeModel(id)) candidate = fake->behavior;
    if (std::optional<Behavior> rule = state.rules.Take("chat", id)) {
      candidate = Overlay(std::move(candidate), *rule);
    }
    if (header_behavior.has_value()) candidate = Overlay(std::move(candidate), *header_behavior);
    if (info->context_length > 0 && prompt_tokens + output_tokens > info->context_length) {
      last_error = ErrorReply{
          400,
          ErrorBody(400, ContextLengthMessage(info->context_length, prompt_tokens, output_tokens)),
          {}};
      last_error_behavior = Behavior{};
      continue;
    }
    if (candidate.IsError()) {
      last_error = ScriptedError(candidate, id, parsed->last_user_text);
      last_error_behavior = candidate;
      continue;
    }
    chosen = std::move(info);
    behavior = std::move(candidate);
    break;
  }

  if (!chosen.has_value()) {
    if (!last_error.has_value()) {
      return JsonError(request, 400, first_unknown + " is not a valid model ID");
    }
    int64_t latency = TotalLatency(last_error_behavior, state.config.latency_ms, rng);
    return FixedReply(
        request,
        FixedAnswer{last_error->status, DumpJson(last_error->body), std::move(last_error->headers)},
        last_error_behavior, latency);
  }

  const int64_t created = static_cast<int64_t>(std::time(nullptr));
  ChatAnswer answer =
      ComposeAnswer(*parsed, *chosen, behavior, NewGenerationId(created, rng), created);
  int64_t latency = TotalLatency(behavior, state.config.latency_ms, rng);
  if (parsed->stream) return StreamReply(request, answer, behavior, latency);
  Json completion = behavior.stream_error_after_chunks.has_value()
                        ? FailedCompletionJson(std::move(answer), behavior)
                        : CompletionJson(answer);
  return FixedReply(request, FixedAnswer{200, DumpJson(completion), {}}, behavior, latency);
}

}  // namespace flowhost::fake_openrouter
