// The parameter schema of openrouter.chat: a valid schema that accepts every request shape of
// OpenRouter's reference and refuses what is not valid there.
#include <string>
#include <vector>

#include "flowhost/sdk/json_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nodes/openrouter/chat_node.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;
using ::testing::HasSubstr;

TEST(ChatSchema, IsAValidParameterSchemaThatAcceptsAFullConfiguration) {
  Json schema = ChatNodeSchema();
  ASSERT_TRUE(sdk::CheckSchema(schema).ok()) << sdk::CheckSchema(schema);
  Json params = Json::parse(R"({"model": "a/b", "prompt": "p", "messages": [{"role": "user",
      "content": "x"}], "stop": "END", "response_format": {"type": "json_object"}})");
  std::vector<sdk::SchemaViolation> violations;
  sdk::ValidateAgainstSchema(params, schema, violations);
  EXPECT_TRUE(violations.empty()) << violations[0].pointer << " " << violations[0].message;
  sdk::ValidateAgainstSchema(Json{{"modle", "x"}}, schema, violations);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_THAT(violations[0].message, HasSubstr("did you mean 'model'"));
}

std::vector<sdk::SchemaViolation> Violations(const Json& params) {
  std::vector<sdk::SchemaViolation> violations;
  sdk::ValidateAgainstSchema(params, ChatNodeSchema(), violations);
  return violations;
}

std::string Show(const std::vector<sdk::SchemaViolation>& violations) {
  std::string text;
  for (const auto& v : violations) text += v.pointer + ": " + v.message + "\n";
  return text;
}

// Requests that OpenRouter's chat-completions reference accepts, each of which the schema used to
// refuse (issue 12, defect 10).
TEST(ChatSchema, AcceptsEveryValidRequestShapeOfOpenRoutersReference) {
  const char* valid[] = {
      // provider.sort as an object, and the newer provider fields.
      R"({"provider": {"sort": {"by": "throughput", "partition": "none"}}})",
      R"({"provider": {"sort": {"by": "price"}}})",
      R"({"provider": {"sort": "latency", "zdr": true, "enforce_distillable_text": false,
                       "preferred_min_throughput": {"p90": 50}, "preferred_max_latency": 3,
                       "max_price": {"prompt": "1.5", "completion": 2, "audio": 1},
                       "quantizations": ["fp8", "bf16"], "order": null}})",
      R"({"provider": null})",
      // Every reasoning effort, and reasoning's other settings.
      R"({"reasoning": {"effort": "xhigh"}})",
      R"({"reasoning": {"effort": "high"}})",
      R"({"reasoning": {"effort": "medium"}})",
      R"({"reasoning": {"effort": "low"}})",
      R"({"reasoning": {"effort": "minimal"}})",
      R"({"reasoning": {"effort": "none"}})",
      R"({"reasoning": {"max_tokens": 2000, "exclude": true, "summary": "concise"}})",
      // A multi-turn tool call with a reasoning model: the assistant turn passed back whole.
      R"({"messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": null, "reasoning": "I should call the tool.",
             "reasoning_details": [{"type": "reasoning.encrypted", "data": "abc", "id": "r1",
                                    "format": "anthropic-claude-v1", "index": 0}],
             "tool_calls": [{"id": "c1", "type": "function",
                             "function": {"name": "w", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"}]})",
      R"({"messages": [{"role": "assistant", "content": "x", "refusal": null, "images": [],
                        "audio": null}]})",
      // Structured output in every form.
      R"({"response_format": {"type": "text"}})",
      R"({"response_format": {"type": "grammar", "grammar": "root ::= \"yes\""}})",
      R"({"response_format": {"type": "python"}})",
      // Top-level parameters of the reference beyond the classic sampling ones.
      R"({"max_completion_tokens": 100, "parallel_tool_calls": false, "logprobs": true,
          "top_logprobs": 5, "logit_bias": {"50256": -100}, "repetition_penalty": 1.1,
          "min_p": 0.05, "top_a": 0.1, "structured_outputs": true, "verbosity": "low",
          "plugins": [{"id": "web", "max_results": 3}], "transforms": ["middle-out"],
          "modalities": ["text", "image"], "prediction": {"type": "content", "content": "x"},
          "metadata": {"k": "v"}, "session_id": "s-1", "trace": {"trace_id": "t"},
          "service_tier": "flex", "cache_control": {"type": "ephemeral"},
          "usage": {"include": true}, "stream_options": {"include_usage": true},
          "image_config": {"aspect_ratio": "16:9"}, "web_search_options": {},
          "include_reasoning": true, "debug": {"echo_upstream_body": true}})",
      // null means "not set" to OpenRouter, as to the node.
      R"({"temperature": null, "top_p": null, "seed": null, "stop": null, "max_tokens": null})",
  };
  for (const char* text : valid) {
    Json params = Json::parse(text);
    params["model"] = "a/b";
    if (!params.contains("messages")) params["prompt"] = "p";
    EXPECT_EQ(Show(Violations(params)), "") << text;
  }
}

TEST(ChatSchema, StillRefusesWhatIsNotValidThere) {
  struct Case {
    const char* params;
    const char* pointer;
    const char* says;
  };
  const Case cases[] = {
      {R"({"reasoning": {"effort": "extreme"}})", "/reasoning/effort", "must be one of"},
      {R"({"provider": {"sort": {"by": "cheapest"}}})", "/provider/sort/by", "must be one of"},
      {R"({"provider": {"sort": {"by": "price", "partion": "none"}}})", "/provider/sort/partion",
       "did you mean 'partition'"},
      {R"({"provider": {"sort": 3}})", "/provider/sort", "expected string or object or null"},
      {R"({"messages": [{"role": "assistant", "reasoning_detail": []}]})",
       "/messages/0/reasoning_detail", "did you mean 'reasoning_details'"},
      {R"({"temprature": 0.5})", "/temprature", "did you mean 'temperature'"},
      {R"({"top_logprobs": 21})", "/top_logprobs", "at most 20"},
      {R"({"response_format": {"type": "yaml"}})", "/response_format/type", "must be one of"},
  };
  for (const Case& c : cases) {
    Json params = Json::parse(c.params);
    params["model"] = "a/b";
    params["prompt"] = "p";
    std::vector<sdk::SchemaViolation> violations = Violations(params);
    ASSERT_EQ(violations.size(), 1u) << c.params << "\n" << Show(violations);
    EXPECT_EQ(violations[0].pointer, c.pointer) << c.params;
    EXPECT_THAT(violations[0].message, HasSubstr(c.says)) << c.params;
  }
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
