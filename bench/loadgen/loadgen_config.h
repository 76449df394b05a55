// What one run of flowhost_loadgen does: which calls it makes (RunWorkflow, StreamWorkflow, or a
// plain HTTP request straight at an upstream), how it paces them (closed loop at a fixed
// concurrency, or open loop at a fixed rate), for how long, and how it reports. Parsed once from
// the command line; plain data afterwards.
//
// Thread-safety: a value; read it from any thread once parsed.
#ifndef FLOWHOST_BENCH_LOADGEN_LOADGEN_CONFIG_H_
#define FLOWHOST_BENCH_LOADGEN_LOADGEN_CONFIG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowhost::bench {

// How calls are paced.
enum class LoadMode {
  // `concurrency` calls are kept in flight: each completion starts the next one.
  kClosedLoop,
  // Calls start at `rate` per second on schedule whatever the answers do, so a slow server cannot
  // slow the load down and hide its queueing (no coordinated omission).
  kOpenLoop,
};

// What one call is.
enum class CallKind {
  kRunWorkflow,     // flowhost.v1.WorkflowService/RunWorkflow (unary)
  kStreamWorkflow,  // flowhost.v1.WorkflowService/StreamWorkflow; also times the first TokenDelta
  kHttp,            // an HTTP request straight at `url` (the direct path the overhead is measured
                    // against); with a streamed answer, also times the first content token
};

// Which of gRPC's C++ client APIs drives RunWorkflow calls.
enum class GrpcClientApi {
  // Completion queues, each polled by one thread of the load generator's own: the response is
  // handled on the thread that read it from the socket (what gRPC's own benchmark clients do).
  kCompletionQueue,
  // The callback API: gRPC's internal threads poll and hand completions to each other.
  kCallback,
};

struct LoadgenConfig {
  CallKind call = CallKind::kRunWorkflow;

  // gRPC calls: the server's address, and the workflow to run (a name, or inline YAML) with its
  // input.
  std::string target = "127.0.0.1:50051";
  std::string workflow;
  std::string yaml;
  std::string input_json = "{}";
  // Separate HTTP/2 connections the calls are spread over, round robin.
  int channels = 2;
  // RunWorkflow's client API, and for kCompletionQueue the number of queues (one thread each).
  // StreamWorkflow always uses the callback API.
  GrpcClientApi grpc_api = GrpcClientApi::kCallback;
  int cq_threads = 1;

  // HTTP calls: method, URL, headers and body, and the client's connection cap.
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int http_connections = 1024;

  LoadMode mode = LoadMode::kClosedLoop;
  int concurrency = 16;  // closed loop
  double rate = 0;       // open loop, calls per second
  // Open loop: calls in flight at most; a call due beyond this is not sent and counted as dropped.
  int max_outstanding = 100000;

  absl::Duration warmup = absl::Seconds(2);     // calls started in it are not counted
  absl::Duration duration = absl::Seconds(10);  // the measured window
  absl::Duration deadline = absl::Seconds(30);  // every call's deadline (HTTP: total timeout)

  bool json = false;  // print one JSON object instead of the table
  std::string label;  // echoed in the report, to tell runs apart
};

// Parses the command line (without the program name). Every problem is an InvalidArgument naming
// the flag; "--help" is reported as a Cancelled status whose message is the usage text.
absl::StatusOr<LoadgenConfig> ParseLoadgenFlags(const std::vector<std::string>& args);

// The usage text.
std::string LoadgenUsage();

const char* CallKindName(CallKind kind);

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_LOADGEN_CONFIG_H_
