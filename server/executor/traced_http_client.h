// The HttpClient a node attempt hands its node: the host's pooled client, with the execution's
// W3C trace context on every request (a `traceparent` header naming a new span of the execution's
// trace), unless the node set one itself. Plugins reach the host's client through the same object.
//
// Ownership: borrows the host client and the trace, which outlive the attempt. Thread-safety: Send
// may be called from any thread, as the SDK promises.
#ifndef FLOWHOST_SERVER_EXECUTOR_TRACED_HTTP_CLIENT_H_
#define FLOWHOST_SERVER_EXECUTOR_TRACED_HTTP_CLIENT_H_

#include "flowhost/sdk/http_client.h"
#include "server/common/trace_context.h"

namespace flowhost::executor {

class TracedHttpClient final : public sdk::HttpClient {
 public:
  TracedHttpClient(sdk::HttpClient& base, const common::TraceContext& trace)
      : base_(base), trace_(trace) {}

  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done) override {
    if (!sdk::FindHeader(request.headers, common::TraceContext::kHeader).has_value()) {
      request.headers.emplace_back(common::TraceContext::kHeader, trace_.Child().ToHeader());
    }
    return base_.Send(std::move(request), std::move(done));
  }

 private:
  sdk::HttpClient& base_;
  const common::TraceContext& trace_;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_TRACED_HTTP_CLIENT_H_
