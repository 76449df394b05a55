// OpenRouter's model catalogue (`GET /models`): an immutable, normalised snapshot, and the
// in-process cache every openrouter and router node of the process shares.
//
// Prices are normalised from OpenRouter's per-token decimal strings ("0.0000003") to USD per
// million tokens as numbers (0.3), and kept as exact decimals too, for comparing prices (sorting by
// price must not depend on binary rounding); a negative price (OpenRouter's "variable", e.g.
// openrouter/auto) becomes unknown. A model is free when its id ends in ":free" or its prompt and
// completion prices are zero.
//
// The cache keeps one snapshot per base URL for a TTL. When it has expired, the first caller starts
// the one refresh and every concurrent caller waits for that same refresh through its callback (no
// thread ever blocks). When a refresh fails and an older copy exists, that stale copy is served,
// and the next refresh is tried only after a back-off; without a copy, every waiter gets the error.
//
// Ownership: the OpenRouterClient (openrouter_client.h) owns the cache; snapshots are shared_ptr.
// Thread-safety: CatalogueCache is safe from any thread; Catalogue is immutable.
#ifndef FLOWHOST_NODES_OPENROUTER_CATALOGUE_H_
#define FLOWHOST_NODES_OPENROUTER_CATALOGUE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/scheduler.h"
#include "nodes/openrouter/decimal_price.h"
#include "nodes/openrouter/endpoint.h"

namespace flowhost::nodes::openrouter {

struct CatalogueModel {
  std::string id;
  std::string name;
  std::string author;  // the id before '/'
  int64_t context_length = 0;
  int64_t max_completion_tokens = 0;  // the top provider's, 0 when unknown
  // USD per token, as OpenRouter gives them; nullopt when unknown or variable.
  std::optional<double> prompt_price;
  std::optional<double> completion_price;
  double request_price = 0;  // USD per request
  // The same prices exactly as OpenRouter wrote them; nullopt when unknown or variable.
  std::optional<DecimalPrice> exact_prompt_price;
  std::optional<DecimalPrice> exact_completion_price;
  bool is_free = false;
  std::vector<std::string> input_modalities;
  std::vector<std::string> output_modalities;
  std::vector<std::string> supported_parameters;
  int64_t created = 0;  // Unix seconds

  // Per million tokens, rounded to 1e-6 USD; nullopt when unknown.
  std::optional<double> prompt_price_per_million() const;
  std::optional<double> completion_price_per_million() const;

  // USD for a call with these token counts (request price included); nullopt when a price is
  // unknown.
  std::optional<double> CostOf(int64_t prompt_tokens, int64_t completion_tokens) const;

  // The models node's output item: id, name, author, context_length, prompt_price_per_million,
  // completion_price_per_million, is_free, input_modalities, output_modalities,
  // supported_parameters, max_completion_tokens, created.
  sdk::Json ToItem() const;
};

// One fetched catalogue. Immutable.
class Catalogue {
 public:
  // Parses OpenRouter's `{"data": [...]}`. Entries without a string id are skipped.
  // malformed_response when the body is not that shape.
  static absl::StatusOr<std::shared_ptr<const Catalogue>> Parse(std::string_view body,
                                                                absl::Time fetched_at);

  const std::vector<CatalogueModel>& models() const { return models_; }
  // The model with this id, or nullptr.
  const CatalogueModel* Find(std::string_view id) const;
  absl::Time fetched_at() const { return fetched_at_; }

 private:
  std::vector<CatalogueModel> models_;
  std::map<std::string, size_t, std::less<>> by_id_;
  absl::Time fetched_at_;
};

using CataloguePtr = std::shared_ptr<const Catalogue>;

// Always held by shared_ptr (a refresh in flight keeps the cache alive).
class CatalogueCache : public std::enable_shared_from_this<CatalogueCache> {
 public:
  struct Options {
    absl::Duration ttl = absl::Minutes(5);
    // After a failed refresh with a stale copy available, serve the copy this long before trying
    // again.
    absl::Duration failure_backoff = absl::Seconds(15);
    absl::Duration fetch_timeout = absl::Seconds(30);
    size_t max_response_bytes = 32 << 20;
    // A longer Retry-After on a failed fetch is cut to this.
    absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
  };
  using Callback = absl::AnyInvocable<void(absl::StatusOr<CataloguePtr>)>;

  CatalogueCache() : CatalogueCache(Options()) {}
  explicit CatalogueCache(Options options) : options_(options) {}

  // Gets the catalogue served at `endpoint`. `done` runs exactly once: inline when a usable copy is
  // at hand, otherwise from the refresh's completion (on the host's worker pool). `http` and
  // `clock` are the host's and must outlive the refresh.
  void Get(const Endpoint& endpoint, sdk::HttpClient& http, const sdk::Clock& clock, Callback done);

  // Upstream fetches started so far (for tests and metrics).
  int64_t fetches() const;

 private:
  struct Entry {
    CataloguePtr snapshot;
    absl::Time fresh_until = absl::InfinitePast();
    absl::Time no_refresh_until = absl::InfinitePast();  // back-off after a failure
    bool refreshing = false;
    std::vector<Callback> waiters;
  };

  void Refresh(const Endpoint& endpoint, sdk::HttpClient& http, const sdk::Clock& clock);
  void Complete(const std::string& base_url, absl::StatusOr<CataloguePtr> fetched, absl::Time now);

  const Options options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  int64_t fetches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_CATALOGUE_H_
