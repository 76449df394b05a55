#include "server/service/caller_auth.h"

#include <string_view>

#include "flowhost/sdk/error.h"
#include "server/service/status_mapping.h"

namespace flowhost::service {
namespace {

// Compares without an early exit on the first differing byte, so timing does not reveal a prefix.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return difference == 0;
}

}  // namespace

absl::Status CallerAuthenticator::Check(const grpc::ServerContextBase& context) const {
  if (tokens_.empty()) return absl::OkStatus();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return sdk::NodeError(absl::StatusCode::kUnauthenticated, service_error_class::kUnauthenticated,
                          "this server requires a bearer token: send 'authorization: Bearer "
                          "<token>' metadata");
  }
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || value.substr(0, kScheme.size()) != kScheme) {
    return sdk::NodeError(absl::StatusCode::kUnauthenticated, service_error_class::kUnauthenticated,
                          "the authorization metadata must read 'Bearer <token>'");
  }
  std::string_view presented = value.substr(kScheme.size());
  bool known = false;
  for (const sdk::Secret& token : tokens_) known |= ConstantTimeEquals(presented, token.reveal());
  if (!known) {
    return sdk::NodeError(absl::StatusCode::kPermissionDenied,
                          service_error_class::kPermissionDenied,
                          "the bearer token is not one this server accepts");
  }
  return absl::OkStatus();
}

}  // namespace flowhost::service
