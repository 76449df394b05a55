// Micro-benchmark of the per-execution CPU on flowhost's reply and upstream-answer path, on the
// inputs of the throughput scenario (bench/workflows/chat.yaml against tests/fake_openrouter):
// building the chat request body, parsing the upstream answer into the output item, turning the
// execution record into RunWorkflow's response (then destroying it, as gRPC does), and parsing
// RunWorkflow's request (as gRPC's generated handler did, and as the service does now).
//
// Compare builds by instruction counts, which a busy machine does not bend (this machine's perf
// has no hardware counters, so callgrind): one benchmark per process, a fixed iteration count,
// counting only inside the benchmark function,
//   valgrind --tool=callgrind --toggle-collect='*BM_ParseChatCompletion(*'
//       --callgrind-out-file=cg.out build/NAME/bench/micro/reply_path_bench --iterations=2000
//       --benchmark_filter='^BM_ParseChatCompletion/'
//   callgrind_annotate cg.out | grep 'PROGRAM TOTALS'
// and divide by 2000. (The inclusive lines of callgrind_annotate are no substitute: a function
// whose debug info names its file two ways is split over two lines, each with part of the cost.)
// And by time medians:
//   build/NAME/bench/micro/reply_path_bench --benchmark_repetitions=9
//       --benchmark_report_aggregates_only=true
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "flowhost/sdk/json.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "nodes/openrouter_client/chat_response.h"
#include "nodes/openrouter_client/error_classifier.h"
#include "server/common/secret_scrubber.h"
#include "server/executor/execution_record.h"
#include "server/service/arena_message_allocator.h"
#include "server/service/json_proto.h"
#include "server/service/proto_convert.h"
#include "server/service/request_parser.h"

namespace flowhost {
namespace {

using sdk::Json;

// A completion exactly as tests/fake_openrouter answers chat.yaml's request.
constexpr std::string_view kCompletionBody =
    R"({"id":"gen-1795519115-iiBbv4DeJNfIWnzpsXDq","provider":"Fake","model":"fake/ok",)"
    R"("object":"chat.completion","created":1795519115,"choices":[{"logprobs":null,)"
    R"("finish_reason":"stop","native_finish_reason":"stop","index":0,"message":{"role":)"
    R"("assistant","content":"Fake answer to: Summarise the benefits of loopback benchmarking )"
    R"(in one sentence.","refusal":null,"reasoning":null}}],"system_fingerprint":null,"usage":)"
    R"({"prompt_tokens":23,"completion_tokens":20,"total_tokens":43,"cost":0.0,"is_byok":false,)"
    R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"cost_details":{)"
    R"("upstream_inference_cost":null,"upstream_inference_prompt_cost":0.0,)"
    R"("upstream_inference_completions_cost":0.0},"completion_tokens_details":{)"
    R"("reasoning_tokens":0,"image_tokens":0}}})";

// chat.yaml's parameters, evaluated for its default inputs.
Json ChatParams() {
  return Json{{"model", "fake/ok"},
              {"system", "You are a terse assistant."},
              {"prompt", "Summarise the benefits of loopback benchmarking in one sentence."}};
}

const nodes::openrouter::Endpoint& TestEndpoint() {
  static const nodes::openrouter::Endpoint* endpoint = new nodes::openrouter::Endpoint();
  return *endpoint;
}

nodes::openrouter::CallDescription Call() {
  return nodes::openrouter::CallDescription{"chat completion", "fake/ok", &TestEndpoint()};
}

Json OutputItem() {
  auto answer = nodes::openrouter::ParseChatCompletion(kCompletionBody, absl::Now(), Call());
  return answer->ToItem(answer->reported_cost, absl::Microseconds(812));
}

// The record of one successful chat.yaml execution.
executor::ExecutionRecord ChatRecord() {
  executor::ExecutionRecord record;
  record.id = "0b6f2c1e-5a43-4f7e-9d1a-3c2b7e8f9a10";
  record.workflow = "chat";
  record.output.push_back(OutputItem());
  record.started_at = absl::FromUnixMicros(1795519115'000123);
  record.finished_at = record.started_at + absl::Microseconds(950);
  executor::NodeRecord node;
  node.name = "answer";
  node.type = "openrouter.chat";
  node.status = executor::NodeStatus::kSucceeded;
  node.attempts = 1;
  node.started_at = record.started_at + absl::Microseconds(40);
  node.finished_at = record.finished_at - absl::Microseconds(30);
  node.items_in = 1;
  node.items_out = 1;
  node.model = "fake/ok";
  node.prompt_tokens = 23;
  node.completion_tokens = 20;
  sdk::AttemptRecord call;
  call.model = "fake/ok";
  call.provider = "Fake";
  call.outcome = "ok";
  call.prompt_tokens = 23;
  call.completion_tokens = 20;
  call.latency = absl::Microseconds(812);
  node.calls.push_back(call);
  record.nodes.push_back(std::move(node));
  record.prompt_tokens = 23;
  record.completion_tokens = 20;
  return record;
}

// Request building: parameters -> body -> the bytes sent (StartItem + StartChatCall).
void BM_BuildChatBody(benchmark::State& state) {
  Json params = ChatParams();
  for (auto _ : state) {
    auto body = nodes::openrouter::BuildChatBody(params, /*stream=*/false);
    std::string bytes = body->dump();
    benchmark::DoNotOptimize(bytes.data());
  }
}

// The upstream answer: body -> ChatAnswer.
void BM_ParseChatCompletion(benchmark::State& state) {
  auto call = Call();
  absl::Time now = absl::Now();
  for (auto _ : state) {
    auto answer = nodes::openrouter::ParseChatCompletion(kCompletionBody, now, call);
    benchmark::DoNotOptimize(answer->content);
  }
}

// The upstream answer end to end: body -> ChatAnswer -> output item (chat_call.cc's Report).
void BM_AnswerToItem(benchmark::State& state) {
  auto call = Call();
  absl::Time now = absl::Now();
  for (auto _ : state) {
    auto answer = nodes::openrouter::ParseChatCompletion(kCompletionBody, now, call);
    std::optional<double> cost = answer->reported_cost;
    Json item = (*std::move(answer)).ToItem(cost, absl::Microseconds(812));
    benchmark::DoNotOptimize(item);
  }
}

// The same answer streamed as the fake streams it: the content in 8 chunk events, a finishing
// chunk, the usage chunk, [DONE]; each event's data goes to the accumulator (the SSE parser's
// share is left out), then Finish.
std::vector<std::string> StreamEvents() {
  const std::string content =
      "Fake answer to: Summarise the benefits of loopback benchmarking in one sentence.";
  auto chunk = [](Json delta, Json finish_reason) {
    return Json{{"id", "gen-1795519115-iiBbv4DeJNfIWnzpsXDq"},
                {"provider", "Fake"},
                {"model", "fake/ok"},
                {"object", "chat.completion.chunk"},
                {"created", 1795519115},
                {"choices", Json::array({Json{{"index", 0},
                                              {"delta", std::move(delta)},
                                              {"finish_reason", finish_reason},
                                              {"native_finish_reason", finish_reason},
                                              {"logprobs", nullptr}}})}}
        .dump();
  };
  std::vector<std::string> events;
  size_t piece = (content.size() + 7) / 8;
  for (size_t at = 0; at < content.size(); at += piece) {
    events.push_back(
        chunk(Json{{"role", "assistant"}, {"content", content.substr(at, piece)}}, nullptr));
  }
  events.push_back(chunk(Json{{"role", "assistant"}, {"content", ""}}, "stop"));
  Json usage = Json::parse(kCompletionBody)["usage"];
  events.push_back(Json{
      {"id", "gen-1795519115-iiBbv4DeJNfIWnzpsXDq"},
      {"provider", "Fake"},
      {"model", "fake/ok"},
      {"object", "chat.completion.chunk"},
      {"created", 1795519115},
      {"choices", Json::array()},
      {"usage", usage}}.dump());
  events.push_back("[DONE]");
  return events;
}

void BM_StreamedAnswer(benchmark::State& state) {
  std::vector<std::string> events = StreamEvents();
  absl::Time now = absl::Now();
  for (auto _ : state) {
    nodes::openrouter::ChatStreamAccumulator accumulator(Call(), nullptr);
    for (const std::string& event : events) accumulator.OnData(event, now);
    auto answer = accumulator.Finish();
    benchmark::DoNotOptimize(answer->content);
  }
}

// A copy of the output item, and its destruction: what each copy of an item costs on its way from
// the node to the record (e.g. server/executor/execution.cc copies the workflow's output items
// into the record).
void BM_CopyItem(benchmark::State& state) {
  Json item = OutputItem();
  for (auto _ : state) {
    Json copy = item;
    benchmark::DoNotOptimize(copy);
  }
}

// One output item -> google.protobuf.Value.
void BM_JsonToValue(benchmark::State& state) {
  Json item = OutputItem();
  for (auto _ : state) {
    google::protobuf::Value value;
    benchmark::DoNotOptimize(service::JsonToValue(item, value));
  }
}

// The reply: record -> RunWorkflowResponse -> wire bytes -> destroyed (RunReactor::Complete and
// what gRPC does with the response afterwards).
void BM_RunResponse(benchmark::State& state) {
  executor::ExecutionRecord record = ChatRecord();
  common::SecretScrubber scrubber({"sk-or-v1-fake-key-for-the-benchmark"});
  for (auto _ : state) {
    v1::RunWorkflowResponse response;
    benchmark::DoNotOptimize(service::RecordToRunResponse(record, scrubber, response));
    std::string wire = response.SerializeAsString();
    benchmark::DoNotOptimize(wire.data());
  }
}

// The same on the call's arena, as RunWorkflow allocates its messages (ArenaMessageAllocator).
void BM_RunResponseOnArena(benchmark::State& state) {
  executor::ExecutionRecord record = ChatRecord();
  common::SecretScrubber scrubber({"sk-or-v1-fake-key-for-the-benchmark"});
  service::ArenaMessageAllocator<v1::RunWorkflowResponse> allocator;
  for (auto _ : state) {
    auto* messages = allocator.AllocateMessages();
    v1::RunWorkflowResponse& response = *messages->response();
    benchmark::DoNotOptimize(service::RecordToRunResponse(record, scrubber, response));
    std::string wire = response.SerializeAsString();
    benchmark::DoNotOptimize(wire.data());
    state.counters["arena_bytes"] = static_cast<double>(response.GetArena()->SpaceAllocated());
    messages->Release();
  }
}

// RunWorkflow's request as the load generator sends it for chat.yaml, as gRPC hands it over.
grpc::ByteBuffer RunRequestBytes() {
  v1::RunWorkflowRequest request;
  request.set_workflow("chat");
  (*request.mutable_input()->mutable_fields())["question"].set_string_value(
      "Summarise the benefits of loopback benchmarking in one sentence.");
  std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// The request parsed the way gRPC's generated handler did (GenericDeserialize), on the call's
// arena...
void BM_ParseRunRequestAsGrpcDid(benchmark::State& state) {
  grpc::ByteBuffer bytes = RunRequestBytes();
  for (auto _ : state) {
    google::protobuf::Arena arena;
    auto* request = google::protobuf::Arena::CreateMessage<v1::RunWorkflowRequest>(&arena);
    grpc::ByteBuffer copy(bytes);
    grpc::Status status =
        grpc::GenericDeserialize<grpc::ProtoBufferReader, v1::RunWorkflowRequest>(&copy, request);
    benchmark::DoNotOptimize(status.ok());
  }
}

// ...and the way the service parses it now (request_parser.h), for a refusal it can explain.
void BM_ParseRunRequest(benchmark::State& state) {
  grpc::ByteBuffer bytes = RunRequestBytes();
  for (auto _ : state) {
    google::protobuf::Arena arena;
    auto* request = google::protobuf::Arena::CreateMessage<v1::RunWorkflowRequest>(&arena);
    benchmark::DoNotOptimize(service::ParseRequest(bytes, *request).ok());
  }
}

}  // namespace
}  // namespace flowhost

// Google Benchmark's main, plus --iterations=N: run every benchmark exactly N times (for
// instruction counts under callgrind).
int main(int argc, char** argv) {
  long iterations = 0;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--iterations=", 13) == 0) {
      iterations = std::atol(argv[i] + 13);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  struct Entry {
    const char* name;
    void (*function)(benchmark::State&);
  };
  const Entry entries[] = {
      {"BM_BuildChatBody", flowhost::BM_BuildChatBody},
      {"BM_ParseChatCompletion", flowhost::BM_ParseChatCompletion},
      {"BM_AnswerToItem", flowhost::BM_AnswerToItem},
      {"BM_StreamedAnswer", flowhost::BM_StreamedAnswer},
      {"BM_CopyItem", flowhost::BM_CopyItem},
      {"BM_JsonToValue", flowhost::BM_JsonToValue},
      {"BM_RunResponse", flowhost::BM_RunResponse},
      {"BM_RunResponseOnArena", flowhost::BM_RunResponseOnArena},
      {"BM_ParseRunRequestAsGrpcDid", flowhost::BM_ParseRunRequestAsGrpcDid},
      {"BM_ParseRunRequest", flowhost::BM_ParseRunRequest},
  };
  for (const Entry& entry : entries) {
    auto* registered = benchmark::RegisterBenchmark(entry.name, entry.function);
    if (iterations > 0) registered->Iterations(iterations);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
