// The gRPC server of `flowhost serve`: WorkflowService plus the standard health service
// (grpc.health.v1; SERVING once started, NOT_SERVING while draining) and server reflection, both
// v1 and v1alpha (so grpcurl and other clients work without .proto files), on one listening
// address, optionally with TLS, with bounded message sizes.
//
// Shutdown drains instead of dropping work: health goes NOT_SERVING, new executions are refused
// with UNAVAILABLE, executions in flight get the grace period to finish; then the background
// executions still running (recorded, restart_policy `resume`) are released in the store for the
// next server to resume (ExecutionRecorder::ReleaseBackground), the rest are cancelled (their
// callers see CANCELLED), and only then does the gRPC server stop.
//
// Ownership: the host owns the server and everything its ServiceEnvironment points at, and keeps
// them alive until Shutdown has returned. Thread-safety: Start, then Shutdown (from any one thread,
// e.g. the signal waiter); Wait and EndGracePeriod may be called concurrently with Shutdown.
#ifndef FLOWHOST_SERVER_SERVICE_FLOWHOST_SERVER_H_
#define FLOWHOST_SERVER_SERVICE_FLOWHOST_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/service/reflection_v1_service.h"
#include "server/service/service_environment.h"
#include "server/service/workflow_service_impl.h"

namespace flowhost::service {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // HOST:PORT; port 0 picks a free one
  int max_message_bytes = 4 << 20;
  std::string tls_cert_file;  // PEM; TLS is on when set
  std::string tls_key_file;
  absl::Duration shutdown_grace_period = absl::Seconds(30);
  // After cancelling the stragglers: how long they get to report CANCELLED before the server stops.
  absl::Duration cancel_grace_period = absl::Seconds(5);
};

class FlowhostServer {
 public:
  FlowhostServer(ServiceEnvironment env, ServerOptions options);
  ~FlowhostServer();

  // Binds and starts serving. FAILED_PRECONDITION when a TLS file cannot be read; UNAVAILABLE when
  // the address cannot be bound, saying why (bind_failure.h): a port already in use is refused
  // (SO_REUSEPORT is off), never shared with another server.
  absl::Status Start();

  // The port bound (useful with port 0); 0 before Start.
  int port() const { return port_; }

  // A channel to this server that never leaves the process, without message size limits of its
  // own (the HTTP gateway's); after Start.
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Drains and stops (see above). Returns once the gRPC server has stopped. Idempotent.
  void Shutdown();

  // Runs `hook` during Shutdown once the executions have drained, before the gRPC server stops
  // (the HTTP gateway lets the answers of its in-process calls be read out). Before Shutdown.
  void SetBeforeStop(std::function<void()> hook) { before_stop_ = std::move(hook); }

  // Ends the drain's grace period now (a second SIGTERM): Shutdown, running on another thread or
  // called later, cancels the executions still in flight instead of waiting for them.
  void EndGracePeriod();

  // Blocks until the server has stopped.
  void Wait();

 private:
  ServiceEnvironment env_;
  const ServerOptions options_;
  WorkflowServiceImpl service_;
  std::unique_ptr<ReflectionV1Service> reflection_v1_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
  std::function<void()> before_stop_;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_FLOWHOST_SERVER_H_
