// The OpenRouter client: everything a node family needs to talk to OpenRouter, and the only header
// of the flowhost::openrouter_client library that a family may include (the rest of
// nodes/openrouter_client/ is private). `openrouter.chat` and `openrouter.models`
// (nodes/openrouter/) and `router.fallback` (nodes/router/) share it and nothing else.
//
// What it offers, in the order a node uses it:
//   - Endpoint: where and how to reach OpenRouter for one node run, from a host credential;
//   - the chat parameters: their schema pieces, their load-time checks, and the request body built
//     from them;
//   - OpenRouterClient: chat completions (streamed or not, cancellable, priced, classified) and the
//     model catalogue, shared by every node type of the process;
//   - the catalogue's models and their exact prices; the status code of an error class.
//
// The client holds no connections (the host's HttpClient does) and no credentials (each node run
// resolves its own Endpoint). Errors are classified sdk::NodeErrors (error.h); which class for
// which answer is the library's business (docs/nodes.md, "openrouter.chat", "Errors").
//
// Ownership: OpenRouterClient is held by shared_ptr by the node types, which live as long as the
// process; catalogue snapshots are shared_ptr<const>. Thread-safety: every function may be called
// from any thread; the values are immutable once built.
#ifndef FLOWHOST_OPENROUTER_CLIENT_H_
#define FLOWHOST_OPENROUTER_CLIENT_H_

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/credential.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/retry.h"
#include "flowhost/sdk/scheduler.h"
#include "flowhost/sdk/secret.h"
#include "flowhost/sdk/usage.h"

namespace flowhost::nodes::openrouter {

// ---- Endpoint ----------------------------------------------------------------------------------

inline constexpr std::string_view kDefaultBaseUrl = "https://openrouter.ai/api/v1";
inline constexpr std::string_view kDefaultCredential = "openrouter";

// The base URL, the API key and the app attribution headers of one node run, resolved from the
// credential the host configured. The key leaves this value only through Headers(): it is never put
// in a message, a log field, an output item or an execution record. An immutable value.
struct Endpoint {
  std::string base_url = std::string(kDefaultBaseUrl);  // no trailing slash
  sdk::Secret api_key;
  std::string http_referer;  // sent as HTTP-Referer when set
  std::string app_title;     // sent as X-Title when set

  // base_url + path (path starts with '/').
  std::string Url(std::string_view path) const;

  // Authorization (when a key is set), Content-Type for a JSON body, Accept, and the attribution
  // headers. `event_stream` asks for text/event-stream.
  sdk::HttpHeaders Headers(bool json_body, bool event_stream) const;

  // Replaces every occurrence of the key in `text` with "<redacted>", for text that came back from
  // upstream or from a transport error and is about to be shown.
  std::string Scrub(std::string_view text) const;
};

// The credential a node's evaluated parameters name (`credential`), or "openrouter".
std::string CredentialNameOf(const sdk::Json& params);

// Asks the host for credential `name` (attributes `base_url`, `http_referer`, `app_title`) and
// builds the Endpoint. A missing credential or key is FAILED_PRECONDITION with error class "auth"
// and a message saying how to configure it; a base_url that is not http(s) is INVALID_ARGUMENT.
absl::StatusOr<Endpoint> ResolveEndpoint(sdk::NodeContext& context, std::string_view name);

// The Endpoint of a credential the caller resolved itself (`flowhost plan`, which runs no node):
// attributes `base_url`, `http_referer`, `app_title`. INVALID_ARGUMENT when base_url is not an
// http(s) URL.
absl::StatusOr<Endpoint> EndpointFromCredential(const sdk::Credential& credential);

// ---- Chat parameters ---------------------------------------------------------------------------
// The parameters of a chat completion, shared by `openrouter.chat` and by the chat routes of
// `router.fallback` (a route is a chat configuration that inherits the router's shared settings).

// Schema properties for what is asked and how (messages, system, prompt, sampling,
// response_format, tools, reasoning, provider preferences, user, extra). Not the model, the
// credential or node settings. A fresh copy.
sdk::Json ChatSettingsProperties();

// The names of ChatSettingsProperties(), in a stable order.
const std::vector<std::string>& ChatSettingNames();

// The fields of a chat answer's item (`openrouter.chat`'s output, and a chat route's answer in
// `router.fallback`), in the order the item holds them. For the nodes' output schemas.
const std::vector<std::string>& ChatItemFields();

// The fields of a catalogue model's item (`openrouter.models`' output): CatalogueModel::ToItem.
const std::vector<std::string>& ModelItemFields();

// Schema properties naming the model: `model` and `models` (OpenRouter's server-side fallback
// list).
sdk::Json ModelProperties();

// Problems in static parameters that the schema cannot express, as (pointer, message) pairs
// relative to `params` (e.g. {"/extra/stream", "..."}). `dynamic(pointer)` says whether a value is
// computed at run time (then it is not judged). For NodeType::Create.
struct ParamProblem {
  std::string pointer;
  std::string message;
};
std::vector<ParamProblem> CheckChatParams(const sdk::Json& params, bool require_model,
                                          const std::function<bool(std::string_view)>& dynamic);

// The request body for `params` (evaluated for one item): the model or fallback list, the messages
// (with the `system` and `prompt` shortcuts), every known setting, and the pass-through `extra`
// fields (known fields win). `stream` adds "stream": true. INVALID_ARGUMENT (class invalid_input)
// when there is no model, no message, or `extra` tries to set a field the node owns.
absl::StatusOr<sdk::Json> BuildChatBody(const sdk::Json& params, bool stream);

// "openai/gpt-4o" or "a, b, c" for a `models` list: how a configuration's model is named in
// messages and attempt records.
std::string ModelLabel(const sdk::Json& params);

// A rough count of the prompt's tokens (characters / 4, rounded up), for cost estimates before a
// call. OpenRouter reports the real count afterwards.
int64_t EstimatePromptTokens(const sdk::Json& body);

// ---- Catalogue ---------------------------------------------------------------------------------

// An exact decimal price, as OpenRouter writes them ("0.0000003" USD per token), for comparing and
// adding prices without binary floating point's rounding (as doubles, 0.0000001 + 0.0000002 is not
// 0.0000003, so two models with the same total price would sort by noise). A non-negative number
// below 10^8 with at most 30 decimal places, held as a count of 10^-30. An immutable value.
class DecimalPrice {
 public:
  // Decimal places held.
  static constexpr int kScale = 30;

  DecimalPrice() = default;

  // Parses a decimal number: "0.0000003", "12", "1.5e-7", "3E-07", with surrounding whitespace.
  // nullopt for a negative number (OpenRouter's "variable price"), anything malformed, a value of
  // 10^8 or more, or a non-zero digit past the 30th decimal place.
  static std::optional<DecimalPrice> Parse(std::string_view text);

  // A price given as JSON: a decimal string, or a number (read from its shortest round-trip text,
  // which is what was written for any number a person or OpenRouter would write).
  static std::optional<DecimalPrice> FromJson(const sdk::Json& value);

  // The sum; both are below 10^8, so it cannot overflow.
  DecimalPrice operator+(const DecimalPrice& other) const {
    DecimalPrice sum;
    sum.units_ = units_ + other.units_;
    return sum;
  }

  bool operator==(const DecimalPrice& other) const { return units_ == other.units_; }
  std::strong_ordering operator<=>(const DecimalPrice& other) const {
    if (units_ < other.units_) return std::strong_ordering::less;
    if (other.units_ < units_) return std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }

  // The shortest decimal text of the value: "0.0000003", "12", "0".
  std::string ToString() const;

 private:
  absl::uint128 units_ = 0;  // the value times 10^kScale
};

// One model of OpenRouter's catalogue (`GET /models`), normalised. A negative price (OpenRouter's
// "variable", e.g. openrouter/auto) is unknown. A model is free when its id ends in ":free" or its
// prompt and completion prices are zero.
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
  // OpenRouter's `expiration_date`: when the model is withdrawn (a date is its first instant, UTC);
  // nullopt when none is announced or it cannot be read.
  std::optional<absl::Time> expires_at;

  // Whether the model has been withdrawn by `now`.
  bool ExpiredAt(absl::Time now) const { return expires_at.has_value() && *expires_at <= now; }

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
using CatalogueDone = absl::AnyInvocable<void(absl::StatusOr<CataloguePtr>)>;

// The most a chat call with `body` (from BuildChatBody) could cost on `model`: the prompt's
// estimated tokens at the prompt price, plus the completion cap (body's max_tokens, else the
// model's max_completion_tokens, else its context length minus the prompt) at the completion price,
// plus the request price. nullopt when the prices are unknown. What a cost budget reserves before
// the call (NodeContext::ReserveCost; the router's max_cost_usd).
std::optional<double> WorstCaseCost(const CatalogueModel& model, const sdk::Json& body);

// The worst case over the model(s) the body names (`model`, then each of `models`). nullopt when
// one is not in the catalogue or has unknown prices.
std::optional<double> WorstCaseCost(const Catalogue& catalogue, const sdk::Json& body);

// ---- Errors ------------------------------------------------------------------------------------

// The absl status code the client uses for an error class (rate_limited: RESOURCE_EXHAUSTED, auth:
// FAILED_PRECONDITION, upstream: UNAVAILABLE, ...), for errors a node words itself in the same way.
absl::StatusCode StatusCodeForClass(std::string_view error_class);

// ---- Chat calls --------------------------------------------------------------------------------

// Gets each non-empty streamed piece of an answer, `kind` "content" or "reasoning", in order, on
// the HTTP client's I/O thread: quick, never blocking.
using ChatDeltaCallback = std::function<void(std::string_view text, std::string_view kind)>;

// One chat completion to start with OpenRouterClient::Chat.
struct ChatCallRequest {
  Endpoint endpoint;
  sdk::Json body;           // from BuildChatBody
  bool stream = false;      // must match body["stream"]
  std::string model_label;  // ModelLabel(params): names the call in messages and records
  // Aborts the call; its deadline (+1 s backstop) bounds the transfer.
  sdk::CancellationToken token;
  ChatDeltaCallback on_delta;  // streamed text pieces (stream only)
  // Set by OpenRouterClient::Chat from its options.
  absl::Duration stream_idle_timeout = absl::Minutes(2);
  size_t max_response_bytes = 8 << 20;
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
};

// How a chat completion ended.
struct ChatCallResult {
  absl::Status status;             // OK, or the classified failure
  sdk::Json item;                  // the output item when OK (docs/nodes.md, openrouter.chat)
  std::optional<double> cost_usd;  // known cost of the call (usage.cost, else tokens x prices)
  // model, provider, outcome, error_class, error_message, tokens, cost, latency. The outcome is
  // "ok", "error" (the upstream or the network failed the call), "timed_out" or "cancelled" (the
  // token stopped it) or "skipped" (the token had fired before it was sent). `route` and
  // `item_index` are the caller's to fill.
  sdk::AttemptRecord record;
};

using ChatCallDone = absl::AnyInvocable<void(ChatCallResult)>;

// ---- The client --------------------------------------------------------------------------------

struct CatalogueOptions {
  absl::Duration ttl = absl::Minutes(5);
  // After a failed refresh with a stale copy available, serve the copy this long before trying
  // again.
  absl::Duration failure_backoff = absl::Seconds(15);
  absl::Duration fetch_timeout = absl::Seconds(30);
  size_t max_response_bytes = 32 << 20;
  // A longer Retry-After on a failed fetch is cut to this (OpenRouterClient sets it from
  // OpenRouterOptions::max_retry_after).
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
};

struct OpenRouterOptions {
  CatalogueOptions catalogue;
  // Longest silence allowed between bytes of a streamed answer.
  absl::Duration stream_idle_timeout = absl::Minutes(2);
  // Largest chat completion body accepted.
  size_t max_response_bytes = 8 << 20;
  // The longest Retry-After (or rate-limit reset) honoured from OpenRouter, for chat calls and
  // catalogue fetches; the router also cuts its cool-downs to it. The host's
  // http.max_retry_after.
  absl::Duration max_retry_after = sdk::kDefaultMaxRetryAfter;
};

class CatalogueCache;  // private to the library

// The OpenRouter machinery shared by every OpenRouter-backed node type of the process: chat calls
// and the model catalogue cache. The host creates one and hands it to each family's registration,
// so that they all share one catalogue.
class OpenRouterClient {
 public:
  OpenRouterClient();
  explicit OpenRouterClient(OpenRouterOptions options);
  ~OpenRouterClient();

  const OpenRouterOptions& options() const { return options_; }

  // Starts one chat completion: sends it through `http` (streaming over SSE when asked), aborts it
  // when the request's token fires, parses or classifies what came back, prices it (OpenRouter's
  // `usage.cost`, else tokens x the catalogue's prices) and describes it as an attempt record.
  // `done` runs exactly once, on the host's worker pool, or inline when the token is already
  // cancelled. `http` and `clock` are the host's and must outlive the call.
  void Chat(ChatCallRequest request, sdk::HttpClient& http, const sdk::Clock& clock,
            ChatCallDone done);

  // The catalogue served at `endpoint`, from the cache shared by the process: refreshed after
  // CatalogueOptions::ttl, one refresh at a time (concurrent callers wait for that same refresh
  // through their callbacks; no thread blocks), a stale copy served while a refresh fails. `done`
  // runs exactly once: inline when a usable copy is at hand, otherwise on the host's worker pool.
  void GetCatalogue(const Endpoint& endpoint, sdk::HttpClient& http, const sdk::Clock& clock,
                    CatalogueDone done);

  // Catalogue fetches started so far (for tests and metrics).
  int64_t catalogue_fetches() const;

 private:
  const OpenRouterOptions options_;
  const std::shared_ptr<CatalogueCache> catalogue_;
};

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_OPENROUTER_CLIENT_H_
