// async_bench: background executions (StartWorkflow) against one or more flowhost servers that
// share an execution store (bench/scenarios/async_executions.sh, BENCHMARKS.md).
//
//   async_bench --targets 127.0.0.1:7001[,127.0.0.1:7002] --workflow chat --count 2000
//               [--concurrency 32 | --rate 50] [--latency]
//
// Sends `count` StartWorkflow calls, round-robin over the targets: closed loop with `concurrency`
// calls in flight, or open loop at `rate` per second (paced; `concurrency` threads send). Then
// waits until no execution in the store is queued, running or waiting (ListExecutions), and prints
// one JSON line:
//   count, failed_calls, queued_replies, elapsed_s (first call to the last execution final),
//   exec_per_s, call_p50_ms / call_p99_ms (the StartWorkflow call itself),
// and with --latency, after the run, from each execution's record (GetExecution; client and
// servers share this machine's clock):
//   first_node_p50_ms / first_node_p99_ms: the StartWorkflow call sent to its first node started,
//   succeeded (executions that succeeded).
// A client thread per in-flight call: this is a load generator, not the server.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "flowhost/v1/workflow_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace {

struct Options {
  std::vector<std::string> targets;
  std::string workflow = "chat";
  int count = 1000;
  int concurrency = 16;
  double rate = 0;  // 0: closed loop
  bool latency = false;
};

void Usage() {
  std::cerr << "usage: async_bench --targets HOST:PORT[,HOST:PORT...] [--workflow NAME] "
               "[--count N] [--concurrency N] [--rate PER_SECOND] [--latency]\n";
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (arg == "--targets") {
      options.targets = absl::StrSplit(value(), ',', absl::SkipEmpty());
    } else if (arg == "--workflow") {
      options.workflow = value();
    } else if (arg == "--count") {
      options.count = std::atoi(value().c_str());
    } else if (arg == "--concurrency") {
      options.concurrency = std::atoi(value().c_str());
    } else if (arg == "--rate") {
      options.rate = std::atof(value().c_str());
    } else if (arg == "--latency") {
      options.latency = true;
    } else {
      Usage();
    }
  }
  if (options.targets.empty() || options.count < 1 || options.concurrency < 1) Usage();
  return options;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return context;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace

int main(int argc, char** argv) {
  Options options = Parse(argc, argv);
  std::vector<std::unique_ptr<flowhost::v1::WorkflowService::Stub>> stubs;
  for (const std::string& target : options.targets) {
    stubs.push_back(flowhost::v1::WorkflowService::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials())));
  }

  struct Sent {
    std::string id;
    absl::Time at;
    double call_ms = 0;
  };
  std::vector<Sent> sent(static_cast<size_t>(options.count));
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::atomic<int> queued{0};
  const absl::Time began = absl::Now();
  std::vector<std::thread> senders;
  for (int t = 0; t < options.concurrency; ++t) {
    senders.emplace_back([&] {
      for (int i = next++; i < options.count; i = next++) {
        if (options.rate > 0) {
          absl::Time due = began + absl::Seconds(i / options.rate);
          absl::Duration wait = due - absl::Now();
          if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
        }
        flowhost::v1::StartWorkflowRequest request;
        request.set_workflow(options.workflow);
        flowhost::v1::StartWorkflowResponse response;
        Sent& mine = sent[static_cast<size_t>(i)];
        mine.at = absl::Now();
        grpc::Status status =
            stubs[static_cast<size_t>(i) % stubs.size()]->StartWorkflow(Context().get(), request,
                                                                         &response);
        mine.call_ms = absl::ToDoubleMilliseconds(absl::Now() - mine.at);
        if (!status.ok()) {
          if (failed++ == 0) std::cerr << "StartWorkflow: " << status.error_message() << "\n";
          continue;
        }
        if (response.state() == flowhost::v1::EXECUTION_STATE_QUEUED) ++queued;
        mine.id = response.execution_id();
      }
    });
  }
  for (std::thread& sender : senders) sender.join();

  // Until nothing is queued, running or waiting any more.
  absl::Time done_at = absl::Now();
  for (;;) {
    flowhost::v1::ListExecutionsRequest request;
    request.add_states(flowhost::v1::EXECUTION_STATE_QUEUED);
    request.add_states(flowhost::v1::EXECUTION_STATE_RUNNING);
    request.add_states(flowhost::v1::EXECUTION_STATE_WAITING);
    request.set_page_size(1);
    flowhost::v1::ListExecutionsResponse response;
    grpc::Status status = stubs[0]->ListExecutions(Context().get(), request, &response);
    done_at = absl::Now();
    if (!status.ok()) {
      std::cerr << "ListExecutions: " << status.error_message() << "\n";
      return 1;
    }
    if (response.executions_size() == 0) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  const double elapsed_s = absl::ToDoubleSeconds(done_at - began);

  std::vector<double> call_ms;
  for (const Sent& s : sent) {
    if (!s.id.empty()) call_ms.push_back(s.call_ms);
  }
  std::string extra;
  if (options.latency) {
    std::vector<double> first_node_ms;
    int succeeded = 0;
    for (const Sent& s : sent) {
      if (s.id.empty()) continue;
      flowhost::v1::GetExecutionRequest request;
      request.set_execution_id(s.id);
      request.set_include_nodes(true);
      flowhost::v1::GetExecutionResponse response;
      if (!stubs[0]->GetExecution(Context().get(), request, &response).ok()) continue;
      const flowhost::v1::Execution& e = response.execution();
      if (e.state() == flowhost::v1::EXECUTION_STATE_SUCCEEDED) ++succeeded;
      absl::Time first = absl::InfiniteFuture();
      for (const flowhost::v1::ExecutionNode& node : e.nodes()) {
        if (node.has_start_time()) first = std::min(first, FromTimestamp(node.start_time()));
      }
      if (first != absl::InfiniteFuture()) {
        first_node_ms.push_back(absl::ToDoubleMilliseconds(first - s.at));
      }
    }
    extra = absl::StrFormat(
        ", \"succeeded\": %d, \"first_node_p50_ms\": %.3f, \"first_node_p99_ms\": %.3f", succeeded,
        Percentile(first_node_ms, 0.5), Percentile(first_node_ms, 0.99));
  }
  std::printf(
      "{\"count\": %d, \"failed_calls\": %d, \"queued_replies\": %d, \"elapsed_s\": %.3f, "
      "\"exec_per_s\": %.1f, \"call_p50_ms\": %.3f, \"call_p99_ms\": %.3f%s}\n",
      options.count, failed.load(), queued.load(), elapsed_s,
      static_cast<double>(options.count - failed.load()) / elapsed_s, Percentile(call_ms, 0.5),
      Percentile(call_ms, 0.99), extra.c_str());
  return failed.load() == 0 ? 0 : 1;
}
