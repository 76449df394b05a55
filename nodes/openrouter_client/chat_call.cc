#include "nodes/openrouter_client/chat_call.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/sse_parser.h"
#include "nodes/openrouter_client/catalogue.h"
#include "nodes/openrouter_client/chat_response.h"

namespace flowhost::nodes::openrouter {
namespace {

// Everything one call needs after Send() returns. Shared by the completion, the body-chunk callback
// (I/O thread) and the cancellation callback.
struct CallState {
  ChatCallRequest request;
  sdk::HttpClient* http = nullptr;
  const sdk::Clock* clock = nullptr;
  std::shared_ptr<CatalogueCache> catalogue;
  ChatCallDone done;
  absl::Time started;
  CallDescription call;

  // Streaming: used only by the I/O thread until the transfer completes, then by the completion
  // (the HTTP client orders the two).
  std::unique_ptr<ChatStreamAccumulator> accumulator;
  std::unique_ptr<sdk::SseParser> parser;
  bool head_seen = false;
  bool json_instead_of_stream = false;  // a 2xx JSON body arrived although we asked for a stream
  std::string raw_body;

  // Set by the completion when our own token, not the upstream, ended the transfer.
  bool stopped = false;

  // Unregistering the cancellation callback races with registering it; both sides take the lock.
  absl::Mutex mu;
  bool finished ABSL_GUARDED_BY(mu) = false;
  sdk::CancellationToken::CallbackId cancel_id ABSL_GUARDED_BY(mu) = 0;
};

using StatePtr = std::shared_ptr<CallState>;

// How much later than the token's deadline the transfer's own deadline is. The token's owner
// cancels it at the deadline with the reason (the node's timeout, the execution's time limit, the
// caller's deadline), which aborts the transfer at once; the transfer's deadline is only the
// backstop. Were the two equal, whichever fired first would decide what the record says: "the
// request's deadline passed", and sibling items "stopped because item 0 failed", instead of the
// real reason.
constexpr absl::Duration kTransferDeadlineBackstop = absl::Seconds(1);

// `failure_outcome` is the record's outcome when `answer` is a failure.
void Report(const StatePtr& state, absl::StatusOr<ChatAnswer> answer,
            std::string_view failure_outcome = sdk::outcome::kError) {
  absl::Duration latency = state->clock->Now() - state->started;
  ChatCallResult result;
  result.record.model = state->request.model_label;
  result.record.latency = latency;
  if (!answer.ok()) {
    result.status = answer.status();
    result.record.outcome = std::string(failure_outcome);
    result.record.error_class = sdk::ErrorClassOf(answer.status());
    result.record.error_message = std::string(answer.status().message());
    state->done(std::move(result));
    return;
  }
  auto complete = [state, latency, result = std::move(result)](ChatAnswer answer,
                                                               std::optional<double> cost) mutable {
    result.cost_usd = cost;
    result.record.model = answer.model;
    result.record.provider = answer.provider;
    result.record.outcome = std::string(sdk::outcome::kOk);
    result.record.prompt_tokens = answer.prompt_tokens;
    result.record.completion_tokens = answer.completion_tokens;
    result.record.cost_usd = cost.value_or(0);
    result.item = std::move(answer).ToItem(cost, latency);
    state->done(std::move(result));
  };
  if (answer->reported_cost.has_value()) {
    std::optional<double> cost = answer->reported_cost;
    complete(*std::move(answer), cost);
    return;
  }
  // No usage.cost: price the tokens with the catalogue (cached; usually no upstream call).
  state->catalogue->Get(state->request.endpoint, *state->http, *state->clock,
                        [answer = *std::move(answer), complete = std::move(complete)](
                            absl::StatusOr<CataloguePtr> catalogue) mutable {
                          std::optional<double> cost;
                          if (catalogue.ok()) {
                            if (const CatalogueModel* model = (*catalogue)->Find(answer.model)) {
                              cost = model->CostOf(answer.prompt_tokens, answer.completion_tokens);
                            }
                          }
                          complete(std::move(answer), cost);
                        });
}

// Runs on the I/O thread for each body chunk of a 2xx streamed response.
void OnChunk(CallState& state, const sdk::HttpResponseHead& head, std::string_view chunk) {
  if (!state.head_seen) {
    state.head_seen = true;
    std::optional<std::string_view> type = sdk::FindHeader(head.headers, "Content-Type");
    state.json_instead_of_stream =
        type.has_value() &&
        absl::StrContains(absl::AsciiStrToLower(sdk::AsAbsl(*type)), "application/json");
  }
  if (state.json_instead_of_stream) {
    if (state.raw_body.size() + chunk.size() <= state.request.max_response_bytes) {
      state.raw_body.append(chunk);
    }
    return;
  }
  if (state.accumulator->finished()) return;
  absl::Status fed = state.parser->Feed(chunk);
  if (!fed.ok()) state.accumulator->Fail(MalformedResponse(sdk::AsStd(fed.message()), state.call));
}

absl::StatusOr<ChatAnswer> Interpret(CallState& state, absl::StatusOr<sdk::HttpResponse> response) {
  if (!response.ok()) {
    if (state.request.token.cancelled()) {
      // Cancelled by us (the node's timeout, the execution's deadline, the caller, a route
      // timeout): report why, not the transport's view of it.
      state.stopped = true;
      return sdk::Annotate(
          state.request.token.reason(),
          absl::StrCat("OpenRouter chat completion for model '", state.call.model, "' stopped"));
    }
    // The transfer's backstop deadline passed before the token fired (a stalled timer): the same
    // stop, late.
    state.stopped = absl::IsDeadlineExceeded(response.status()) &&
                    state.clock->Now() >= state.request.token.deadline();
    return ClassifyTransportError(response.status(), state.call);
  }
  absl::Time now = state.clock->Now();
  if (response->status < 200 || response->status > 299) {
    return ClassifyHttpError(response->status, response->body, response->headers, now, state.call);
  }
  if (!state.request.stream) return ParseChatCompletion(response->body, now, state.call);
  if (state.json_instead_of_stream) return ParseChatCompletion(state.raw_body, now, state.call);
  if (!state.head_seen && !response->body.empty()) {
    // The client did not stream the body to us (no chunk callback ran): parse it whole.
    absl::Status fed = state.parser->Feed(response->body);
    if (!fed.ok())
      state.accumulator->Fail(MalformedResponse(sdk::AsStd(fed.message()), state.call));
  }
  state.parser->Finish();
  return state.accumulator->Finish();
}

}  // namespace

void StartChatCall(ChatCallRequest request, sdk::HttpClient& http, const sdk::Clock& clock,
                   std::shared_ptr<CatalogueCache> catalogue, ChatCallDone done) {
  auto state = std::make_shared<CallState>();
  state->request = std::move(request);
  state->http = &http;
  state->clock = &clock;
  state->catalogue = std::move(catalogue);
  state->done = std::move(done);
  state->started = clock.Now();
  state->call = CallDescription{"chat completion", state->request.model_label,
                                &state->request.endpoint, state->request.max_retry_after};

  const sdk::CancellationToken& token = state->request.token;
  if (token.cancelled()) {
    Report(state, sdk::Annotate(token.reason(), "OpenRouter chat completion not started"),
           sdk::outcome::kSkipped);
    return;
  }

  sdk::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url = state->request.endpoint.Url("/chat/completions");
  http_request.headers =
      state->request.endpoint.Headers(/*json_body=*/true, /*event_stream=*/state->request.stream);
  http_request.body = state->request.body.dump();
  state->request.body = sdk::Json();  // not needed again; the call may wait on it for minutes
  http_request.deadline = token.deadline() == absl::InfiniteFuture()
                              ? absl::InfiniteFuture()
                              : token.deadline() + kTransferDeadlineBackstop;
  http_request.max_response_bytes = state->request.max_response_bytes;
  if (state->request.stream) {
    http_request.idle_timeout = state->request.stream_idle_timeout;
    CallState* raw = state.get();
    state->accumulator =
        std::make_unique<ChatStreamAccumulator>(state->call, state->request.on_delta);
    state->parser = std::make_unique<sdk::SseParser>([raw](const sdk::SseEvent& event) {
      raw->accumulator->OnData(event.data, raw->clock->Now());
    });
    // The state outlives the transfer: the completion below holds it.
    http_request.on_body_chunk = [raw](const sdk::HttpResponseHead& head, std::string_view chunk) {
      OnChunk(*raw, head, chunk);
    };
  }

  sdk::HttpCallPtr call =
      http.Send(std::move(http_request), [state](absl::StatusOr<sdk::HttpResponse> response) {
        sdk::CancellationToken::CallbackId cancel_id = 0;
        {
          absl::MutexLock lock(&state->mu);
          state->finished = true;
          cancel_id = state->cancel_id;
        }
        if (cancel_id != 0) state->request.token.Unregister(cancel_id);
        absl::StatusOr<ChatAnswer> answer = Interpret(*state, std::move(response));
        std::string_view outcome = sdk::outcome::kError;
        if (state->stopped) {
          const sdk::CancellationToken& token = state->request.token;
          outcome = sdk::StoppedOutcome(token.cancelled() ? token.reason() : answer.status());
        }
        Report(state, std::move(answer), outcome);
      });

  sdk::CancellationToken::CallbackId id = token.OnCancel([call] { call->Cancel(); });
  bool unregister_now = false;
  {
    absl::MutexLock lock(&state->mu);
    if (state->finished) {
      unregister_now = true;
    } else {
      state->cancel_id = id;
    }
  }
  if (unregister_now && id != 0) token.Unregister(id);
}

}  // namespace flowhost::nodes::openrouter
