// The OpenRouter machinery shared by every OpenRouter-backed node type of the process: the model
// catalogue cache and the settings of chat calls. RegisterOpenRouterNodes creates one and hands the
// same instance to `openrouter.chat`, `openrouter.models` and (through RegisterRouterNodes) to
// `router.fallback`, so that they all share one catalogue.
//
// The client holds no connections (the host's HttpClient does) and no credentials (each node run
// resolves its own Endpoint).
//
// Ownership: shared_ptr, held by the node types, which live as long as the process.
// Thread-safety: safe from any thread.
#ifndef FLOWHOST_NODES_OPENROUTER_OPENROUTER_CLIENT_H_
#define FLOWHOST_NODES_OPENROUTER_OPENROUTER_CLIENT_H_

#include <memory>

#include "absl/time/time.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/scheduler.h"
#include "nodes/openrouter/catalogue.h"
#include "nodes/openrouter/chat_call.h"
#include "nodes/openrouter/endpoint.h"

namespace flowhost::nodes::openrouter {

struct OpenRouterOptions {
  CatalogueCache::Options catalogue;
  // Longest silence allowed between bytes of a streamed answer.
  absl::Duration stream_idle_timeout = absl::Minutes(2);
  // Largest chat completion body accepted.
  size_t max_response_bytes = 8 << 20;
  // The longest Retry-After (or rate-limit reset) honoured from OpenRouter, for chat calls and
  // catalogue fetches; the router also cuts its cool-downs to it. The host's
  // http.max_retry_after.
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
};

class OpenRouterClient {
 public:
  OpenRouterClient() : OpenRouterClient(OpenRouterOptions()) {}
  explicit OpenRouterClient(OpenRouterOptions options)
      : options_(options),
        catalogue_(std::make_shared<CatalogueCache>(CatalogueOptions(options))) {}

  const OpenRouterOptions& options() const { return options_; }
  CatalogueCache& catalogue() { return *catalogue_; }

  // Starts one chat completion (chat_call.h), filling in the client's stream and size settings.
  void Chat(ChatCallRequest request, sdk::HttpClient& http, const sdk::Clock& clock,
            ChatCallDone done) {
    request.stream_idle_timeout = options_.stream_idle_timeout;
    request.max_response_bytes = options_.max_response_bytes;
    request.max_retry_after = options_.max_retry_after;
    StartChatCall(std::move(request), http, clock, catalogue_, std::move(done));
  }

  // The catalogue served at `endpoint`, from the shared cache (catalogue.h).
  void GetCatalogue(const Endpoint& endpoint, sdk::HttpClient& http, const sdk::Clock& clock,
                    CatalogueCache::Callback done) {
    catalogue_->Get(endpoint, http, clock, std::move(done));
  }

 private:
  static CatalogueCache::Options CatalogueOptions(const OpenRouterOptions& options) {
    CatalogueCache::Options catalogue = options.catalogue;
    catalogue.max_retry_after = options.max_retry_after;
    return catalogue;
  }

  const OpenRouterOptions options_;
  const std::shared_ptr<CatalogueCache> catalogue_;
};

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_OPENROUTER_CLIENT_H_
