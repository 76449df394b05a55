// Which node failures the executor retries under a node's `retry` settings: the transient ones. A
// failure is retried when its error class (sdk/error.h) is one of
//   timeout, rate_limited, upstream, network, queue_full, malformed_response;
// everything else (bad input, auth, moderation, a `fail` node, cancellation, a crossed limit,
// classes a plugin invents) fails at once, because trying again cannot change the answer.
//
// Thread-safety: pure function.
#ifndef FLOWHOST_SERVER_EXECUTOR_RETRYABLE_ERRORS_H_
#define FLOWHOST_SERVER_EXECUTOR_RETRYABLE_ERRORS_H_

#include "absl/status/status.h"

namespace flowhost::executor {

bool IsRetryable(const absl::Status& status);

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_RETRYABLE_ERRORS_H_
