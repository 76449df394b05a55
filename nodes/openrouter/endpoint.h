// Where and how to reach OpenRouter for one node run: the base URL, the API key and the app
// attribution headers, resolved from the credential the host configured (`openrouter` unless the
// node's `credential` parameter names another).
//
// The key is held as an sdk::Secret and leaves this object only through AuthorizationHeaders(): it
// is never put in a message, a log field, an output item or an execution record.
//
// Thread-safety: immutable value; safe to share.
#ifndef FLOWHOST_NODES_OPENROUTER_ENDPOINT_H_
#define FLOWHOST_NODES_OPENROUTER_ENDPOINT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "flowhost/sdk/credential.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/secret.h"

namespace flowhost::nodes::openrouter {

inline constexpr std::string_view kDefaultBaseUrl = "https://openrouter.ai/api/v1";
inline constexpr std::string_view kDefaultCredential = "openrouter";

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

// Builds an Endpoint from a resolved credential: attributes `base_url`, `http_referer`,
// `app_title`. INVALID_ARGUMENT when base_url is not an http(s) URL.
absl::StatusOr<Endpoint> EndpointFromCredential(const sdk::Credential& credential);

// The credential a node's evaluated parameters name (`credential`), or "openrouter".
std::string CredentialNameOf(const sdk::Json& params);

// Asks the host for credential `name` and builds the Endpoint. A missing credential or key is
// FAILED_PRECONDITION with error class "auth" and a message saying how to configure it.
absl::StatusOr<Endpoint> ResolveEndpoint(sdk::NodeContext& context, std::string_view name);

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_ENDPOINT_H_
