#include "server/remote/worker_listener.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "flowhost/plugin/v1/worker.grpc.pb.h"
#include "server/remote/unix_socket.h"
#include "server/remote/worker_session.h"

namespace flowhost::remote {

class WorkerListener::Service final : public plugin::v1::WorkerHost::CallbackService {
 public:
  explicit Service(std::shared_ptr<WorkerHub> hub) : hub_(std::move(hub)) {}

  grpc::ServerBidiReactor<plugin::v1::WorkerMessage, plugin::v1::HostMessage>* Connect(
      grpc::CallbackServerContext* context) override {
    return new WorkerSession(hub_);
  }

 private:
  const std::shared_ptr<WorkerHub> hub_;
};

bool IsLoopbackAddress(std::string_view address) {
  std::string_view host = address;
  if (host.substr(0, 1) == "[") {
    size_t end = host.find(']');
    host = end == std::string_view::npos ? host : host.substr(1, end - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

absl::StatusOr<std::unique_ptr<WorkerListener>> WorkerListener::Start(
    std::shared_ptr<WorkerHub> hub) {
  const RemoteConfig& config = hub->config();
  // A Unix socket is reached through the file system, whose permissions say who may connect.
  const std::optional<std::string> socket_path = UnixSocketPath(config.listen);
  if (!socket_path.has_value() && !IsLoopbackAddress(config.listen) && config.token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "remote.listen '", config.listen,
        "' is not a loopback address, so workers must present a token: set remote.token_env"));
  }
  if (socket_path.has_value()) {
    if (absl::Status ready = PrepareUnixSocketPath(*socket_path, "remote.listen"); !ready.ok()) {
      return ready;
    }
  }
  std::unique_ptr<WorkerListener> listener(new WorkerListener());
  listener->hub_ = hub;
  listener->service_ = std::make_unique<Service>(hub);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &listener->port_);
  builder.RegisterService(listener->service_.get());
  const int interval_ms =
      std::max<int>(100, static_cast<int>(absl::ToInt64Milliseconds(config.heartbeat_interval)));
  const int timeout_ms =
      std::max<int>(100, static_cast<int>(absl::ToInt64Milliseconds(config.heartbeat_timeout)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 2 * interval_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, timeout_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, interval_ms / 2);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  listener->server_ = builder.BuildAndStart();
  if (listener->server_ == nullptr || listener->port_ == 0) {
    listener->shut_down_ = true;  // nothing to stop, and the hub stays the runtime's to stop
    return absl::UnavailableError(
        absl::StrCat("cannot listen for remote workers on '", config.listen, "'"));
  }
  if (socket_path.has_value()) {
    listener->dial_address_ = config.listen;
    if (absl::Status restricted = RestrictUnixSocket(*socket_path); !restricted.ok()) {
      listener->server_->Shutdown();
      listener->server_->Wait();
      listener->shut_down_ = true;
      return restricted;
    }
  } else {
    // Workers on this machine dial loopback when the listener takes every address.
    std::string host = config.listen.substr(0, config.listen.rfind(':'));
    if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "*") host = "127.0.0.1";
    listener->dial_address_ = absl::StrCat(host, ":", listener->port_);
  }
  return listener;
}

void WorkerListener::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  hub_->Drain(grace);  // a no-op when the drain began earlier (serve's SIGTERM)
  hub_->WaitUntilIdle(absl::Now() + grace);
  // What is still held fails (UNAVAILABLE) and every stream gets its status before the server
  // stops; the deadline only bounds a stream gRPC cannot finish.
  hub_->Stop();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server_->Wait();
}

WorkerListener::~WorkerListener() { Shutdown(absl::ZeroDuration()); }

}  // namespace flowhost::remote
