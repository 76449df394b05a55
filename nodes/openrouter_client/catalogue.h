// The in-process cache of OpenRouter's model catalogue (`GET /models`) that every openrouter and
// router node of the process shares, and the parsing of a fetched catalogue into the immutable
// snapshot of the public header (Catalogue, CatalogueModel in flowhost/openrouter/client.h).
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
// Private to the openrouter_client library. Ownership: the OpenRouterClient owns the cache;
// snapshots are shared_ptr. Thread-safety: CatalogueCache is safe from any thread.
#ifndef FLOWHOST_NODES_OPENROUTER_CLIENT_CATALOGUE_H_
#define FLOWHOST_NODES_OPENROUTER_CLIENT_CATALOGUE_H_

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
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/scheduler.h"

namespace flowhost::nodes::openrouter {

// Always held by shared_ptr (a refresh in flight keeps the cache alive).
class CatalogueCache : public std::enable_shared_from_this<CatalogueCache> {
 public:
  using Options = CatalogueOptions;
  using Callback = CatalogueDone;

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

#endif  // FLOWHOST_NODES_OPENROUTER_CLIENT_CATALOGUE_H_
