#include "flowhost/sdk/http_client.h"

#include "absl/strings/match.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::sdk {

std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, AsAbsl(name))) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace flowhost::sdk
