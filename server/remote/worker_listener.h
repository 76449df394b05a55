// The address remote workers dial (`remote.listen`): a gRPC server of its own, apart from the
// public API's, serving WorkerHost.Connect with the callback API (no thread per worker). gRPC
// keepalive pings a quiet connection, so a peer that vanished without closing its socket (a network
// cut) is noticed even between heartbeats.
//
// Ownership: owns its gRPC server; the hub is shared with the node types. Thread-safety: Shutdown
// from one thread, once; port() from any.
#ifndef FLOWHOST_SERVER_REMOTE_WORKER_LISTENER_H_
#define FLOWHOST_SERVER_REMOTE_WORKER_LISTENER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/remote/worker_hub.h"

namespace flowhost::remote {

class WorkerListener {
 public:
  // Starts listening on hub->config().listen: HOST:PORT, or a Unix socket "unix:PATH"
  // (unix_socket.h: a stale socket file is removed, one a live server listens on is refused, and
  // the file gets mode 0660). INVALID_ARGUMENT when a TCP address is not loopback and no token is
  // configured; FAILED_PRECONDITION for a socket path in use; UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<WorkerListener>> Start(std::shared_ptr<WorkerHub> hub);
  ~WorkerListener();

  // The port bound (useful with port 0); 1 for a Unix socket.
  int port() const { return port_; }
  // What a worker on this machine dials: the Unix socket's address as configured, else HOST:PORT
  // with the bound port (127.0.0.1 when listening on every address).
  const std::string& dial_address() const { return dial_address_; }

  // Asks workers to drain (WorkerHub::Drain, unless that began earlier), waits up to `grace` for
  // the work they hold, then stops the hub (failing what is left) and closes every stream. Blocks:
  // call it from the shutdown path, never from the scheduler's pool.
  void Shutdown(absl::Duration grace);

 private:
  class Service;
  WorkerListener() = default;

  std::shared_ptr<WorkerHub> hub_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string dial_address_;
  bool shut_down_ = false;
};

// True for 127.0.0.0/8, ::1 and "localhost" addresses (HOST:PORT, [V6]:PORT).
bool IsLoopbackAddress(std::string_view address);

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_WORKER_LISTENER_H_
