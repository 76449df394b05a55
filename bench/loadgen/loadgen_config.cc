#include "bench/loadgen/loadgen_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::bench {
namespace {

using sdk::AsAbsl;

constexpr char kUsage[] =
    R"(flowhost_loadgen: load generator for flowhost's gRPC API (and the direct HTTP path).

What to call (one of):
  --workflow NAME          RunWorkflow/StreamWorkflow of a workflow loaded by the server
  --yaml-file FILE         ... of this workflow, sent inline as YAML
  --url URL                a plain HTTP request straight at URL (implies --call http)
Call:
  --call run|stream|http   RunWorkflow (default), StreamWorkflow (also times the first token), HTTP
  --target HOST:PORT       the flowhost server (default 127.0.0.1:50051)
  --input JSON             the workflow's input object (default {})
  --channels N             HTTP/2 connections to spread calls over (default 2)
  --grpc-api callback|cq   RunWorkflow through the callback API (default) or completion queues
                           polled by the load generator's own threads (what gRPC's benchmarks
                           do; ~20 % less client CPU per call)
  --cq-threads N           completion queues, one polling thread each (default 1)
  --method M --header "K: V" --body TEXT --http-connections N    the HTTP request (default POST)
Load:
  --concurrency N          closed loop: N calls in flight, each completion starts the next
                           (default 16)
  --rate R                 open loop: R calls per second on schedule, whatever the answers do
  --max-outstanding N      open loop: calls in flight at most; later ones are dropped
                           (default 100000)
  --warmup D               not counted (default 2s)        durations: 500ms, 10s, 1m
  --duration D             the measured window (default 10s)
  --deadline D             every call's deadline (default 30s)
Output:
  --json                   one JSON object instead of the table
  --label TEXT             a name for this run, echoed in the output
)";

absl::Status Invalid(std::string_view flag, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("flag ", AsAbsl(flag), ": ", AsAbsl(why)));
}

absl::Status ParseDurationFlag(std::string_view flag, const std::string& value,
                               absl::Duration* out) {
  if (!absl::ParseDuration(value, out) || *out < absl::ZeroDuration()) {
    return Invalid(flag, absl::StrCat("expected a duration like 500ms or 10s, got '", value, "'"));
  }
  return absl::OkStatus();
}

absl::Status ParseIntFlag(std::string_view flag, const std::string& value, int min, int* out) {
  if (!absl::SimpleAtoi(value, out) || *out < min) {
    return Invalid(flag, absl::StrCat("expected an integer >= ", min, ", got '", value, "'"));
  }
  return absl::OkStatus();
}

absl::Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid("--yaml-file", absl::StrCat("cannot read '", path, "'"));
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return absl::OkStatus();
}

absl::Status ApplyFlag(std::string_view flag, const std::string& value, LoadgenConfig& config,
                       bool& call_given) {
  if (flag == "--call") {
    call_given = true;
    if (value == "run") {
      config.call = CallKind::kRunWorkflow;
    } else if (value == "stream") {
      config.call = CallKind::kStreamWorkflow;
    } else if (value == "http") {
      config.call = CallKind::kHttp;
    } else {
      return Invalid(flag, absl::StrCat("expected run, stream or http, got '", value, "'"));
    }
  } else if (flag == "--target") {
    config.target = value;
  } else if (flag == "--workflow") {
    config.workflow = value;
  } else if (flag == "--yaml-file") {
    return ReadFile(value, &config.yaml);
  } else if (flag == "--input") {
    config.input_json = value;
  } else if (flag == "--channels") {
    return ParseIntFlag(flag, value, 1, &config.channels);
  } else if (flag == "--grpc-api") {
    if (value == "cq") {
      config.grpc_api = GrpcClientApi::kCompletionQueue;
    } else if (value == "callback") {
      config.grpc_api = GrpcClientApi::kCallback;
    } else {
      return Invalid(flag, absl::StrCat("expected cq or callback, got '", value, "'"));
    }
  } else if (flag == "--cq-threads") {
    return ParseIntFlag(flag, value, 1, &config.cq_threads);
  } else if (flag == "--url") {
    config.url = value;
  } else if (flag == "--method") {
    config.method = value;
  } else if (flag == "--header") {
    size_t colon = value.find(':');
    if (colon == std::string::npos || colon == 0) return Invalid(flag, "expected 'Name: value'");
    size_t start = value.find_first_not_of(' ', colon + 1);
    config.headers.emplace_back(value.substr(0, colon),
                                start == std::string::npos ? "" : value.substr(start));
  } else if (flag == "--body") {
    config.body = value;
  } else if (flag == "--http-connections") {
    return ParseIntFlag(flag, value, 1, &config.http_connections);
  } else if (flag == "--concurrency") {
    return ParseIntFlag(flag, value, 1, &config.concurrency);
  } else if (flag == "--rate") {
    if (!absl::SimpleAtod(value, &config.rate) || !(config.rate > 0)) {
      return Invalid(flag, absl::StrCat("expected calls per second > 0, got '", value, "'"));
    }
    config.mode = LoadMode::kOpenLoop;
  } else if (flag == "--max-outstanding") {
    return ParseIntFlag(flag, value, 1, &config.max_outstanding);
  } else if (flag == "--warmup") {
    return ParseDurationFlag(flag, value, &config.warmup);
  } else if (flag == "--duration") {
    return ParseDurationFlag(flag, value, &config.duration);
  } else if (flag == "--deadline") {
    return ParseDurationFlag(flag, value, &config.deadline);
  } else if (flag == "--label") {
    config.label = value;
  } else {
    return Invalid(flag, "unknown flag (see --help)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadgenConfig> ParseLoadgenFlags(const std::vector<std::string>& args) {
  LoadgenConfig config;
  bool call_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag == "--help" || flag == "-h") return absl::CancelledError(kUsage);
    if (flag == "--json") {
      config.json = true;
      continue;
    }
    std::string value;
    size_t equals = flag.find('=');
    if (equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag.resize(equals);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Invalid(flag, "needs a value");
    }
    if (absl::Status status = ApplyFlag(flag, value, config, call_given); !status.ok()) {
      return status;
    }
  }
  if (!call_given && !config.url.empty()) config.call = CallKind::kHttp;

  if (config.call == CallKind::kHttp) {
    if (config.url.empty()) return Invalid("--url", "required with --call http");
  } else if (config.workflow.empty() == config.yaml.empty()) {
    return Invalid("--workflow", "give exactly one of --workflow and --yaml-file");
  }
  if (config.duration <= absl::ZeroDuration()) return Invalid("--duration", "must be > 0");
  if (config.deadline <= absl::ZeroDuration()) return Invalid("--deadline", "must be > 0");
  return config;
}

std::string LoadgenUsage() { return kUsage; }

const char* CallKindName(CallKind kind) {
  switch (kind) {
    case CallKind::kRunWorkflow:
      return "RunWorkflow";
    case CallKind::kStreamWorkflow:
      return "StreamWorkflow";
    case CallKind::kHttp:
      return "HTTP";
  }
  return "?";
}

}  // namespace flowhost::bench
