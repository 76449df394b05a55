// relay_floor: the least any server built on flowhost's stack can do per RunWorkflow, to measure
// what the stack itself costs next to flowhost (bench/scenarios/floor.sh).
//
// It serves flowhost.v1.WorkflowService/RunWorkflow with the same gRPC callback API, server
// settings and health service as `flowhost serve`, and nothing else: no workflow, no executor, no
// node, no expression, no record.
//   - With --upstream URL, each call sends one chat completion request (the body the chat workflow
//     sends, given as --body) through flowhost's pooled HTTP client (server/http: the same libcurl
//     event loop and worker pool, configured as flowhost configures it), and answers OK with the
//     upstream's HTTP status once the response is in: gRPC + libcurl + a thread hand-off each
//     way, the floor under flowhost's one-node chat workflow.
//   - Without it, each call is answered at once: the floor under flowhost's `noop` workflow.
//
//   relay_floor --listen 127.0.0.1:PORT [--upstream URL --body JSON]
//               [--http-max-connections N] [--workers N]
// The upstream's key comes from OPENROUTER_API_KEY. Stops on SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/config/host_config.h"
#include "server/http/curl_http_client.h"
#include "server/runtime/http_client_options.h"

namespace flowhost::bench {
namespace {

struct Config {
  std::string listen;
  std::string upstream;  // base URL, e.g. http://127.0.0.1:PORT/api/v1; empty: answer at once
  std::string body;      // the upstream request's body (floor.sh takes flowhost's from the fake)
  config::HostConfig host;  // flowhost's defaults; --http-max-connections sets http.max_connections
  int workers = 0;          // 0: one per core, as flowhost
};

bool ParseArgs(int argc, char** argv, Config& config) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--listen") {
      config.listen = value;
    } else if (flag == "--upstream") {
      config.upstream = value;
    } else if (flag == "--body") {
      config.body = value;
    } else if (flag == "--http-max-connections") {
      config.host.http.max_connections = std::atoi(value.c_str());
    } else if (flag == "--workers") {
      config.workers = std::atoi(value.c_str());
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && !config.listen.empty() &&
         config.upstream.empty() == config.body.empty() && config.host.http.max_connections > 0;
}

class RelayService final : public v1::WorkflowService::CallbackService {
 public:
  RelayService(const Config& config, sdk::HttpClient* http) : config_(config), http_(http) {
    if (const char* key = std::getenv("OPENROUTER_API_KEY")) {
      authorization_ = absl::StrCat("Bearer ", key);
    }
    url_ = config_.upstream + "/chat/completions";
  }

  grpc::ServerUnaryReactor* RunWorkflow(grpc::CallbackServerContext* context,
                                        const v1::RunWorkflowRequest* request,
                                        v1::RunWorkflowResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    response->set_workflow(request->workflow());
    if (http_ != nullptr) {
      sdk::HttpRequest upstream;
      upstream.method = "POST";
      upstream.url = url_;
      upstream.headers = {{"Content-Type", "application/json"}};
      if (!authorization_.empty()) upstream.headers.emplace_back("Authorization", authorization_);
      upstream.body = config_.body;
      upstream.total_timeout = absl::Seconds(60);
      // Runs on the worker pool, as a node's completion does in flowhost.
      http_->Send(std::move(upstream),
                  [reactor, response](absl::StatusOr<sdk::HttpResponse> answer) {
                    if (!answer.ok()) {
                      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                                   std::string(answer.status().message())));
                      return;
                    }
                    // A refused or failed request must not count as a served call.
                    if (answer->status < 200 || answer->status > 299) {
                      reactor->Finish(grpc::Status(
                          grpc::StatusCode::UNAVAILABLE,
                          absl::StrCat("the upstream answered HTTP ", answer->status)));
                      return;
                    }
                    response->set_execution_id(absl::StrCat("http-", answer->status));
                    reactor->Finish(grpc::Status::OK);
                  });
    } else {
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

 private:
  const Config& config_;
  sdk::HttpClient* const http_;  // null without --upstream
  std::string url_;
  std::string authorization_;
};

}  // namespace
}  // namespace flowhost::bench

int main(int argc, char** argv) {
  using namespace flowhost;
  bench::Config config;
  if (!bench::ParseArgs(argc, argv, config)) {
    std::fprintf(stderr,
                 "usage: relay_floor --listen HOST:PORT [--upstream URL --body JSON] "
                 "[--http-max-connections N] [--workers N]\n");
    return 2;
  }
  // SIGINT and SIGTERM are taken by sigwait below; blocked before any thread starts, so every
  // thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  common::ThreadPoolScheduler scheduler(config.workers);
  std::unique_ptr<http::CurlHttpClient> http;
  if (!config.upstream.empty()) {
    http = std::make_unique<http::CurlHttpClient>(scheduler,
                                                  runtime::HttpClientOptionsFor(config.host.http));
  }
  bench::RelayService service(config, http.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  const int max_message_bytes = static_cast<int>(config.host.limits.max_message_bytes);
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  builder.SetMaxSendMessageSize(max_message_bytes);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "relay_floor: cannot listen on %s\n", config.listen.c_str());
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
