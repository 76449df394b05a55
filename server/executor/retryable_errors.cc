#include "server/executor/retryable_errors.h"

#include <string>

#include "flowhost/sdk/error.h"

namespace flowhost::executor {

bool IsRetryable(const absl::Status& status) {
  if (status.ok()) return false;
  namespace ec = sdk::error_class;
  std::string error_class = sdk::ErrorClassOf(status);
  for (std::string_view retryable : {ec::kTimeout, ec::kRateLimited, ec::kUpstream, ec::kNetwork,
                                     ec::kQueueFull, ec::kMalformedResponse,
                                     ec::kUnavailable}) {
    if (error_class == retryable) return true;
  }
  return false;
}

}  // namespace flowhost::executor
