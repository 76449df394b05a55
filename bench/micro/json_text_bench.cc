// Micro-benchmark of JSON text <-> sdk::Json, the work every plugin node execution does on its
// items (flowhost/sdk/json_text.h against nlohmann's parse and dump), on a few typical texts:
//
//   0  the plugin benchmark's inputs, one small item: [[{"id":7,"name":"ann"}]]
//   1  one record-like item: numbers, a bool, strings, a nested object and an array
//   2  one chat-like item: a long text with escapes and non-ASCII, usage numbers
//   3  twenty record-like items in one list
//
// Run from an optimised build, medians of repeated runs (the machine is shared):
//   build/release/bench/micro/json_text_bench --benchmark_repetitions=9
//       --benchmark_report_aggregates_only=true
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/json_text.h"

namespace flowhost {
namespace {

using sdk::Json;

const std::string& Text(int which) {
  static const std::vector<std::string> texts = [] {
    const std::string record =
        R"({"id":12345,"name":"Ann Example","email":"ann@example.com","active":true,)"
        R"("score":0.875,"balance":-1520.25,"tags":["customer","eu","priority"],)"
        R"("address":{"street":"Storgata 1","city":"Oslo","zip":"0150"},"orders":[101,102,103]})";
    std::string chat = R"({"model":"openai/gpt-4o-mini","text":")";
    for (int i = 0; i < 8; ++i) {
      chat += R"(Line \"quoted\" with caf\u00e9, na\u00efve and \u2014 dashes; tab\there.\n)";
      chat += "Ærlig talt, 東京 🎉. ";
    }
    chat += R"(","usage":{"prompt_tokens":812,"completion_tokens":304,"cost":0.000173}})";
    std::string batch = "[[";
    for (int i = 0; i < 20; ++i) batch += (i == 0 ? "" : ",") + record;
    batch += "]]";
    return std::vector<std::string>{R"([[{"id":7,"name":"ann"}]])", "[[" + record + "]]",
                                    "[[" + chat + "]]", batch};
  }();
  return texts[static_cast<size_t>(which)];
}

void BM_ParseJsonText(benchmark::State& state) {
  const std::string& text = Text(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<Json> parsed = sdk::ParseJsonText(text);
    if (!parsed.ok()) state.SkipWithError("not JSON");
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_NlohmannParse(benchmark::State& state) {
  const std::string& text = Text(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) state.SkipWithError("not JSON");
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_JsonText(benchmark::State& state) {
  const Json value = Json::parse(Text(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    std::string text = sdk::JsonText(value);
    benchmark::DoNotOptimize(text);
  }
}

void BM_NlohmannDump(benchmark::State& state) {
  const Json value = Json::parse(Text(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    benchmark::DoNotOptimize(text);
  }
}

BENCHMARK(BM_ParseJsonText)->DenseRange(0, 3);
BENCHMARK(BM_NlohmannParse)->DenseRange(0, 3);
BENCHMARK(BM_JsonText)->DenseRange(0, 3);
BENCHMARK(BM_NlohmannDump)->DenseRange(0, 3);

}  // namespace
}  // namespace flowhost

BENCHMARK_MAIN();
