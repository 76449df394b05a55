#include <memory>
#include <utility>

#include "flowhost/openrouter/client.h"
#include "nodes/openrouter_client/catalogue.h"
#include "nodes/openrouter_client/chat_call.h"

namespace flowhost::nodes::openrouter {
namespace {

CatalogueOptions CatalogueOptionsOf(const OpenRouterOptions& options) {
  CatalogueOptions catalogue = options.catalogue;
  catalogue.max_retry_after = options.max_retry_after;
  return catalogue;
}

}  // namespace

OpenRouterClient::OpenRouterClient() : OpenRouterClient(OpenRouterOptions()) {}

OpenRouterClient::OpenRouterClient(OpenRouterOptions options)
    : options_(options),
      catalogue_(std::make_shared<CatalogueCache>(CatalogueOptionsOf(options))) {}

OpenRouterClient::~OpenRouterClient() = default;

void OpenRouterClient::Chat(ChatCallRequest request, sdk::HttpClient& http, const sdk::Clock& clock,
                            ChatCallDone done) {
  request.stream_idle_timeout = options_.stream_idle_timeout;
  request.max_response_bytes = options_.max_response_bytes;
  request.max_retry_after = options_.max_retry_after;
  StartChatCall(std::move(request), http, clock, catalogue_, std::move(done));
}

void OpenRouterClient::GetCatalogue(const Endpoint& endpoint, sdk::HttpClient& http,
                                    const sdk::Clock& clock, CatalogueDone done) {
  catalogue_->Get(endpoint, http, clock, std::move(done));
}

int64_t OpenRouterClient::catalogue_fetches() const { return catalogue_->fetches(); }

}  // namespace flowhost::nodes::openrouter
