// One chat completion call to OpenRouter, from request body to a classified outcome: sends it
// through the host's HTTP client (streaming over SSE when asked), aborts it when the cancellation
// token fires, parses or classifies what came back, prices it (OpenRouter's `usage.cost`, else
// tokens x the catalogue's prices), and describes it as an sdk::AttemptRecord for the execution
// record.
//
// Private to the openrouter_client library: nodes start calls with OpenRouterClient::Chat
// (`openrouter.chat` one per item, `router.fallback` one per route attempt).
// Thread-safety: StartChatCall may be called from any thread; `done` runs exactly once, on the
// host's worker pool, or inline when the token is already cancelled. `on_delta` runs on the HTTP
// client's I/O thread, in order.
#ifndef FLOWHOST_NODES_OPENROUTER_CLIENT_CHAT_CALL_H_
#define FLOWHOST_NODES_OPENROUTER_CLIENT_CHAT_CALL_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/scheduler.h"
#include "flowhost/sdk/usage.h"

namespace flowhost::nodes::openrouter {

// Starts the call. `http`, `clock` and `catalogue` must outlive it (they are the host's and the
// node type's).
void StartChatCall(ChatCallRequest request, sdk::HttpClient& http, const sdk::Clock& clock,
                   std::shared_ptr<CatalogueCache> catalogue, ChatCallDone done);

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_CLIENT_CHAT_CALL_H_
