#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"

namespace flowhost::nodes::openrouter {
using sdk::AsAbsl;

std::string Endpoint::Url(std::string_view path) const {
  return absl::StrCat(base_url, AsAbsl(path));
}

sdk::HttpHeaders Endpoint::Headers(bool json_body, bool event_stream) const {
  sdk::HttpHeaders headers;
  if (!api_key.empty()) headers.emplace_back("Authorization", "Bearer " + api_key.reveal());
  if (json_body) headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Accept", event_stream ? "text/event-stream" : "application/json");
  if (!http_referer.empty()) headers.emplace_back("HTTP-Referer", http_referer);
  if (!app_title.empty()) headers.emplace_back("X-Title", app_title);
  return headers;
}

std::string Endpoint::Scrub(std::string_view text) const {
  if (api_key.empty() || !absl::StrContains(AsAbsl(text), api_key.reveal())) {
    return std::string(text);
  }
  return absl::StrReplaceAll(AsAbsl(text), {{api_key.reveal(), "<redacted>"}});
}

absl::StatusOr<Endpoint> EndpointFromCredential(const sdk::Credential& credential) {
  Endpoint endpoint;
  endpoint.api_key = credential.secret;
  std::string base_url = sdk::StringField(credential.attributes, "base_url");
  if (!base_url.empty()) {
    if (!absl::StartsWith(base_url, "http://") && !absl::StartsWith(base_url, "https://")) {
      return sdk::NodeError(
          absl::StatusCode::kInvalidArgument, sdk::error_class::kInvalidInput,
          absl::StrCat("credential '", credential.name,
                       "': base_url must start with http:// or https://, got '", base_url, "'"));
    }
    while (absl::EndsWith(base_url, "/")) base_url.pop_back();
    endpoint.base_url = std::move(base_url);
  }
  endpoint.http_referer = sdk::StringField(credential.attributes, "http_referer");
  endpoint.app_title = sdk::StringField(credential.attributes, "app_title");
  return endpoint;
}

std::string CredentialNameOf(const sdk::Json& params) {
  std::string name = sdk::StringField(params, "credential");
  return name.empty() ? std::string(kDefaultCredential) : name;
}

absl::StatusOr<Endpoint> ResolveEndpoint(sdk::NodeContext& context, std::string_view name) {
  absl::StatusOr<sdk::Credential> credential = context.credential(name);
  if (!credential.ok()) {
    std::string how = name == kDefaultCredential
                          ? "set OPENROUTER_API_KEY, or configure the 'openrouter' credential"
                          : "configure it in the host's credentials";
    return sdk::NodeError(absl::StatusCode::kFailedPrecondition, sdk::error_class::kAuth,
                          absl::StrCat("OpenRouter credential '", AsAbsl(name), "' is not usable (",
                                       credential.status().message(), "): ", how));
  }
  if (credential->secret.empty()) {
    return sdk::NodeError(
        absl::StatusCode::kFailedPrecondition, sdk::error_class::kAuth,
        absl::StrCat("OpenRouter credential '", AsAbsl(name), "' has an empty API key"));
  }
  return EndpointFromCredential(*credential);
}

}  // namespace flowhost::nodes::openrouter
