// openrouter.chat and openrouter.models end to end: YAML workflows run by the real executor,
// through the real CurlHttpClient, against the project's fake OpenRouter. Proves every failure
// class is produced and classified, streaming deltas arrive in order with the final usage, costs
// match the catalogue's prices, `free: true` returns exactly the free models of the catalogue file,
// the catalogue cache makes one upstream call for many concurrent executions, cancellation reaches
// the upstream, and the key shows up nowhere but in the Authorization header the fake received.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/testing/e2e_host.h"
#include "tests/source_dir.h"

namespace flowhost::nodes::openrouter {
namespace {

using executor::ExecutionRecord;
using node_testing::E2eHost;
using node_testing::TokenCollector;
using sdk::Json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCheapModel[] = "qwen/qwen3-coder-32k";

Json CatalogueFile() {
  std::ifstream in(FLOWHOST_SOURCE_DIR "/tests/fake_openrouter/data/openrouter-models.json");
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

Json CatalogueEntryOf(const std::string& id) {
  const Json catalogue = CatalogueFile();
  for (const Json& model : catalogue["data"]) {
    if (model["id"] == id) return model;
  }
  return nullptr;
}

std::string AskWorkflow(const std::string& model, const std::string& extra_params = "",
                        const std::string& node_settings = "") {
  return absl::StrCat(R"(
name: ask
inputs:
  question: {type: string, required: true}
nodes:
  - name: chat
    type: openrouter.chat
)",
                      node_settings, R"(
    params:
      model: )",
                      model, R"(
      prompt: "{{ $inputs.question }}"
)",
                      extra_params);
}

class OpenRouterEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create();
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
  }

  workflow::WorkflowPtr Load(const std::string& yaml) {
    absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(yaml);
    EXPECT_TRUE(workflow.ok()) << workflow.status();
    return workflow.ok() ? *workflow : nullptr;
  }

  ExecutionRecord Ask(const std::string& question, const std::string& model = kCheapModel,
                      std::shared_ptr<executor::ExecutionObserver> observer = nullptr,
                      const std::string& extra_params = "") {
    workflow::WorkflowPtr workflow = Load(AskWorkflow(model, extra_params));
    absl::StatusOr<ExecutionRecord> record =
        host_->Run(workflow, {{"question", question}}, std::move(observer));
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? *record : ExecutionRecord();
  }

  // Scripts the next chat request for `model`.
  void Script(const std::string& model, Json behavior) {
    ASSERT_TRUE(
        host_->fake()
            .AddRules(Json::array({{{"model", model}, {"times", 1}, {"behavior", behavior}}}))
            .ok());
  }

  std::unique_ptr<E2eHost> host_;
};

TEST_F(OpenRouterEndToEnd, AnswersWithTheFakesAnswerAndPricesItFromTheCatalogue) {
  ExecutionRecord record = Ask("What is flowhost?");
  ASSERT_TRUE(record.status.ok()) << record.status;
  ASSERT_EQ(record.output.size(), 1u);
  const Json& item = record.output[0];
  EXPECT_EQ(item["content"], "Fake answer to: What is flowhost?");
  EXPECT_EQ(item["model"], kCheapModel);
  EXPECT_EQ(item["provider"], "Qwen");
  EXPECT_EQ(item["finish_reason"], "stop");
  EXPECT_TRUE(absl::StartsWith(item["generation_id"].get<std::string>(), "gen-"));
  EXPECT_GE(item["latency_ms"].get<double>(), 0);

  Json pricing = CatalogueEntryOf(kCheapModel)["pricing"];
  int64_t prompt = item["usage"]["prompt_tokens"], completion = item["usage"]["completion_tokens"];
  EXPECT_EQ(prompt, (std::string("What is flowhost?").size() + 3) / 4);
  double expected = prompt * std::stod(pricing["prompt"].get<std::string>()) +
                    completion * std::stod(pricing["completion"].get<std::string>());
  EXPECT_NEAR(item["cost_usd"].get<double>(), expected, 1e-12);
  // The execution record carries the same tokens and cost, per call, per node and in total.
  ASSERT_EQ(record.nodes.size(), 1u);
  ASSERT_EQ(record.nodes[0].calls.size(), 1u);
  EXPECT_EQ(record.nodes[0].calls[0].model, kCheapModel);
  EXPECT_EQ(record.nodes[0].calls[0].prompt_tokens, prompt);
  EXPECT_NEAR(record.nodes[0].calls[0].cost_usd, expected, 1e-12);
  EXPECT_NEAR(record.cost_usd, expected, 1e-12);
  EXPECT_EQ(record.prompt_tokens, prompt);
  EXPECT_EQ(record.completion_tokens, completion);
}

TEST_F(OpenRouterEndToEnd, SendsAttributionHeadersAndEveryParameter) {
  ExecutionRecord record = Ask("hi", kCheapModel, nullptr, R"(
      system: "Be brief."
      temperature: 0.4
      max_tokens: 50
      seed: 3
      provider: {sort: price, allow_fallbacks: false}
      extra: {min_p: 0.1}
)");
  ASSERT_TRUE(record.status.ok()) << record.status;
  absl::StatusOr<Json> requests = host_->fake().Requests(10);
  ASSERT_TRUE(requests.ok());
  Json chat;
  for (const Json& request : *requests) {
    if (absl::StrContains(request["path"].get<std::string>(), "chat/completions")) chat = request;
  }
  ASSERT_FALSE(chat.is_null());
  Json body = Json::parse(chat["body"].get<std::string>());
  EXPECT_EQ(body["messages"][0], Json({{"role", "system"}, {"content", "Be brief."}}));
  EXPECT_EQ(body["temperature"], 0.4);
  EXPECT_EQ(body["max_tokens"], 50);
  EXPECT_EQ(body["seed"], 3);
  EXPECT_EQ(body["provider"]["sort"], "price");
  EXPECT_EQ(body["min_p"], 0.1);
  std::string headers = chat["headers"].dump();
  EXPECT_THAT(headers, HasSubstr("https://flowhost.test"));
  EXPECT_THAT(headers, HasSubstr("flowhost e2e"));
}

struct FailureCase {
  const char* name;
  Json behavior;
  const char* error_class;
  const char* message_part;  // OpenRouter's message, kept
};

class OpenRouterFailures : public OpenRouterEndToEnd,
                           public ::testing::WithParamInterface<FailureCase> {};

TEST_P(OpenRouterFailures, AreClassifiedWithOpenRoutersMessage) {
  const FailureCase& c = GetParam();
  Script(kCheapModel, c.behavior);
  ExecutionRecord record = Ask("trouble");
  ASSERT_FALSE(record.status.ok());
  EXPECT_EQ(sdk::ErrorClassOf(record.status), c.error_class) << record.status;
  EXPECT_THAT(std::string(record.status.message()), HasSubstr(c.message_part));
  ASSERT_EQ(record.nodes[0].calls.size(), 1u);
  EXPECT_EQ(record.nodes[0].calls[0].error_class, c.error_class);
  EXPECT_EQ(record.nodes[0].calls[0].outcome, "error");
}

INSTANTIATE_TEST_SUITE_P(
    EveryScriptedFailure, OpenRouterFailures,
    ::testing::Values(
        FailureCase{"rate_limited", {{"status", 429}}, "rate_limited", "429"},
        FailureCase{"credits", {{"status", 402}}, "insufficient_credits", "402"},
        FailureCase{"moderation", {{"status", 403}}, "moderation", "flagged for"},
        FailureCase{"guardrail403",
                    {{"status", 403}, {"forbidden", "guardrail"}},
                    "moderation",
                    "Request blocked"},
        FailureCase{"budget403",
                    {{"status", 403}, {"forbidden", "budget"}},
                    "insufficient_credits",
                    "Budget limit exceeded"},
        FailureCase{"data_policy403",
                    {{"status", 403}, {"forbidden", "data_policy"}},
                    "forbidden",
                    "data policy"},
        FailureCase{"key403", {{"status", 403}, {"forbidden", "key"}}, "auth", "disabled"},
        FailureCase{"timeout408", {{"status", 408}}, "timeout", "408"},
        FailureCase{"server500", {{"status", 500}}, "upstream", "500"},
        FailureCase{"provider502", {{"status", 502}}, "upstream", "provider"},
        FailureCase{"noprovider503", {{"status", 503}}, "upstream", "503"},
        FailureCase{"malformed", {{"malformed", true}}, "malformed_response", "malformed"},
        FailureCase{"reset", {{"reset_after_bytes", 10}}, "network", "OpenRouter chat completion"},
        FailureCase{"oversized",
                    {{"oversized_bytes", 9 << 20}},
                    "response_too_large",
                    "OpenRouter chat completion"}),
    [](const ::testing::TestParamInfo<FailureCase>& info) { return info.param.name; });

TEST_F(OpenRouterEndToEnd, HonoursTheRetryAfterOfA429) {
  Script(kCheapModel, {{"status", 429}, {"retry_after", "7"}});
  ExecutionRecord record = Ask("busy?");
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "rate_limited");
  EXPECT_EQ(sdk::RetryAfterOf(record.status), absl::Seconds(7));
}

TEST_F(OpenRouterEndToEnd, ClassifiesAWrongKeyAsAuth) {
  E2eHost::Options options;
  options.credential_key = "sk-or-v1-wrong-key";
  absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create(options);
  ASSERT_TRUE(host.ok());
  absl::StatusOr<workflow::WorkflowPtr> workflow = (*host)->Load(AskWorkflow(kCheapModel));
  ASSERT_TRUE(workflow.ok());
  absl::StatusOr<ExecutionRecord> record = (*host)->Run(*workflow, {{"question", "q"}});
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "auth");
  EXPECT_THAT(std::string(record->status.message()), HasSubstr("User not found."));
  EXPECT_THAT(std::string(record->status.message()), Not(HasSubstr("sk-or-v1-wrong-key")));
}

TEST_F(OpenRouterEndToEnd, ClassifiesABadRequestAnUnknownModelAndAnOverlongRequest) {
  Script(kCheapModel, {{"status", 400}, {"message", "temperature must be at most 2"}});
  ExecutionRecord bad = Ask("q");
  EXPECT_EQ(sdk::ErrorClassOf(bad.status), "bad_request") << bad.status;
  EXPECT_THAT(std::string(bad.status.message()), HasSubstr("temperature must be at most 2"));
  ExecutionRecord unknown = Ask("q", "nobody/no-such-model");
  EXPECT_EQ(sdk::ErrorClassOf(unknown.status), "not_found") << unknown.status;
  EXPECT_THAT(std::string(unknown.status.message()), HasSubstr("is not a valid model ID"));
  ExecutionRecord too_long = Ask("q", kCheapModel, nullptr, R"(
      max_tokens: 100000000
)");
  EXPECT_EQ(sdk::ErrorClassOf(too_long.status), "context_length") << too_long.status;
  EXPECT_THAT(std::string(too_long.status.message()), HasSubstr("maximum context length"));
}

TEST_F(OpenRouterEndToEnd, ClassifiesMidStreamErrorsWithStringAndNumericCodes) {
  auto tokens = std::make_shared<TokenCollector>();
  Script(kCheapModel, {{"stream_error_after_chunks", 1}});
  ExecutionRecord record = Ask("stream please", kCheapModel, tokens);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "upstream") << record.status;
  EXPECT_THAT(std::string(record.status.message()), HasSubstr("mid-stream"));
  EXPECT_EQ(tokens->Deltas("chat").size(), 1u);  // the chunk before the error still went out

  Script(kCheapModel, {{"stream_error_after_chunks", 2}, {"stream_error_code", 429}});
  record = Ask("stream please", kCheapModel, tokens);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "rate_limited") << record.status;
}

TEST_F(OpenRouterEndToEnd, TimesOutOnTheNodesTimeoutAndAbortsTheUpstreamCall) {
  Script(kCheapModel, {{"hang", true}});
  workflow::WorkflowPtr workflow = Load(AskWorkflow(kCheapModel, "", "    timeout: 300ms\n"));
  absl::StatusOr<ExecutionRecord> record = host_->Run(workflow, {{"question", "hello?"}});
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "timeout") << record->status;
  EXPECT_EQ(record->status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(
      host_->fake().WaitForStats([](const Json& s) { return s["requests_aborted"] == 1; }).ok());
}

TEST_F(OpenRouterEndToEnd, CancellingTheExecutionCancelsTheUpstreamCall) {
  Script(kCheapModel, {{"hang", true}});
  workflow::WorkflowPtr workflow = Load(AskWorkflow(kCheapModel));
  auto running = host_->Start(workflow, {{"question", "hello?"}});
  ASSERT_TRUE(host_->fake().WaitForStats([](const Json& s) { return s["in_flight"] == 1; }).ok());
  running->handle->Cancel(absl::CancelledError("the caller went away"));
  absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*running);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(sdk::ErrorClassOf(record->status), "cancelled");
  EXPECT_TRUE(
      host_->fake().WaitForStats([](const Json& s) { return s["requests_aborted"] == 1; }).ok());
}

TEST_F(OpenRouterEndToEnd, StreamsDeltasInOrderAndTheFinalUsage) {
  auto tokens = std::make_shared<TokenCollector>();
  Script(kCheapModel, {{"chunks", 6}});
  ExecutionRecord record = Ask("Tell me a story about a lighthouse", kCheapModel, tokens);
  ASSERT_TRUE(record.status.ok()) << record.status;
  std::vector<std::string> deltas = tokens->Deltas("chat");
  EXPECT_EQ(deltas.size(), 6u);
  const Json& item = record.output[0];
  EXPECT_EQ(absl::StrJoin(deltas, ""), item["content"].get<std::string>());
  EXPECT_EQ(item["content"], "Fake answer to: Tell me a story about a lighthouse");
  EXPECT_GT(item["usage"]["completion_tokens"].get<int>(), 0);
  EXPECT_GT(item["cost_usd"].get<double>(), 0);
  EXPECT_EQ(record.nodes[0].completion_tokens, item["usage"]["completion_tokens"].get<int64_t>());
  absl::StatusOr<Json> requests = host_->fake().Requests(1);
  ASSERT_TRUE(requests.ok());
  EXPECT_EQ(Json::parse((*requests)[0]["body"].get<std::string>())["stream"], true);
}

TEST_F(OpenRouterEndToEnd, TheKeyAppearsOnlyInTheAuthorizationHeader) {
  const std::string key = host_->credential_key();
  std::vector<ExecutionRecord> records;
  records.push_back(Ask("fine"));
  Script(kCheapModel, {{"status", 429}});
  records.push_back(Ask("limited"));
  Script(kCheapModel, {{"status", 403}});
  records.push_back(Ask("flagged"));
  records.push_back(Ask("unknown", "nobody/no-such-model"));
  auto tokens = std::make_shared<TokenCollector>();
  records.push_back(Ask("streamed", kCheapModel, tokens));

  std::string seen;
  for (const ExecutionRecord& record : records) {
    seen += record.ToJson().dump();
    seen += record.status.ToString();
    seen += Json(record.output).dump();
  }
  for (const Json& line : host_->logger().lines()) seen += line.dump();
  for (const std::string& delta : tokens->Deltas("chat")) seen += delta;
  EXPECT_THAT(seen, Not(HasSubstr(key)));
  EXPECT_THAT(seen, HasSubstr("429"));  // the failures are there, only the key is not

  absl::StatusOr<Json> requests = host_->fake().Requests(100);
  ASSERT_TRUE(requests.ok());
  int chat_requests = 0;
  for (const Json& request : *requests) {
    if (!absl::StrContains(request["path"].get<std::string>(), "/chat/completions")) continue;
    ++chat_requests;
    EXPECT_THAT(request["body"].get<std::string>(), Not(HasSubstr(key)));
    for (const auto& [name, value] : request["headers"].items()) {
      std::string text = value.is_string() ? value.get<std::string>() : value.dump();
      if (absl::EqualsIgnoreCase(name, "authorization")) {
        EXPECT_EQ(text, "Bearer " + key);
      } else {
        EXPECT_THAT(text, Not(HasSubstr(key))) << name;
      }
    }
  }
  EXPECT_EQ(chat_requests, 5);
}

std::string ModelsWorkflow(const std::string& params) {
  return absl::StrCat(R"(
name: models
nodes:
  - name: models
    type: openrouter.models
    params: )",
                      params, "\n");
}

TEST_F(OpenRouterEndToEnd, FreeReturnsExactlyTheFreeModelsOfTheCatalogueFile) {
  std::set<std::string> expected;
  const Json catalogue = CatalogueFile();
  for (const Json& model : catalogue["data"]) {
    const std::string id = model["id"];
    bool zero = std::stod(model["pricing"]["prompt"].get<std::string>()) == 0 &&
                std::stod(model["pricing"]["completion"].get<std::string>()) == 0;
    if (absl::EndsWith(id, ":free") || zero) expected.insert(id);
  }
  ASSERT_FALSE(expected.empty());
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(Load(ModelsWorkflow("{free: true, sort: context_length}")));
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(record->status.ok()) << record->status;
  std::set<std::string> listed;
  int64_t previous_context = INT64_MAX;
  for (const Json& model : record->output) {
    listed.insert(model["id"].get<std::string>());
    EXPECT_EQ(model["is_free"], true);
    EXPECT_LE(model["context_length"].get<int64_t>(), previous_context);  // longest first
    previous_context = model["context_length"];
  }
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(record->output.size(), expected.size());
}

TEST_F(OpenRouterEndToEnd, ManyConcurrentExecutionsShareOneCatalogueFetch) {
  workflow::WorkflowPtr workflow = Load(ModelsWorkflow("{author: anthropic, limit: 3}"));
  ASSERT_TRUE(host_->fake().ResetStats().ok());
  std::vector<std::shared_ptr<E2eHost::Running>> running;
  for (int i = 0; i < 50; ++i) running.push_back(host_->Start(workflow, Json::object()));
  for (auto& r : running) {
    absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*r);
    ASSERT_TRUE(record.ok());
    ASSERT_TRUE(record->status.ok()) << record->status;
    EXPECT_EQ(record->output.size(), 3u);
    EXPECT_TRUE(absl::StartsWith(record->output[0]["id"].get<std::string>(), "anthropic/"));
  }
  absl::StatusOr<Json> stats = host_->fake().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["models_requests"], 1);
  EXPECT_EQ(host_->openrouter().catalogue_fetches(), 1);
}

TEST_F(OpenRouterEndToEnd, ListedPricesMatchTheCatalogueFile) {
  absl::StatusOr<ExecutionRecord> record =
      host_->Run(Load(ModelsWorkflow("{id: \"anthropic/claude-fable-5\"}")));
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->output.size(), 1u);
  Json pricing = CatalogueEntryOf("anthropic/claude-fable-5")["pricing"];
  EXPECT_NEAR(record->output[0]["prompt_price_per_million"].get<double>(),
              std::stod(pricing["prompt"].get<std::string>()) * 1e6, 1e-9);
  EXPECT_NEAR(record->output[0]["completion_price_per_million"].get<double>(),
              std::stod(pricing["completion"].get<std::string>()) * 1e6, 1e-9);
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
