#include "server/service/flowhost_server.h"

#include <fstream>
#include <sstream>

#include "flowhost/sdk/error.h"
#include "grpc/grpc.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "server/metrics/grpc_server_metrics.h"
#include "server/service/bind_failure.h"

namespace flowhost::service {
namespace {

constexpr char kServiceName[] = "flowhost.v1.WorkflowService";

absl::StatusOr<std::string> ReadPem(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError("TLS " + std::string(what) + " file '" + path +
                                         "' cannot be read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void SetHealth(grpc::Server& server, bool serving) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);  // the server as a whole ("")
  health->SetServingStatus(kServiceName, serving);
}

}  // namespace

FlowhostServer::FlowhostServer(ServiceEnvironment env, ServerOptions options)
    : env_(env), options_(std::move(options)), service_(std::move(env)) {}

FlowhostServer::~FlowhostServer() { Shutdown(); }

std::shared_ptr<grpc::Channel> FlowhostServer::InProcessChannel() {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(-1);
  arguments.SetMaxSendMessageSize(-1);
  return server_->InProcessChannel(arguments);
}

absl::Status FlowhostServer::Start() {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!options_.tls_cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(options_.tls_cert_file, "certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(options_.tls_key_file, "key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }

  // Both must be switched on before the builder exists. The plugin is reflection v1alpha (Debian's
  // gRPC has no v1); v1 is ours (reflection_v1_service.h), listing the same services.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  reflection_v1_ = std::make_unique<ReflectionV1Service>(std::vector<std::string>{
      kServiceName, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection",
      grpc::reflection::v1::ServerReflection::service_full_name()});

  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, so a second server on a port in use would start and the
  // two would split the connections. One address, one server: the second fails here.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options_.listen, credentials, &port_);
  builder.RegisterService(&service_);
  builder.RegisterService(reflection_v1_.get());
  if (env_.metrics != nullptr) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> counting;
    counting.push_back(metrics::GrpcServerMetrics(*env_.metrics));
    builder.experimental().SetInterceptorCreators(std::move(counting));
  }
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError("cannot listen on " + options_.listen + ": " +
                                  DescribeBindFailure(options_.listen));
  }
  SetHealth(*server_, true);
  if (env_.logger != nullptr) {
    env_.logger->Log(sdk::LogLevel::kInfo, "serving",
                     {{"listen", options_.listen},
                      {"port", port_},
                      {"tls", !options_.tls_cert_file.empty()},
                      {"auth", env_.auth != nullptr && env_.auth->enabled()},
                      {"max_executions_in_flight", env_.gate->max_in_flight()}});
  }
  return absl::OkStatus();
}

void FlowhostServer::Shutdown() {
  if (server_ == nullptr || shut_down_) return;
  shut_down_ = true;
  sdk::Logger* logger = env_.logger;
  SetHealth(*server_, false);
  env_.gate->StartDraining();
  size_t in_flight = env_.gate->in_flight();
  if (logger != nullptr) {
    logger->Log(sdk::LogLevel::kInfo, "draining",
                {{"in_flight", in_flight},
                 {"grace_period_ms", absl::ToInt64Milliseconds(options_.shutdown_grace_period)}});
  }
  if (!env_.gate->WaitForDrain(options_.shutdown_grace_period)) {
    size_t left = env_.gate->in_flight();
    // Background executions are left in the store for the next server (another replica, or this
    // one restarted) to resume from their last finished node; the rest are cancelled.
    size_t released =
        env_.recorder == nullptr
            ? 0
            : env_.recorder->ReleaseBackground(sdk::NodeError(
                  absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
                  "the server is shutting down; the execution is left for the next server to "
                  "resume"));
    if (logger != nullptr) {
      logger->Log(sdk::LogLevel::kWarning,
                  env_.gate->grace_period_ended()
                      ? "grace period ended early; releasing background executions for the next "
                        "server to resume and cancelling the others"
                      : "grace period over; releasing background executions for the next server "
                        "to resume and cancelling the others",
                  {{"in_flight", left}, {"released", released}});
    }
    env_.gate->CancelAll(sdk::NodeError(absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
                                        "the server is shutting down"));
    env_.gate->WaitUntilIdle(options_.cancel_grace_period);
  }
  // Calls on the in-process channel end when their caller has read them out, not at the transport's
  // close: their callers get the time to do so.
  if (before_stop_) before_stop_();
  // Calls still open (none normally) are cancelled at the deadline.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (logger != nullptr) logger->Log(sdk::LogLevel::kInfo, "stopped", nullptr);
}

void FlowhostServer::EndGracePeriod() { env_.gate->EndGracePeriod(); }

void FlowhostServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace flowhost::service
