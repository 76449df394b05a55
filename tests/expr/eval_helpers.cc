#include "tests/expr/eval_helpers.h"

namespace flowhost::expr::testing {

const TestScope& StandardScope() {
  static const TestScope* const scope = [] {
    auto* s = new TestScope();
    s->WithJson(Json::parse(R"({"name": "  Ada Lovelace ", "n": 3, "f": 2.5,
                                "tags": ["a", "b", "a"], "list": [3, 1, 2],
                                "user": {"id": 7, "email": "ADA@example.com"},
                                "empty": "", "nil": null, "wrapped": {"json": {"inner": true}}})"))
        .WithItemIndex(1)
        .WithInputItems({Json{{"v", 10}}, Json{{"v", 20}}, Json{{"v", 30}}})
        .WithInputs(Json{{"question", "why?"}, {"count", 2}})
        .WithVars(Json{{"greeting", "hello"}})
        .WithExecution(
            Json{{"id", "exec-1"}, {"workflow", "demo"}, {"started_at", "2023-11-14T22:13:20Z"}})
        .WithEnv("HOME", "/home/flow")
        .WithNode("Fetch", {Json{{"id", 1}, {"title", "one"}}, Json{{"id", 2}, {"title", "two"}}})
        .WithNode("Empty", {})
        .WithNode("Wrapped", {Json{{"json", 5}}});
    return s;
  }();
  return *scope;
}

absl::StatusOr<Json> Eval(std::string_view source, const EvalScope& scope,
                          const ExpressionLimits& limits) {
  auto parsed = Expression::Parse(source, limits);
  if (!parsed.ok()) return parsed.status();
  return (*parsed)->Evaluate(scope);
}

std::string Canonical(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string CanonicalText(std::string_view json_text) {
  Json parsed = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return "<bad JSON>";
  return Canonical(parsed);
}

}  // namespace flowhost::expr::testing
