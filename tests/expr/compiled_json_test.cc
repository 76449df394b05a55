// CompiledJson: a node's whole parameter tree with every string leaf compiled as a template.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/expr/template.h"
#include "tests/expr/eval_helpers.h"

namespace flowhost::expr::testing {
namespace {

std::unique_ptr<const CompiledJson> CompileTreeOk(
    const Json& value, const CompiledJson::DeferredPredicate& deferred = {}) {
  std::vector<TemplateError> errors;
  auto compiled = CompiledJson::Compile(value, ExpressionLimits(), deferred, errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? ""
                                                 : errors[0].pointer + ": " + errors[0].message);
  return compiled;
}

TEST(CompiledJson, ATreeWithoutExpressionsIsStaticAndEvaluatesToItself) {
  const Json params = Json::parse(R"({"model": "x", "n": 1, "list": ["a", "b"], "flag": true})");
  auto compiled = CompileTreeOk(params);
  ASSERT_NE(compiled, nullptr);
  EXPECT_TRUE(compiled->is_static());
  EXPECT_EQ(compiled->raw(), params);
  EXPECT_FALSE(compiled->IsDynamic(""));
  EXPECT_FALSE(compiled->IsDynamic("/model"));
  auto value = compiled->Evaluate(StandardScope());
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, params);
}

TEST(CompiledJson, EvaluatesEveryTemplateInPlace) {
  const Json params = Json::parse(R"({
      "prompt": "Q: {{ $inputs.question }}",
      "nested": {"a/b": "{{ 1 + 1 }}", "t~": "plain"},
      "arr": [1, "{{ $json.user }}", "\\{{ literal }}"],
      "count": 3})");
  auto compiled = CompileTreeOk(params);
  ASSERT_NE(compiled, nullptr);
  EXPECT_FALSE(compiled->is_static());
  EXPECT_EQ(compiled->raw(), params);
  auto value = compiled->Evaluate(StandardScope());
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(Canonical(*value),
            CanonicalText(R"({"prompt": "Q: why?", "nested": {"a/b": 2, "t~": "plain"},
                              "arr": [1, {"id": 7, "email": "ADA@example.com"}, "{{ literal }}"],
                              "count": 3})"));
}

TEST(CompiledJson, IsDynamicUsesRfc6901PointersAndCoversAncestors) {
  const Json params = Json::parse(R"({
      "prompt": "Q: {{ $inputs.question }}",
      "nested": {"a/b": "{{ 1 + 1 }}", "t~": "plain", "x~y": "{{ 2 }}"},
      "arr": [1, "{{ $json.n }}"],
      "pro": "static",
      "pro!": "static"})");
  auto compiled = CompileTreeOk(params);
  ASSERT_NE(compiled, nullptr);
  EXPECT_TRUE(compiled->IsDynamic(""));
  EXPECT_TRUE(compiled->IsDynamic("/prompt"));
  EXPECT_TRUE(compiled->IsDynamic("/nested"));
  EXPECT_TRUE(compiled->IsDynamic("/nested/a~1b"));
  EXPECT_TRUE(compiled->IsDynamic("/nested/x~0y"));
  EXPECT_FALSE(compiled->IsDynamic("/nested/t~0"));
  EXPECT_FALSE(compiled->IsDynamic("/nested/a/b"));
  EXPECT_TRUE(compiled->IsDynamic("/arr"));
  EXPECT_TRUE(compiled->IsDynamic("/arr/1"));
  EXPECT_FALSE(compiled->IsDynamic("/arr/0"));
  EXPECT_FALSE(compiled->IsDynamic("/pro"));
  EXPECT_FALSE(compiled->IsDynamic("/pro!"));
  EXPECT_FALSE(compiled->IsDynamic("/missing"));
}

TEST(CompiledJson, DeferredLeavesStayAsTextAndEvaluateOnTheirOwn) {
  const Json params = Json::parse(R"({
      "model": "m", "accept": "{{ $json.score > 0.5 }}", "literal_deferred": "yes"})");
  auto compiled = CompileTreeOk(params, [](const std::string& pointer) {
    return pointer == "/accept" || pointer == "/literal_deferred";
  });
  ASSERT_NE(compiled, nullptr);
  EXPECT_TRUE(compiled->is_static());  // only the deferred leaf has an expression
  EXPECT_TRUE(compiled->IsDynamic("/accept"));
  EXPECT_FALSE(compiled->IsDynamic("/literal_deferred"));
  auto value = compiled->Evaluate(StandardScope());
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ((*value)["accept"], "{{ $json.score > 0.5 }}");

  const Template* accept = compiled->FindDeferred("/accept");
  ASSERT_NE(accept, nullptr);
  EXPECT_EQ(accept->text(), "{{ $json.score > 0.5 }}");
  TestScope scope;
  scope.WithJson(Json{{"score", 0.9}});
  auto accepted = accept->Evaluate(scope);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(*accepted, true);
  ASSERT_NE(compiled->FindDeferred("/literal_deferred"), nullptr);
  EXPECT_EQ(compiled->FindDeferred("/model"), nullptr);
  EXPECT_EQ(compiled->FindDeferred("/acc"), nullptr);
}

TEST(CompiledJson, ADeferredContainerDefersEveryStringInside) {
  const Json params = Json::parse(R"({"routes": [{"accept": "{{ true }}", "model": "a"}],
                                     "prompt": "{{ 'now' }}"})");
  auto compiled = CompileTreeOk(params, [](const std::string& p) { return p == "/routes/0"; });
  ASSERT_NE(compiled, nullptr);
  EXPECT_FALSE(compiled->is_static());
  ASSERT_NE(compiled->FindDeferred("/routes/0/accept"), nullptr);
  auto value = compiled->Evaluate(StandardScope());
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ((*value)["routes"][0]["accept"], "{{ true }}");
  EXPECT_EQ((*value)["prompt"], "now");
}

TEST(CompiledJson, CompileErrorsNameThePointerAndTheOffsetInsideTheString) {
  const Json params = Json::parse(R"({"a": "{{ 1 + }}", "b": ["ok", "x {{ ) }}"], "c/d": "{{ 1"})");
  std::vector<TemplateError> errors;
  EXPECT_EQ(CompiledJson::Compile(params, ExpressionLimits(), {}, errors), nullptr);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].pointer, "/a");
  EXPECT_EQ(errors[0].offset, 7u);
  EXPECT_EQ(errors[1].pointer, "/b/1");
  EXPECT_EQ(errors[1].offset, 5u);
  EXPECT_EQ(errors[2].pointer, "/c~1d");
  EXPECT_EQ(errors[2].offset, 0u);
  EXPECT_NE(errors[2].message.find("unterminated '{{'"), std::string::npos);
}

TEST(CompiledJson, RuntimeErrorsNameTheParameter) {
  auto compiled = CompileTreeOk(Json::parse(R"({"x": {"y": "{{ 1 / 0 }}"}})"));
  ASSERT_NE(compiled, nullptr);
  auto value = compiled->Evaluate(StandardScope());
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(value.status().message(), "in parameter /x/y: at column 6: division by zero");
}

TEST(CompiledJson, CollectsReferencesWithTheirPointers) {
  auto compiled = CompileTreeOk(Json::parse(
      R"({"q": "{{ $inputs.question }}", "list": ["{{ $('Fetch').item.id }} {{ $vars.v }}"]})"));
  ASSERT_NE(compiled, nullptr);
  std::vector<LocatedReference> refs = compiled->references();
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0].pointer, "/list/0");
  EXPECT_EQ(refs[0].reference.name, "Fetch");
  EXPECT_EQ(refs[0].reference.offset, 3u);
  EXPECT_EQ(refs[1].pointer, "/list/0");
  EXPECT_EQ(refs[1].reference.kind, Reference::Kind::kField);
  EXPECT_EQ(refs[1].reference.name, "id");
  EXPECT_EQ(refs[2].pointer, "/list/0");
  EXPECT_EQ(refs[2].reference.kind, Reference::Kind::kVar);
  EXPECT_EQ(refs[3].pointer, "/q");
  EXPECT_EQ(refs[3].reference.kind, Reference::Kind::kInput);
}

}  // namespace
}  // namespace flowhost::expr::testing
