#include "bench/loadgen/grpc_call_targets.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"

namespace flowhost::bench {
namespace {

namespace v1 = ::flowhost::v1;

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

CallOutcome OutcomeOf(const grpc::Status& status) {
  CallOutcome outcome;
  outcome.code = StatusCodeName(status.error_code());
  outcome.ok = status.ok();
  return outcome;
}

std::chrono::system_clock::time_point DeadlineIn(absl::Duration timeout) {
  return std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout);
}

// Holds the channels and stubs; hands them out round robin.
class Stubs {
 public:
  Stubs(const std::string& target, int channels) {
    for (int i = 0; i < channels; ++i) {
      grpc::ChannelArguments args;
      // A separate subchannel pool per channel, so that each channel is its own TCP connection.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
      args.SetMaxReceiveMessageSize(64 << 20);
      stubs_.push_back(v1::WorkflowService::NewStub(
          grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args)));
    }
  }
  v1::WorkflowService::Stub& Next() {
    return *stubs_[next_.fetch_add(1, std::memory_order_relaxed) % stubs_.size()];
  }

 private:
  std::vector<std::unique_ptr<v1::WorkflowService::Stub>> stubs_;
  std::atomic<uint64_t> next_{0};
};

template <typename Request>
absl::Status FillRequest(const LoadgenConfig& config, Request& request) {
  if (!config.workflow.empty()) {
    request.set_workflow(config.workflow);
  } else {
    request.set_yaml(config.yaml);
  }
  auto parsed =
      google::protobuf::util::JsonStringToMessage(config.input_json, request.mutable_input());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("flag --input: not a JSON object: ", parsed.ToString()));
  }
  return absl::OkStatus();
}

class RunWorkflowTarget final : public CallTarget {
 public:
  RunWorkflowTarget(const LoadgenConfig& config, v1::RunWorkflowRequest request)
      : stubs_(config.target, config.channels),
        request_(std::move(request)),
        deadline_(config.deadline) {}

  void StartCall(CallDone done) override {
    auto* call = new UnaryCall;
    call->done = std::move(done);
    call->context.set_deadline(DeadlineIn(deadline_));
    stubs_.Next().async()->RunWorkflow(&call->context, &request_, &call->response,
                                       [call](grpc::Status status) {
                                         // The call is freed before `done` reports it: once the
                                         // last call is reported, main() tears the channels and
                                         // gRPC down, and this thread must hold nothing of theirs.
                                         CallDone done = std::move(call->done);
                                         delete call;
                                         std::move(done)(OutcomeOf(status));
                                       });
  }

 private:
  struct UnaryCall {
    CallDone done;
    grpc::ClientContext context;
    v1::RunWorkflowResponse response;
  };

  Stubs stubs_;
  const v1::RunWorkflowRequest request_;
  const absl::Duration deadline_;
};

// RunWorkflow through completion queues: each queue has one thread of ours blocked in Next(), which
// polls the channel's sockets itself, so an answer is handled on the thread that read it; no gRPC
// thread hands it over.
class CqRunWorkflowTarget final : public CallTarget {
 public:
  CqRunWorkflowTarget(const LoadgenConfig& config, v1::RunWorkflowRequest request)
      : stubs_(config.target, config.channels),
        request_(std::move(request)),
        deadline_(config.deadline) {
    for (int i = 0; i < config.cq_threads; ++i) {
      queues_.push_back(std::make_unique<grpc::CompletionQueue>());
    }
    for (auto& queue : queues_) {
      pollers_.emplace_back([cq = queue.get()] { Poll(*cq); });
    }
  }

  // Every call has ended by now (the driver waits for the last completion): shut the queues down
  // and let each poller drain its own.
  ~CqRunWorkflowTarget() override {
    for (auto& queue : queues_) queue->Shutdown();
    for (auto& poller : pollers_) poller.join();
  }

  void StartCall(CallDone done) override {
    auto* call = new UnaryCall;
    call->done = std::move(done);
    call->context.set_deadline(DeadlineIn(deadline_));
    grpc::CompletionQueue& cq =
        *queues_[next_queue_.fetch_add(1, std::memory_order_relaxed) % queues_.size()];
    call->reader = stubs_.Next().PrepareAsyncRunWorkflow(&call->context, request_, &cq);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

 private:
  struct UnaryCall {
    CallDone done;
    grpc::ClientContext context;
    v1::RunWorkflowResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::RunWorkflowResponse>> reader;
  };

  static void Poll(grpc::CompletionQueue& cq) {
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) {
      // Finish's tag always completes with ok == true; the status says how the call ended.
      std::unique_ptr<UnaryCall> call(static_cast<UnaryCall*>(tag));
      CallDone done = std::move(call->done);
      CallOutcome outcome = OutcomeOf(call->status);
      call.reset();
      std::move(done)(std::move(outcome));
    }
  }

  Stubs stubs_;
  const v1::RunWorkflowRequest request_;
  const absl::Duration deadline_;
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues_;
  std::vector<std::thread> pollers_;
  std::atomic<uint64_t> next_queue_{0};
};

// One StreamWorkflow call: reads every event, notes when the first TokenDelta arrived, and deletes
// itself when the call is done.
class StreamCall final : public grpc::ClientReadReactor<v1::StreamWorkflowResponse> {
 public:
  StreamCall(v1::WorkflowService::Stub& stub, const v1::StreamWorkflowRequest& request,
             absl::Duration deadline, CallDone done)
      : done_(std::move(done)) {
    context_.set_deadline(DeadlineIn(deadline));
    stub.async()->StreamWorkflow(&context_, &request, this);
    StartRead(&event_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    if (!first_token_at_.has_value() && event_.has_token_delta()) {
      first_token_at_ = LoadClock::now();
    }
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    CallOutcome outcome = OutcomeOf(status);
    outcome.first_token_at = first_token_at_;
    CallDone done = std::move(done_);
    delete this;
    std::move(done)(std::move(outcome));
  }

 private:
  CallDone done_;
  grpc::ClientContext context_;
  v1::StreamWorkflowResponse event_;
  std::optional<LoadClock::time_point> first_token_at_;
};

class StreamWorkflowTarget final : public CallTarget {
 public:
  StreamWorkflowTarget(const LoadgenConfig& config, v1::StreamWorkflowRequest request)
      : stubs_(config.target, config.channels),
        request_(std::move(request)),
        deadline_(config.deadline) {}

  void StartCall(CallDone done) override {
    new StreamCall(stubs_.Next(), request_, deadline_, std::move(done));
  }

 private:
  Stubs stubs_;
  const v1::StreamWorkflowRequest request_;
  const absl::Duration deadline_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CallTarget>> MakeGrpcCallTarget(const LoadgenConfig& config) {
  if (config.call == CallKind::kStreamWorkflow) {
    v1::StreamWorkflowRequest request;
    if (absl::Status status = FillRequest(config, request); !status.ok()) return status;
    return std::make_unique<StreamWorkflowTarget>(config, std::move(request));
  }
  v1::RunWorkflowRequest request;
  if (absl::Status status = FillRequest(config, request); !status.ok()) return status;
  if (config.grpc_api == GrpcClientApi::kCompletionQueue) {
    return std::make_unique<CqRunWorkflowTarget>(config, std::move(request));
  }
  return std::make_unique<RunWorkflowTarget>(config, std::move(request));
}

}  // namespace flowhost::bench
