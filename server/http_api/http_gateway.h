// The HTTP/JSON listener of `flowhost serve` (http_server.listen; docs/http.md): the
// WorkflowService's methods as JSON endpoints (routes.h), StreamWorkflow as Server-Sent Events,
// every request answered by a call of the gRPC service itself on its in-process channel
// (exchange.h), so both ways in share one executor, one admission gate, one authentication (the
// Authorization header is passed on as the call's metadata) and one status mapping (http_status.h).
//
// One libevent event loop thread serves every connection (evhttp): no thread per connection or
// request. Keep-alive; bodies over max_body_bytes are refused with 413; a request's head and body
// must arrive within request_timeout (which also bounds a kept-alive connection's idle time), and
// no connection may stall longer than io_timeout while a request is read or an answer written.
// With tls.cert_file set the listener speaks HTTPS only: each connection's bytes go through
// libevent's OpenSSL bufferevent on the same loop thread (tls_context.h); optionally every client
// must present a certificate signed by tls.client_ca_file (mutual TLS).
//
// Ownership: owns its loop, its listener and its connections; the channel's server must outlive it
// (ServiceHost stops the gateway after the gRPC server's drain). Thread-safety: Start and Shutdown
// from one controlling thread; the rest runs on the loop thread.
#ifndef FLOWHOST_SERVER_HTTP_API_HTTP_GATEWAY_H_
#define FLOWHOST_SERVER_HTTP_API_HTTP_GATEWAY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/sdk/logger.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/channel.h"
#include "server/http_api/connection_guard.h"
#include "server/http_api/event_loop.h"
#include "server/http_api/tls_context.h"

struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;

namespace flowhost::http_api {

class Exchange;

struct GatewayOptions {
  std::string listen;  // HOST:PORT (an IPv6 host in brackets); port 0 picks a free one
  size_t max_body_bytes = 4 << 20;
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration io_timeout = absl::Seconds(60);
  // What GET /metrics answers (Prometheus' text format), called on the loop thread; unset: no
  // /metrics.
  std::function<std::string()> metrics;
  // Called once an answer has been written out, with the endpoint's word (routes.h EndpointName)
  // and the HTTP status; on the loop thread. Unset: nothing is counted.
  std::function<void(std::string_view endpoint, int http_status)> on_answered;
  // The workflow serving POST /v1/chat/completions for model ids that are not workflows exposed
  // as "openai" (its `model` input gets the id); empty: those are 404 model_not_found.
  std::string openai_default_workflow;
  // TLS on the listener; off when tls.cert_file is empty.
  TlsFiles tls;
};

class HttpGateway {
 public:
  // Binds and starts serving, calling the service over `channel`. UNAVAILABLE when the address
  // cannot be bound; INVALID_ARGUMENT when it is not HOST:PORT; FAILED_PRECONDITION naming the
  // setting and the file when a TLS file cannot be read or used.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(GatewayOptions options,
                                                            std::shared_ptr<grpc::Channel> channel,
                                                            sdk::Logger* logger);
  ~HttpGateway();  // Shutdown

  int port() const { return port_; }

  // Stops accepting connections, gives the answers in progress up to `grace` to be sent, cancels
  // the calls still running, and closes every connection. For after the gRPC server's drain, when
  // the calls have ended. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(5));

  // Blocks until no call of the gateway is in progress, or `timeout` passes. For the drain: the
  // executions have ended, and their answers are being read out of the in-process channel.
  void WaitForCalls(absl::Duration timeout);

  // For exchanges (exchange.h).
  EventLoop& loop() { return *loop_; }
  absl::Duration io_timeout() const { return options_.io_timeout; }
  v1::WorkflowService::Stub& stub() { return *stub_; }
  // A gRPC call of `exchange` begins / its last callback has posted its last step (any thread).
  // Counted per exchange: an exchange that makes its next call from the step its last call posted
  // (openai_exchange.h) may start it on the loop thread before the last call's CallEnded runs on a
  // gRPC thread, and stays tracked (for Shutdown's cancel and wait) across the two.
  void CallStarted(const std::shared_ptr<Exchange>& exchange);
  void CallEnded(Exchange* exchange);
  // The guard of `request`'s connection, while it has one (loop thread).
  ConnectionGuard* GuardOf(evhttp_request* request) {
    return ConnectionGuard::Of(guards_, request);
  }

 private:
  HttpGateway(GatewayOptions options, std::shared_ptr<grpc::Channel> channel, sdk::Logger* logger);

  static void OnRequest(evhttp_request* request, void* self);
  // Reports a written answer to options_.on_answered (loop thread).
  void CountAnswer(evhttp_request* request);
  void Handle(evhttp_request* request);

  const GatewayOptions options_;
  sdk::Logger* const logger_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorkflowService::Stub> stub_;
  std::unique_ptr<TlsContext> tls_;  // null: plain HTTP
  std::unique_ptr<EventLoop> loop_;
  evhttp* http_ = nullptr;
  evhttp_bound_socket* listener_ = nullptr;
  int port_ = 0;
  bool shut_down_ = false;
  ConnectionGuard::Registry guards_;  // loop thread

  struct Calls {
    std::weak_ptr<Exchange> exchange;
    int in_progress = 0;
  };
  absl::Mutex calls_mu_;
  std::map<Exchange*, Calls> calls_ ABSL_GUARDED_BY(calls_mu_);
};

}  // namespace flowhost::http_api

#endif  // FLOWHOST_SERVER_HTTP_API_HTTP_GATEWAY_H_
