#include "server/service/page_token.h"

#include "absl/strings/escaping.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::service {
namespace {

constexpr std::string_view kVersion = "v1";

std::string Prefix(std::string_view collection) {
  return std::string(kVersion) + ":" + std::string(collection) + ":";
}

}  // namespace

std::string EncodePageToken(std::string_view collection, std::string_view last_name) {
  return absl::WebSafeBase64Escape(Prefix(collection) + std::string(last_name));
}

absl::StatusOr<std::string> DecodePageToken(std::string_view collection, std::string_view token) {
  if (token.empty()) return std::string();
  std::string decoded;
  std::string prefix = Prefix(collection);
  if (!absl::WebSafeBase64Unescape(sdk::AsAbsl(token), &decoded) ||
      decoded.compare(0, prefix.size(), prefix) != 0) {
    return absl::InvalidArgumentError(
        "page_token is not a next_page_token this method returned; start again with an empty one");
  }
  return decoded.substr(prefix.size());
}

absl::StatusOr<int> EffectivePageSize(int requested, int default_size, int max_size) {
  if (requested < 0) {
    return absl::InvalidArgumentError("page_size must not be negative, got " +
                                      std::to_string(requested));
  }
  if (requested == 0) return default_size;
  return requested > max_size ? max_size : requested;
}

}  // namespace flowhost::service
