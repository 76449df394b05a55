// The fault matrix (issue 12): every upstream fault the fake OpenRouter can script, crossed with
// the three ways flowhost calls it — the chat node (RunWorkflow), the fallback router with a
// healthy second route (RunWorkflow), and a streamed chat call (StreamWorkflow). Each cell runs
// the real gRPC service in process against the fake and checks:
//   * the gRPC status code and the error class (the ErrorDetails trailer) the caller gets;
//   * the upstream calls in the record (ErrorDetails, the response's or the stream's summary):
//     their attempts, outcomes and classes, and that they are exactly the requests the fake saw;
//   * that the server recovers (a healthy call right after succeeds), and that its file
//     descriptors and heap memory are back at their baseline after the fault, repeated.
//
// One row per fault, one instance per cell; each cell is its own process under ctest, with its
// own fake and server on port 0, so the cells run in parallel. Timeouts are short (300 ms) to keep
// the whole matrix to seconds.
#include <cstdlib>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "flowhost/sdk/json.h"
#include "gtest/gtest.h"
#include "server/service/json_proto.h"
#include "server/service/status_mapping.h"
#include "tests/faults/process_resources.h"
#include "tests/service/service_harness.h"

namespace flowhost::service::testing {
namespace {

using sdk::Json;

// The model the faults are scripted on; calls to fake/ok stay healthy.
constexpr char kFaultyModel[] = "fake/scripted";
constexpr char kHealthyModel[] = "fake/ok";

// The server's cap on a response body (http.max_response_bytes), small so that crossing it is
// quick in every build; the oversized fault sends twice as much.
constexpr int64_t kMaxResponseBytes = 1 << 20;

// Fault runs after the first (each followed by a healthy call) before resources are compared;
// FAULT_MATRIX_REPEATS=N in the environment for a longer look.
int Repeats() {
  const char* text = std::getenv("FAULT_MATRIX_REPEATS");
  int repeats = 0;
  return text != nullptr && absl::SimpleAtoi(text, &repeats) && repeats >= 0 ? repeats : 2;
}

// Heap growth tolerated over the repeats. With an exact count (ctest runs the cells without
// glibc's per-thread caches) what is left is first-use state and buffers that gRPC sizes to the
// traffic: within ±40 KiB, or 60 to 220 KiB after the oversized stream, whether the fault ran 3
// or 300 times. A leaked response body, connection or execution per call is far above this after
// enough repeats (FAULT_MATRIX_REPEATS). Run by hand with the caches on, the slack covers what
// they park.
size_t HeapSlackBytes() { return flowhost::testing::HeapCountIsExact() ? 384 << 10 : 1 << 20; }

enum class Column { kChat, kRouter, kStream };

std::string ColumnName(Column column) {
  switch (column) {
    case Column::kChat:
      return "Chat";
    case Column::kRouter:
      return "Router";
    case Column::kStream:
      return "Stream";
  }
  return "?";
}

void PrintTo(Column column, std::ostream* out) { *out << ColumnName(column); }

// One upstream fault and what every column must make of it.
struct Fault {
  const char* name;
  Json behavior;            // the fake's scripted behavior (tests/fake_openrouter/README.md)
  grpc::StatusCode code;    // what the caller gets when no fallback answers
  const char* error_class;  // the class of the failure, in ErrorDetails and in each call
  const char* outcome;      // each faulty call's outcome in the record
  bool retried;             // the class is retryable: the node's 2 attempts (a route's 2) run
  bool escalated;           // the router falls back to its healthy route
  // The node's (and the faulty route's) timeout: short, so that a hang ends quickly; long where
  // the fault must be seen through (a body over the cap takes a while to stream in a debug build).
  const char* timeout = "300ms";
};

void PrintTo(const Fault& fault, std::ostream* out) { *out << fault.name; }

using grpc::StatusCode;

// clang-format off
const Fault kFaults[] = {
  // name             behavior scripted at the fake
  //    code when nothing falls back  class                   outcome      retried escalated
  {"Http429",          {{"status", 429}},
      StatusCode::RESOURCE_EXHAUSTED,  "rate_limited",         "error",     true,  true},
  {"Http402",          {{"status", 402}},
      StatusCode::FAILED_PRECONDITION, "insufficient_credits", "error",     false, false},
  {"Http403",          {{"status", 403}},
      StatusCode::INVALID_ARGUMENT,    "moderation",           "error",     false, false},
  {"Http408",          {{"status", 408}},
      StatusCode::DEADLINE_EXCEEDED,   "timeout",              "error",     true,  true},
  {"Http500",          {{"status", 500}},
      StatusCode::UNAVAILABLE,         "upstream",             "error",     true,  true},
  {"Http502",          {{"status", 502}},
      StatusCode::UNAVAILABLE,         "upstream",             "error",     true,  true},
  {"Http503",          {{"status", 503}},
      StatusCode::UNAVAILABLE,         "upstream",             "error",     true,  true},
  {"MalformedJson",    {{"malformed", true}},
      StatusCode::UNAVAILABLE,         "malformed_response",   "error",     true,  true},
  {"ConnectionReset",  {{"reset_after_bytes", 32}},
      StatusCode::UNAVAILABLE,         "network",              "error",     true,  true},
  {"Hang",             {{"hang", true}},
      StatusCode::DEADLINE_EXCEEDED,   "timeout",              "timed_out", true,  true},
  {"OversizedBody",    {{"oversized_bytes", 2 * kMaxResponseBytes}},
      StatusCode::RESOURCE_EXHAUSTED,  "response_too_large",   "error",     false, false,
      "30s"},
  {"MidStreamError",   {{"stream_error_after_chunks", 1}},
      StatusCode::UNAVAILABLE,         "upstream",             "error",     true,  true},
  {"SlowDrip",         {{"token_delay_ms", 200}, {"chunks", 10}},
      StatusCode::DEADLINE_EXCEEDED,   "timeout",              "timed_out", true,  true},
};
// clang-format on

// The chat node, and the streamed call: two attempts of TIMEOUT at most each.
constexpr char kChatWorkflow[] = R"(
name: fault_chat
inputs:
  model: {type: string, required: true}
nodes:
  - name: chat
    type: openrouter.chat
    timeout: TIMEOUT
    retry: {attempts: 2, initial_backoff: 10ms, max_backoff: 10ms, jitter: 0}
    params:
      model: "{{ $inputs.model }}"
      prompt: "Tell me about faults."
)";

// The router: the model under test with two tries of TIMEOUT at most, then a healthy fallback. No
// cool-down, so that every repeat of the fault calls the faulty route again.
constexpr char kRouterWorkflow[] = R"(
name: fault_router
inputs:
  model: {type: string, required: true}
nodes:
  - name: route
    type: router.fallback
    params:
      prompt: "Tell me about faults."
      cooldown_on: []
      routes:
        - {model: "{{ $inputs.model }}", timeout: TIMEOUT, attempts: 2}
        - {model: fake/ok}
)";

// What one call returned, whichever RPC made it.
struct CallResult {
  grpc::Status status;
  std::optional<v1::ErrorDetails> details;
  std::vector<v1::UpstreamCall> calls;  // the node's calls: from the summary, else the details
};

class FaultMatrix : public ::testing::TestWithParam<std::tuple<Fault, Column>> {
 protected:
  void SetUp() override {
    HarnessOptions options;
    options.keep_log_lines = false;  // kept lines would grow the heap the test measures
    options.http_max_response_bytes = kMaxResponseBytes;
    absl::StatusOr<std::unique_ptr<ServiceHarness>> harness = ServiceHarness::Start(options);
    ASSERT_TRUE(harness.ok()) << harness.status();
    harness_ = *std::move(harness);
  }

  const Fault& fault() const { return std::get<0>(GetParam()); }
  Column column() const { return std::get<1>(GetParam()); }

  CallResult Call(const std::string& model) {
    google::protobuf::Struct input;
    EXPECT_TRUE(JsonToStruct(Json{{"model", model}}, input).ok());
    std::string yaml =
        absl::StrReplaceAll(column() == Column::kRouter ? kRouterWorkflow : kChatWorkflow,
                            {{"TIMEOUT", fault().timeout}});
    auto context = ServiceHarness::Context(absl::Seconds(30));
    CallResult result;
    if (column() == Column::kStream) {
      v1::StreamWorkflowRequest request;
      request.set_yaml(yaml);
      *request.mutable_input() = input;
      auto reader = harness_->stub().StreamWorkflow(context.get(), request);
      v1::StreamWorkflowResponse event;
      std::optional<v1::ExecutionFinished> finished;
      while (reader->Read(&event)) {
        if (event.has_execution_finished()) finished = event.execution_finished();
      }
      result.status = reader->Finish();
      EXPECT_TRUE(finished.has_value()) << "the stream ended without execution_finished";
      if (finished.has_value() && finished->summary().nodes_size() > 0) {
        const auto& calls = finished->summary().nodes(0).calls();
        result.calls.assign(calls.begin(), calls.end());
      }
    } else {
      v1::RunWorkflowRequest request;
      request.set_yaml(yaml);
      *request.mutable_input() = input;
      v1::RunWorkflowResponse response;
      result.status = harness_->stub().RunWorkflow(context.get(), request, &response);
      if (result.status.ok() && response.summary().nodes_size() > 0) {
        const auto& calls = response.summary().nodes(0).calls();
        result.calls.assign(calls.begin(), calls.end());
      }
    }
    result.details = ReadErrorDetails(*context);
    if (!result.status.ok() && column() != Column::kStream && result.details.has_value()) {
      result.calls.assign(result.details->calls().begin(), result.details->calls().end());
    }
    return result;
  }

  // Chat requests the fake has received since its last reset, once none is open any more.
  int64_t ChatRequestsAtTheFake() {
    absl::StatusOr<Json> stats =
        harness_->fake().WaitForStats([](const Json& s) { return s["in_flight"] == 0; });
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? (*stats)["chat_requests"].get<int64_t>() : -1;
  }

  void ExpectHealthy(const CallResult& result) {
    EXPECT_TRUE(result.status.ok())
        << "a healthy call after the fault failed: " << result.status.error_message();
  }

  // The first fault run: status, class, the calls in the record, and the fake's count.
  void CheckFaultRun(const CallResult& result) {
    const Fault& f = fault();
    const bool falls_back = column() == Column::kRouter && f.escalated;
    const int faulty_calls = f.retried ? 2 : 1;
    if (falls_back) {
      EXPECT_TRUE(result.status.ok())
          << "the router did not fall back: " << result.status.error_message();
    } else {
      EXPECT_EQ(result.status.error_code(), f.code) << result.status.error_message();
      ASSERT_TRUE(result.details.has_value()) << "no ErrorDetails trailer";
      EXPECT_EQ(result.details->error_class(), f.error_class);
      EXPECT_EQ(result.details->node(), column() == Column::kRouter ? "route" : "chat");
      EXPECT_EQ(result.details->attempts(), column() == Column::kRouter ? 1 : faulty_calls);
    }
    ASSERT_EQ(result.calls.size(), static_cast<size_t>(faulty_calls + (falls_back ? 1 : 0)))
        << "the record does not list every call";
    for (int i = 0; i < faulty_calls; ++i) {
      const v1::UpstreamCall& call = result.calls[i];
      SCOPED_TRACE(absl::StrCat("call ", i));
      EXPECT_EQ(call.model(), kFaultyModel);
      EXPECT_EQ(call.outcome(), f.outcome);
      EXPECT_EQ(call.error_class(), f.error_class);
      EXPECT_FALSE(call.error_message().empty());
      // The node's retries are attempts of their own; a router's tries of a route are within one.
      EXPECT_EQ(call.attempt(), column() == Column::kRouter ? 1 : i + 1);
    }
    if (falls_back) {
      EXPECT_EQ(result.calls.back().model(), kHealthyModel);
      EXPECT_EQ(result.calls.back().outcome(), "ok");
    }
    // Every call in the record reached the fake, and every request the fake saw is in the record.
    EXPECT_EQ(ChatRequestsAtTheFake(), static_cast<int64_t>(result.calls.size()));
  }

  std::unique_ptr<ServiceHarness> harness_;
};

TEST_P(FaultMatrix, TheCallerGetsTheRightStatusAndRecordAndNothingLeaks) {
  ASSERT_TRUE(
      harness_->fake()
          .AddRules(Json::array({{{"model", kFaultyModel}, {"behavior", fault().behavior}}}))
          .ok());

  // Warm up: connections, the catalogue, gRPC's and the allocator's first-use state.
  ExpectHealthy(Call(kHealthyModel));
  ExpectHealthy(Call(kHealthyModel));
  const size_t fds = flowhost::testing::OpenFileDescriptors();
  const size_t heap = flowhost::testing::HeapBytesInUse();

  ASSERT_TRUE(harness_->fake().ResetStats().ok());
  CheckFaultRun(Call(kFaultyModel));
  ExpectHealthy(Call(kHealthyModel));
  const int repeats = Repeats();
  for (int i = 0; i < repeats; ++i) {
    Call(kFaultyModel);
    ExpectHealthy(Call(kHealthyModel));
  }

  // What the faults took is given back: each healthy call reuses or replaces the one connection.
  EXPECT_EQ(flowhost::testing::OpenFileDescriptors(), fds);
  const size_t heap_after = flowhost::testing::HeapBytesInUse();
  RecordProperty("heap_growth_bytes",
                 static_cast<int64_t>(heap_after) - static_cast<int64_t>(heap));
  EXPECT_LE(heap_after, heap + HeapSlackBytes())
      << "the heap grew by " << (heap_after - heap) << " bytes over " << (1 + repeats)
      << " faulty calls";
}

INSTANTIATE_TEST_SUITE_P(EveryFaultEveryWayIn, FaultMatrix,
                         ::testing::Combine(::testing::ValuesIn(kFaults),
                                            ::testing::Values(Column::kChat, Column::kRouter,
                                                              Column::kStream)),
                         [](const ::testing::TestParamInfo<std::tuple<Fault, Column>>& info) {
                           return absl::StrCat(std::get<0>(info.param).name, "_",
                                               ColumnName(std::get<1>(info.param)));
                         });

}  // namespace
}  // namespace flowhost::service::testing
