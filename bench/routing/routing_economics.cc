// The routing-economics benchmark: N questions through a free -> cheap -> flagship router.fallback
// against the fake OpenRouter (loopback, a child process), for four scripted failure mixes, next
// to "always the flagship" and "retry the free model three times, then the flagship". Reports, per
// mix and strategy: answered %, spend against the least spend that obeys Retry-After, calls made
// inside a Retry-After window (counted by the fake), p50/p99 latency and the calls per model.
//
// Open loop: questions start on a fixed schedule (--rate per second) whatever the answers do.
// The real executor and CurlHttpClient run in process (tests/nodes/testing/e2e_host.h); the
// route health table is cleared between runs.
//
//   routing_economics [--questions 500] [--rate 50] [--router-params '{"cooldown": "5s"}']
//
// Least spend, per mix (what a router that knew the script and obeyed Retry-After would pay):
//   rate_limited  free allows 10 calls per 1 s window (429 + Retry-After beyond): the questions
//                 past 10 per started second go to the cheap model.
//   flaky         free and cheap fail 20 % of calls with a 503: each question pays the cheapest
//                 route that its own calls did not see fail (a question whose free and cheap calls
//                 both failed needs the flagship; one that skipped free is assumed free).
//   hanging       free never answers: every question needs the cheap model.
//   outage        free answers 503 for the first half of the schedule, then recovers: questions
//                 started during the outage need the cheap model.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "nodes/router/fallback_router_node.h"
#include "tests/nodes/testing/e2e_host.h"

namespace flowhost::bench {
namespace {

using executor::ExecutionRecord;
using node_testing::E2eHost;
using sdk::Json;

constexpr char kFree[] = "meta-llama/llama-4-scout-pro-v51:free";
constexpr char kCheap[] = "qwen/qwen3-coder-32k";
constexpr char kFlagship[] = "anthropic/claude-fable-5";

struct Options {
  int questions = 500;
  double rate = 50;
  Json router_params = Json::object();
};

enum class Mix { kRateLimited, kFlaky, kHanging, kOutage };
enum class Strategy { kRouter, kAlwaysFlagship, kRetryFreeThenFlagship };

const char* MixName(Mix mix) {
  switch (mix) {
    case Mix::kRateLimited:
      return "rate_limited";
    case Mix::kFlaky:
      return "flaky";
    case Mix::kHanging:
      return "hanging";
    case Mix::kOutage:
      return "outage";
  }
  return "?";
}

const char* StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kRouter:
      return "router free>cheap>flagship";
    case Strategy::kAlwaysFlagship:
      return "always flagship";
    case Strategy::kRetryFreeThenFlagship:
      return "free x3, then flagship";
  }
  return "?";
}

// The workflow of a strategy. Every free route has a 1 s timeout (the hanging mix), every cheap
// one 10 s. The baseline that retries has no route health (cooldown_on: []).
std::string WorkflowYaml(Strategy strategy, const Json& router_params) {
  std::string routes;
  std::string extra;
  switch (strategy) {
    case Strategy::kRouter:
      routes = absl::StrCat("[{model: ", kFree, ", timeout: 1s}, {model: ", kCheap,
                            ", timeout: 10s}, {model: ", kFlagship, "}]");
      for (const auto& [key, value] : router_params.items()) {
        extra += absl::StrCat("      ", key, ": ", value.dump(), "\n");
      }
      break;
    case Strategy::kAlwaysFlagship:
      routes = absl::StrCat("[{model: ", kFlagship, "}]");
      break;
    case Strategy::kRetryFreeThenFlagship:
      routes = absl::StrCat("[{model: ", kFree, ", timeout: 1s, attempts: 3}, {model: ", kFlagship,
                            "}]");
      extra = "      cooldown_on: []\n";
      break;
  }
  return absl::StrCat(R"(
name: economics
nodes:
  - name: route
    type: router.fallback
    params:
      prompt: "Which route answers this question?"
      max_tokens: 64
      routes: )",
                      routes, "\n", extra);
}

struct Outcome {
  absl::Duration started_at;  // from the run's start
  absl::Duration latency;
  bool answered = false;
  double cost = 0;
  bool free_failed = false;
  bool cheap_failed = false;
};

struct RunResult {
  std::vector<Outcome> outcomes;
  Json stats;
  absl::Duration duration;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

class Bench {
 public:
  explicit Bench(Options options) : options_(std::move(options)) {}

  absl::Status Setup() {
    E2eHost::Options host_options;
    host_options.threads = 2;
    absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create(host_options);
    if (!host.ok()) return host.status();
    host_ = *std::move(host);
    // What one answer costs on each paid model (the same question every time).
    for (const char* model : {kCheap, kFlagship}) {
      absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(absl::StrCat(
          "name: price\nnodes:\n  - name: route\n    type: router.fallback\n    params:\n"
          "      prompt: \"Which route answers this question?\"\n      max_tokens: 64\n"
          "      routes: [{model: ",
          model, "}]\n"));
      if (!workflow.ok()) return workflow.status();
      absl::StatusOr<ExecutionRecord> record = host_->Run(*workflow);
      if (!record.ok()) return record.status();
      if (!record->status.ok()) return record->status;
      price_[model] = record->nodes[0].cost_usd;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RunResult> Run(Mix mix, Strategy strategy) {
    absl::StatusOr<workflow::WorkflowPtr> workflow =
        host_->Load(WorkflowYaml(strategy, options_.router_params));
    if (!workflow.ok()) return workflow.status();
    RouterType().health().Clear();
    if (absl::Status s = host_->fake().ClearRules(); !s.ok()) return s;
    if (absl::Status s = Script(mix); !s.ok()) return s;
    if (absl::Status s = host_->fake().ResetStats(); !s.ok()) return s;

    const absl::Duration interval = absl::Seconds(1.0 / options_.rate);
    const absl::Duration outage = interval * (options_.questions / 2);
    bool recovered = false;
    struct Started {
      std::shared_ptr<E2eHost::Running> running;
      absl::Duration at;
    };
    std::vector<Started> started;
    const absl::Time start = absl::Now();
    for (int i = 0; i < options_.questions; ++i) {
      absl::Time due = start + interval * i;
      absl::SleepFor(due - absl::Now());
      if (mix == Mix::kOutage && !recovered && absl::Now() - start >= outage) {
        if (absl::Status s = host_->fake().ClearRules(); !s.ok()) return s;
        recovered = true;
      }
      started.push_back({host_->Start(*workflow, Json::object()), absl::Now() - start});
    }
    RunResult result;
    for (Started& s : started) {
      absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*s.running, absl::Minutes(5));
      if (!record.ok()) return record.status();
      Outcome outcome;
      outcome.started_at = s.at;
      outcome.latency = record->finished_at - record->started_at;
      outcome.answered = record->status.ok();
      outcome.cost = record->nodes.empty() ? 0 : record->nodes[0].cost_usd;
      for (const sdk::AttemptRecord& call :
           record->nodes.empty() ? std::vector<sdk::AttemptRecord>() : record->nodes[0].calls) {
        if (call.outcome == "ok" || call.outcome == "skipped") continue;
        if (call.model == kFree) outcome.free_failed = true;
        if (call.model == kCheap) outcome.cheap_failed = true;
      }
      result.outcomes.push_back(outcome);
    }
    result.duration = absl::Now() - start;
    absl::StatusOr<Json> stats = host_->fake().Stats();
    if (!stats.ok()) return stats.status();
    result.stats = *std::move(stats);
    return result;
  }

  // The least spend that obeys Retry-After (see the file's comment).
  double MinimumSpend(Mix mix, const RunResult& run) const {
    const double cheap = price_.at(kCheap);
    const double flagship = price_.at(kFlagship);
    switch (mix) {
      case Mix::kRateLimited: {
        std::map<int64_t, int> per_second;
        for (const Outcome& o : run.outcomes) ++per_second[absl::ToInt64Seconds(o.started_at)];
        double spend = 0;
        for (const auto& [second, count] : per_second) spend += std::max(0, count - 10) * cheap;
        return spend;
      }
      case Mix::kFlaky: {
        double spend = 0;
        for (const Outcome& o : run.outcomes) {
          if (o.free_failed && o.cheap_failed) {
            spend += flagship;
          } else if (o.free_failed) {
            spend += cheap;
          }
        }
        return spend;
      }
      case Mix::kHanging:
        return cheap * static_cast<double>(run.outcomes.size());
      case Mix::kOutage: {
        const absl::Duration outage =
            absl::Seconds(1.0 / options_.rate) * (options_.questions / 2);
        double spend = 0;
        for (const Outcome& o : run.outcomes) {
          if (o.started_at < outage) spend += cheap;
        }
        return spend;
      }
    }
    return 0;
  }

  void Print(Mix mix, Strategy strategy, const RunResult& run) const {
    int answered = 0;
    double spend = 0;
    std::vector<double> latencies;
    for (const Outcome& o : run.outcomes) {
      answered += o.answered ? 1 : 0;
      spend += o.cost;
      latencies.push_back(absl::ToDoubleMilliseconds(o.latency));
    }
    const double minimum = MinimumSpend(mix, run);
    const Json& by_model = run.stats["by_model"];
    std::printf("| %s | %s | %.1f %% | $%.6f | $%.6f | %s | %lld | %.0f | %.0f | %d / %d / %d |\n",
                MixName(mix), StrategyName(strategy),
                100.0 * answered / static_cast<double>(run.outcomes.size()), spend, minimum,
                minimum > 0 ? absl::StrFormat("%.2fx", spend / minimum).c_str() : "-",
                static_cast<long long>(run.stats.value("requests_inside_retry_after", 0)),
                Percentile(latencies, 0.5), Percentile(latencies, 0.99),
                by_model.value(kFree, 0), by_model.value(kCheap, 0),
                by_model.value(kFlagship, 0));
    std::fflush(stdout);
  }

 private:
  absl::Status Script(Mix mix) {
    Json rules = Json::array();
    switch (mix) {
      case Mix::kRateLimited:
        rules.push_back({{"model", kFree},
                         {"rate_limit", {{"requests", 10}, {"window_ms", 1000}}},
                         {"behavior", {{"status", 429}}}});
        break;
      case Mix::kFlaky:
        for (const char* model : {kFree, kCheap}) {
          rules.push_back(
              {{"model", model}, {"probability", 0.2}, {"behavior", {{"status", 503}}}});
        }
        break;
      case Mix::kHanging:
        rules.push_back({{"model", kFree}, {"behavior", {{"hang", true}}}});
        break;
      case Mix::kOutage:
        rules.push_back({{"model", kFree}, {"behavior", {{"status", 503}}}});
        break;
    }
    return host_->fake().AddRules(rules);
  }

  const nodes::router::FallbackRouterNodeType& RouterType() const {
    return dynamic_cast<const nodes::router::FallbackRouterNodeType&>(
        *host_->registry().Find("router.fallback"));
  }

  Options options_;
  std::unique_ptr<E2eHost> host_;
  std::map<std::string, double> price_;
};

int Main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "routing_economics: %s needs a value\n", flag.c_str());
      return 2;
    }
    std::string value = argv[++i];
    if (flag == "--questions" && absl::SimpleAtoi(value, &options.questions) &&
        options.questions > 0) {
      continue;
    }
    if (flag == "--rate" && absl::SimpleAtod(value, &options.rate) && options.rate > 0) continue;
    if (flag == "--router-params") {
      options.router_params = Json::parse(value, nullptr, false);
      if (options.router_params.is_object()) continue;
    }
    std::fprintf(stderr,
                 "routing_economics: bad flag %s %s\nusage: routing_economics [--questions N] "
                 "[--rate PER_SECOND] [--router-params JSON_OBJECT]\n",
                 flag.c_str(), value.c_str());
    return 2;
  }
  Bench bench(options);
  if (absl::Status s = bench.Setup(); !s.ok()) {
    std::fprintf(stderr, "routing_economics: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("%d questions at %.0f/s; router params %s\n\n", options.questions, options.rate,
              options.router_params.dump().c_str());
  std::printf(
      "| mix | strategy | answered | spend | least spend | x least | calls inside Retry-After "
      "| p50 ms | p99 ms | calls free / cheap / flagship |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (Mix mix : {Mix::kRateLimited, Mix::kFlaky, Mix::kHanging, Mix::kOutage}) {
    for (Strategy strategy :
         {Strategy::kRouter, Strategy::kAlwaysFlagship, Strategy::kRetryFreeThenFlagship}) {
      absl::StatusOr<RunResult> run = bench.Run(mix, strategy);
      if (!run.ok()) {
        std::fprintf(stderr, "routing_economics: %s / %s: %s\n", MixName(mix),
                     StrategyName(strategy), std::string(run.status().message()).c_str());
        return 1;
      }
      bench.Print(mix, strategy, *run);
    }
  }
  return 0;
}

}  // namespace
}  // namespace flowhost::bench

int main(int argc, char** argv) { return flowhost::bench::Main(argc, argv); }
