// How much carrying items as google.protobuf.Value costs against carrying them as JSON text in a
// string field: encode (nlohmann::json -> message -> wire bytes) and decode (wire bytes -> message
// -> nlohmann::json), for a typical chat answer item and for a large one. docs/api.md quotes the
// result.
//
//   cmake --build build/release --target service_item_encoding_benchmark
//   build/release/tests/service/service_item_encoding_benchmark
#include <string>

#include "benchmark/benchmark.h"
#include "flowhost/v1/workflow_service.pb.h"
#include "server/service/json_proto.h"

namespace flowhost::service {
namespace {

sdk::Json ChatItem(size_t content_bytes) {
  std::string content;
  while (content.size() < content_bytes) content += "The quick brown fox jumps over the lazy dog. ";
  content.resize(content_bytes);
  sdk::Json item = sdk::Json::parse(R"({
    "model": "google/gemma-4-31b-it:free", "provider": "Google AI Studio",
    "finish_reason": "stop", "generation_id": "gen-1795507634-iiBbv4DeJNfIWnzpsXDq",
    "latency_ms": 812.5, "cost_usd": 0.000123, "reasoning": null, "tool_calls": null,
    "usage": {"prompt_tokens": 31, "completion_tokens": 212, "total_tokens": 243, "cost": 0.000123,
              "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0}}
  })",
                                    nullptr, /*allow_exceptions=*/false);
  item["content"] = content;
  return item;
}

void EncodeAsValue(benchmark::State& state) {
  sdk::Json item = ChatItem(static_cast<size_t>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    v1::RunWorkflowResponse response;
    (void)JsonToValue(item, *response.add_output_items());
    std::string wire = response.SerializeAsString();
    bytes = wire.size();
    benchmark::DoNotOptimize(wire);
  }
  state.counters["wire_bytes"] = static_cast<double>(bytes);
}

void EncodeAsJsonText(benchmark::State& state) {
  sdk::Json item = ChatItem(static_cast<size_t>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    v1::Diagnostic carrier;  // any message with a string field stands in for `string item_json`
    carrier.set_message(item.dump());
    std::string wire = carrier.SerializeAsString();
    bytes = wire.size();
    benchmark::DoNotOptimize(wire);
  }
  state.counters["wire_bytes"] = static_cast<double>(bytes);
}

void DecodeFromValue(benchmark::State& state) {
  v1::RunWorkflowResponse response;
  (void)JsonToValue(ChatItem(static_cast<size_t>(state.range(0))), *response.add_output_items());
  std::string wire = response.SerializeAsString();
  for (auto _ : state) {
    v1::RunWorkflowResponse parsed;
    parsed.ParseFromString(wire);
    sdk::Json item = ValueToJson(parsed.output_items(0));
    benchmark::DoNotOptimize(item);
  }
}

void DecodeFromJsonText(benchmark::State& state) {
  v1::Diagnostic carrier;
  carrier.set_message(ChatItem(static_cast<size_t>(state.range(0))).dump());
  std::string wire = carrier.SerializeAsString();
  for (auto _ : state) {
    v1::Diagnostic parsed;
    parsed.ParseFromString(wire);
    sdk::Json item = sdk::Json::parse(parsed.message(), nullptr, false);
    benchmark::DoNotOptimize(item);
  }
}

BENCHMARK(EncodeAsValue)->Arg(200)->Arg(10'000);
BENCHMARK(EncodeAsJsonText)->Arg(200)->Arg(10'000);
BENCHMARK(DecodeFromValue)->Arg(200)->Arg(10'000);
BENCHMARK(DecodeFromJsonText)->Arg(200)->Arg(10'000);

}  // namespace
}  // namespace flowhost::service

BENCHMARK_MAIN();
