// The host's own bounds on every upstream request, whatever a node asks for: a node's connect timeout
// and response size cap may be tighter than the host's, never looser. The Runtime puts this in front
// of the pooled client, so the configuration's http.connect_timeout and http.max_response_bytes hold
// for every node, built-in or plugin.
//
// Ownership: borrows `inner`, which must outlive it. Thread-safety: as `inner` (Send from any thread).
#ifndef FLOWHOST_SERVER_HTTP_HOST_HTTP_LIMITS_H_
#define FLOWHOST_SERVER_HTTP_HOST_HTTP_LIMITS_H_

#include <algorithm>
#include <utility>

#include "flowhost/sdk/http_client.h"

namespace flowhost::http {

struct HostHttpLimits {
  absl::Duration max_connect_timeout = absl::Seconds(10);
  size_t max_response_bytes = 32 << 20;
};

class LimitedHttpClient final : public sdk::HttpClient {
 public:
  LimitedHttpClient(sdk::HttpClient& inner, HostHttpLimits limits)
      : inner_(inner), limits_(limits) {}

  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done) override {
    request.connect_timeout = std::min(request.connect_timeout, limits_.max_connect_timeout);
    request.max_response_bytes = std::min(request.max_response_bytes, limits_.max_response_bytes);
    return inner_.Send(std::move(request), std::move(done));
  }

 private:
  sdk::HttpClient& inner_;
  const HostHttpLimits limits_;
};

}  // namespace flowhost::http

#endif  // FLOWHOST_SERVER_HTTP_HOST_HTTP_LIMITS_H_
