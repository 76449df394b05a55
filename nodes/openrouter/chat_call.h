// One chat completion call to OpenRouter, from request body to a classified outcome: sends it
// through the host's HTTP client (streaming over SSE when asked), aborts it when the cancellation
// token fires, parses or classifies what came back, prices it (OpenRouter's `usage.cost`, else
// tokens x the catalogue's prices), and describes it as an sdk::AttemptRecord for the execution
// record.
//
// Used by `openrouter.chat` (one call per item) and by `router.fallback` (one call per route
// attempt). Thread-safety: StartChatCall may be called from any thread; `done` runs exactly once,
// on the host's worker pool, or inline when the token is already cancelled. `on_delta` runs on the
// HTTP client's I/O thread, in order.
#ifndef FLOWHOST_NODES_OPENROUTER_CHAT_CALL_H_
#define FLOWHOST_NODES_OPENROUTER_CHAT_CALL_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/scheduler.h"
#include "flowhost/sdk/usage.h"
#include "nodes/openrouter/catalogue.h"
#include "nodes/openrouter/chat_response.h"
#include "nodes/openrouter/endpoint.h"

namespace flowhost::nodes::openrouter {

struct ChatCallRequest {
  Endpoint endpoint;
  sdk::Json body;           // from BuildChatBody
  bool stream = false;      // must match body["stream"]
  std::string model_label;  // ModelLabel(params): names the call in messages and records
  sdk::CancellationToken
      token;  // aborts the call; its deadline (+1 s backstop) bounds the transfer
  ChatStreamAccumulator::DeltaCallback on_delta;  // streamed text pieces (stream only)
  absl::Duration stream_idle_timeout = absl::Minutes(2);
  size_t max_response_bytes = 8 << 20;
  // A longer Retry-After from OpenRouter is cut to this (see error_classifier.h).
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
};

struct ChatCallResult {
  absl::Status status;             // OK, or the classified failure
  sdk::Json item;                  // the output item (ChatAnswer::ToItem) when OK
  std::optional<double> cost_usd;  // known cost of the call (also for some failures: none)
  // model, provider, outcome, error_class, error_message, tokens, cost, latency. The outcome is
  // "ok", "error" (the upstream or the network failed the call), "timed_out" or "cancelled" (the
  // token stopped it) or "skipped" (the token had fired before it was sent). `route` and
  // `item_index` are the caller's to fill.
  sdk::AttemptRecord record;
};

using ChatCallDone = absl::AnyInvocable<void(ChatCallResult)>;

// Starts the call. `http`, `clock` and `catalogue` must outlive it (they are the host's and the
// node type's).
void StartChatCall(ChatCallRequest request, sdk::HttpClient& http, const sdk::Clock& clock,
                   std::shared_ptr<CatalogueCache> catalogue, ChatCallDone done);

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_CHAT_CALL_H_
