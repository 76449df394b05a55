// An in-process `flowhost serve` for tests: the fake OpenRouter as a child process, a Runtime
// pointed at it, a workflows directory with a few test workflows, the ServiceHost listening on
// 127.0.0.1:0, and a client stub. Log lines are captured so tests can check what was (and was not)
// logged.
//
// Thread-safety: the harness itself is used from the test's thread; the captured log is
// thread-safe.
#ifndef FLOWHOST_TESTS_SERVICE_SERVICE_HARNESS_H_
#define FLOWHOST_TESTS_SERVICE_SERVICE_HARNESS_H_

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/common/json_logger.h"
#include "server/runtime/runtime.h"
#include "server/service/service_host.h"
#include "server/store/execution_store.h"
#include "tests/fake_openrouter/fake_process.h"

namespace flowhost::service::testing {

// Keeps every log line (or, when told not to, none: for tests that measure memory).
class CapturingLogSink : public common::LogSink {
 public:
  explicit CapturingLogSink(bool keep = true) : keep_(keep) {}
  void Write(std::string_view line) override;
  std::vector<std::string> lines() const;

 private:
  const bool keep_;
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

struct HarnessOptions {
  std::string api_key = "fake";          // "fake": the fake's key; "": none; else that key
  std::vector<std::string> auth_tokens;  // callers' tokens; empty: authentication off
  int max_executions_in_flight = 16;
  absl::Duration shutdown_grace_period = absl::Seconds(30);
  // PEM files: the server then listens with TLS and the client trusts `tls_cert_file`.
  std::string tls_cert_file;
  std::string tls_key_file;
  // False: log lines are formatted as usual but not kept (log_lines() stays empty).
  bool keep_log_lines = true;
  // http.max_response_bytes; 0 keeps the default.
  int64_t http_max_response_bytes = 0;
  // limits.max_execution_time; zero keeps the default.
  absl::Duration max_execution_time = absl::ZeroDuration();
  // Node types registered after the built-in ones (RuntimeOptions::register_more_nodes).
  std::function<absl::Status(sdk::NodeRegistry&)> register_more_nodes;
  // Plugin libraries the host loads (the configuration's `plugins`).
  std::vector<std::string> plugins;
  // Credentials beside the default one, and environment variables beside the harness's own.
  config::CredentialConfigs more_credentials;
  std::map<std::string, std::string> more_env;
  // Opens the execution store the host records executions in; unset: no history.
  std::function<absl::StatusOr<store::ExecutionStorePtr>()> open_history;
  // store.save: what finished executions keep unless their workflow says otherwise.
  std::string store_save = "all";
  // The OpenRouter base URL the host calls; empty: this harness's own fake. Two harnesses (two
  // replicas) given one fake's URL share that upstream, and its counters.
  std::string openrouter_base_url;
};

// The workflows every harness starts with:
//   greet   set node: {"greeting": "Hello <who>"}; input who (default "world")
//   ask     openrouter.chat; inputs question (required), model (default "fake/ok"); no retries
//   slow    wait node; input duration (default "60s"); passes its item through
//   broken  a file with an unknown node type (never loads)
class ServiceHarness {
 public:
  static absl::StatusOr<std::unique_ptr<ServiceHarness>> Start(HarnessOptions options = {});
  ~ServiceHarness();

  v1::WorkflowService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  fake_openrouter::FakeProcess& fake() { return *fake_; }
  ServiceHost& host() { return *host_; }
  runtime::Runtime& runtime() { return *runtime_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(host_->port()); }
  const std::filesystem::path& workflows_dir() const { return dir_; }
  std::vector<std::string> log_lines() const { return sink_->lines(); }

  void WriteWorkflow(const std::string& file, const std::string& yaml);

  // A client context with a deadline `timeout` from now (every test call has one).
  static std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout = absl::Seconds(30));

  // RunWorkflow on the inline workflow `yaml` with no inputs, under a fresh Context().
  grpc::Status RunInline(const std::string& yaml, v1::RunWorkflowResponse* response);

  // grpc.health.v1.Health/Check for `service` ("" for the server) through a generic call: 1
  // SERVING, 2 NOT_SERVING, or the call's error.
  absl::StatusOr<int> HealthCheck(const std::string& service = "");

  // Sends `request` as the raw bytes of one message to `method` ("/pkg.Service/Method") and waits
  // for the call's status; the reply's bytes go to `response`. Works for a server-streaming
  // method too while it answers at most one message (a refusal answers none).
  grpc::Status RawCall(const std::string& method, const std::string& request, std::string* response,
                       grpc::ClientContext& context);

 private:
  ServiceHarness() = default;

  std::unique_ptr<fake_openrouter::FakeProcess> fake_;
  std::filesystem::path dir_;
  std::shared_ptr<CapturingLogSink> sink_;
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<ServiceHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorkflowService::Stub> stub_;
};

// ServiceHarness::Start for a test: records a test failure and returns null when it cannot start.
std::unique_ptr<ServiceHarness> StartHarness(HarnessOptions options = {});

}  // namespace flowhost::service::testing

#endif  // FLOWHOST_TESTS_SERVICE_SERVICE_HARNESS_H_
