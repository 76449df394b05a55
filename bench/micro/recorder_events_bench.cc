// Micro-benchmark of the execution recorder's event work per execution (execution_recorder.h):
// the four events a one-node chat run logs (execution_started, node_started, node_finished,
// execution_finished without its output, which the row holds), made as the recorder made them
// before (each message built, its kind found by reflection, serialised) and as it makes them now
// (serialised by hand, the node's summary serialised once and reused in execution_finished).
// Both give the same bytes (tests/service/execution_watch_test.cc, EventBytesTest).
//
// Compare by instruction counts, which a busy machine does not bend (see reply_path_bench.cc):
//   valgrind --tool=callgrind --toggle-collect='*BM_EventsAsBytes(*'
//       --callgrind-out-file=cg.out build/release/bench/micro/recorder_events_bench
//       --benchmark_filter='^BM_EventsAsBytes$' --benchmark_min_time=0.01
//   callgrind_annotate cg.out | grep 'PROGRAM TOTALS'
// divided by the iteration count the benchmark prints; and by time medians:
//   build/release/bench/micro/recorder_events_bench --benchmark_repetitions=9
//       --benchmark_report_aggregates_only=true
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "server/common/secret_scrubber.h"
#include "server/executor/execution_record.h"
#include "server/service/execution_events.h"

namespace flowhost::service {
namespace {

// The record of a one-node chat run against the fake, as the executor gives it.
executor::ExecutionRecord ChatRecord() {
  const absl::Time started = absl::Now();
  executor::ExecutionRecord record;
  record.id = "ex-0193a4b2c3d4e5f6a7b8c9";
  record.workflow = "chat";
  record.started_at = started;
  record.finished_at = started + absl::Microseconds(850);
  record.prompt_tokens = 12;
  record.completion_tokens = 9;
  record.cost_usd = 0.000021;
  executor::NodeRecord node;
  node.name = "answer";
  node.type = "openrouter.chat";
  node.status = executor::NodeStatus::kSucceeded;
  node.attempts = 1;
  node.started_at = started + absl::Microseconds(40);
  node.finished_at = started + absl::Microseconds(800);
  node.items_in = 1;
  node.items_out = 1;
  node.model = "openai/gpt-4o-mini";
  node.prompt_tokens = 12;
  node.completion_tokens = 9;
  node.cost_usd = 0.000021;
  sdk::AttemptRecord call;
  call.model = "openai/gpt-4o-mini";
  call.provider = "OpenAI";
  call.outcome = "ok";
  call.prompt_tokens = 12;
  call.completion_tokens = 9;
  call.cost_usd = 0.000021;
  call.latency = absl::Microseconds(700);
  call.attempt = 1;
  node.calls.push_back(call);
  record.nodes.push_back(node);
  return record;
}

void Take(std::string kind, std::string payload) {
  benchmark::DoNotOptimize(kind);
  benchmark::DoNotOptimize(payload);
}

void TakeMessage(const v1::StreamWorkflowResponse& event) {
  std::string payload;
  event.SerializeToString(&payload);
  Take(EventKind(event), std::move(payload));
}

void BM_EventsAsMessages(benchmark::State& state) {
  const common::SecretScrubber scrubber;
  const executor::ExecutionRecord record = ChatRecord();
  const executor::NodeRecord& node = record.nodes[0];
  for (auto _ : state) {
    TakeMessage(ExecutionStartedEvent(record.id, record.workflow, record.started_at));
    TakeMessage(NodeStartedEvent(node.name, node.attempts));
    TakeMessage(NodeResultEvent(node, scrubber));
    TakeMessage(ExecutionFinishedEvent(record, scrubber, /*with_output=*/false));
  }
}
BENCHMARK(BM_EventsAsMessages);

void BM_EventsAsBytes(benchmark::State& state) {
  const common::SecretScrubber scrubber;
  const executor::ExecutionRecord record = ChatRecord();
  const executor::NodeRecord& node = record.nodes[0];
  for (auto _ : state) {
    Take("execution_started",
         ExecutionStartedEventBytes(record.id, record.workflow, record.started_at));
    Take("node_started", NodeStartedEventBytes(node.name, node.attempts));
    LoggedNodeSummary logged{NodeSummaryStamp::Of(node), NodeSummaryBytes(node, scrubber)};
    Take("node_finished", NodeResultEventBytes(logged.bytes, false));
    Take("execution_finished",
         ExecutionFinishedEventBytes(record, scrubber, /*with_output=*/false,
                                     [&logged](const executor::NodeRecord&) { return &logged; }));
  }
}
BENCHMARK(BM_EventsAsBytes);

}  // namespace
}  // namespace flowhost::service

BENCHMARK_MAIN();
