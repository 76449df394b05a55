#include "tests/service/service_harness.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_join.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"

namespace flowhost::service::testing {
namespace {

constexpr char kGreet[] = R"(name: greet
description: Greets someone.
inputs:
  who: {type: string, default: world, description: Who to greet.}
nodes:
  - name: hello
    type: set
    params:
      mode: replace
      values:
        greeting: "Hello {{ $inputs.who }}"
)";

constexpr char kAsk[] = R"(name: ask
description: Ask one model one question.
inputs:
  question: {type: string, required: true}
  model: {type: string, default: fake/ok}
nodes:
  - name: answer
    type: openrouter.chat
    params:
      model: "{{ $inputs.model }}"
      prompt: "{{ $inputs.question }}"
)";

constexpr char kSlow[] = R"(name: slow
description: Waits, then passes its input through.
inputs:
  duration: {type: string, default: 60s}
nodes:
  - name: pause
    type: wait
    params:
      duration: "{{ $inputs.duration }}"
)";

constexpr char kBroken[] = R"(name: broken
nodes:
  - name: nope
    type: no.such.type
)";

}  // namespace

void CapturingLogSink::Write(std::string_view line) {
  if (!keep_) return;
  absl::MutexLock lock(&mu_);
  lines_.emplace_back(line);
}

std::vector<std::string> CapturingLogSink::lines() const {
  absl::MutexLock lock(&mu_);
  return lines_;
}

absl::StatusOr<std::unique_ptr<ServiceHarness>> ServiceHarness::Start(HarnessOptions options) {
  std::unique_ptr<ServiceHarness> harness(new ServiceHarness());
  absl::StatusOr<std::unique_ptr<fake_openrouter::FakeProcess>> fake =
      fake_openrouter::FakeProcess::Start();
  if (!fake.ok()) return fake.status();
  harness->fake_ = *std::move(fake);

  static std::atomic<int> counter{0};
  harness->dir_ =
      std::filesystem::path(::testing::TempDir()) /
      ("flowhost_service_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(harness->dir_);
  std::filesystem::create_directories(harness->dir_);
  harness->WriteWorkflow("greet.yaml", kGreet);
  harness->WriteWorkflow("ask.yaml", kAsk);
  harness->WriteWorkflow("slow.yaml", kSlow);
  harness->WriteWorkflow("broken.yaml", kBroken);

  std::map<std::string, std::string> env;
  if (options.api_key == "fake") {
    env["OPENROUTER_API_KEY"] = harness->fake_->api_key();
  } else if (!options.api_key.empty()) {
    env["OPENROUTER_API_KEY"] = options.api_key;
  }
  if (!options.auth_tokens.empty()) {
    env["FLOWHOST_AUTH_TOKENS"] = absl::StrJoin(options.auth_tokens, ",");
  }
  for (const auto& [name, value] : options.more_env) env[name] = value;
  config::GetEnvFunction getenv = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };

  runtime::RuntimeOptions runtime_options;
  runtime_options.config.listen = "127.0.0.1:0";
  runtime_options.config.workflows_dir = harness->dir_.string();
  runtime_options.config.log_level = "debug";
  runtime_options.config.credentials["openrouter"].attributes["base_url"] =
      options.openrouter_base_url.empty() ? harness->fake_->base_url()
                                          : options.openrouter_base_url;
  runtime_options.config.limits.max_executions_in_flight = options.max_executions_in_flight;
  runtime_options.config.shutdown_grace_period = options.shutdown_grace_period;
  if (options.max_execution_time > absl::ZeroDuration()) {
    runtime_options.config.limits.max_execution_time = options.max_execution_time;
  }
  if (options.http_max_response_bytes > 0) {
    runtime_options.config.http.max_response_bytes = options.http_max_response_bytes;
  }
  runtime_options.config.tls.cert_file = options.tls_cert_file;
  runtime_options.config.tls.key_file = options.tls_key_file;
  runtime_options.getenv = getenv;
  harness->sink_ = std::make_shared<CapturingLogSink>(options.keep_log_lines);
  runtime_options.log_sink = harness->sink_;
  runtime_options.worker_threads = 2;
  runtime_options.register_more_nodes = options.register_more_nodes;
  runtime_options.config.plugins = options.plugins;
  runtime_options.config.store.save = options.store_save;
  for (const auto& [name, credential] : options.more_credentials) {
    runtime_options.config.credentials[name] = credential;
  }
  absl::StatusOr<std::unique_ptr<runtime::Runtime>> runtime =
      runtime::Runtime::Create(std::move(runtime_options));
  if (!runtime.ok()) return runtime.status();
  harness->runtime_ = *std::move(runtime);

  store::ExecutionStorePtr history;
  if (options.open_history) {
    absl::StatusOr<store::ExecutionStorePtr> opened = options.open_history();
    if (!opened.ok()) return opened.status();
    history = *std::move(opened);
  }
  absl::StatusOr<std::unique_ptr<ServiceHost>> host =
      ServiceHost::Start(*harness->runtime_, getenv, std::move(history));
  if (!host.ok()) return host.status();
  harness->host_ = *std::move(host);

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.tls_cert_file.empty()) {
    std::ifstream cert(options.tls_cert_file);
    std::stringstream pem;
    pem << cert.rdbuf();
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(ssl);
  }
  harness->channel_ = grpc::CreateChannel(harness->target(), credentials);
  harness->stub_ = v1::WorkflowService::NewStub(harness->channel_);
  return harness;
}

ServiceHarness::~ServiceHarness() {
  stub_.reset();
  channel_.reset();
  host_.reset();     // drains and stops serving
  runtime_.reset();  // then the executor, HTTP client and pool
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

void ServiceHarness::WriteWorkflow(const std::string& file, const std::string& yaml) {
  std::ofstream(dir_ / file, std::ios::binary | std::ios::trunc) << yaml;
}

std::unique_ptr<grpc::ClientContext> ServiceHarness::Context(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

grpc::Status ServiceHarness::RunInline(const std::string& yaml,
                                       v1::RunWorkflowResponse* response) {
  v1::RunWorkflowRequest request;
  request.set_yaml(yaml);
  auto context = Context();
  return stub_->RunWorkflow(context.get(), request, response);
}

absl::StatusOr<int> ServiceHarness::HealthCheck(const std::string& service) {
  // HealthCheckRequest {string service = 1}; HealthCheckResponse {ServingStatus status = 1}.
  std::string request;
  if (!service.empty()) {
    request.push_back(0x0A);
    request.push_back(static_cast<char>(service.size()));  // short names only
    request += service;
  }
  auto context = Context(absl::Seconds(10));
  std::string response;
  grpc::Status status = RawCall("/grpc.health.v1.Health/Check", request, &response, *context);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  if (response.empty()) return 0;  // UNKNOWN (the default value is not sent)
  if (response.size() < 2 || response[0] != 0x08) return absl::InternalError("bad health response");
  return static_cast<int>(response[1]);
}

std::unique_ptr<ServiceHarness> StartHarness(HarnessOptions options) {
  absl::StatusOr<std::unique_ptr<ServiceHarness>> harness = ServiceHarness::Start(options);
  EXPECT_TRUE(harness.ok()) << harness.status();
  return harness.ok() ? *std::move(harness) : nullptr;
}

grpc::Status ServiceHarness::RawCall(const std::string& method, const std::string& request,
                                     std::string* response, grpc::ClientContext& context) {
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::GenericStub generic(channel_);
  grpc::ByteBuffer response_buffer;
  absl::Mutex mu;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                    [&](grpc::Status s) {
                      absl::MutexLock lock(&mu);
                      status = std::move(s);
                      done = true;
                    });
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(&done));
  response->clear();
  std::vector<grpc::Slice> slices;
  if (status.ok() && response_buffer.Dump(&slices).ok()) {
    for (const grpc::Slice& part : slices) {
      response->append(reinterpret_cast<const char*>(part.begin()), part.size());
    }
  }
  return status;
}

}  // namespace flowhost::service::testing
