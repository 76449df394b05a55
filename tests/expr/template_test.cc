// Templates: `{{ }}` inside strings, type keeping, concatenation, escapes and errors with offsets.
#include "server/expr/template.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/expr/eval_helpers.h"

namespace flowhost::expr::testing {
namespace {

std::unique_ptr<const Template> CompileOk(std::string_view text,
                                          const ExpressionLimits& limits = ExpressionLimits()) {
  std::vector<TemplateError> errors;
  auto compiled = Template::Compile(text, limits, "/p", errors);
  EXPECT_TRUE(errors.empty()) << text << ": " << (errors.empty() ? "" : errors[0].message);
  return compiled;
}

std::string EvalText(std::string_view text) {
  auto compiled = CompileOk(text);
  if (compiled == nullptr) return "<compile error>";
  auto value = compiled->Evaluate(StandardScope());
  if (!value.ok()) return "<error: " + std::string(value.status().message()) + ">";
  return Canonical(*value);
}

TEST(Template, AWholeStringExpressionKeepsItsJsonType) {
  EXPECT_EQ(EvalText("{{ 1 + 1 }}"), "2");
  EXPECT_EQ(EvalText("{{1.5}}"), "1.5");
  EXPECT_EQ(EvalText("  {{ $json.user }}\n"), R"({"email":"ADA@example.com","id":7})");
  EXPECT_EQ(EvalText("{{ $json.nil }}"), "null");
  EXPECT_EQ(EvalText("{{ [1, 'a'] }}"), R"([1,"a"])");
  EXPECT_EQ(EvalText("{{ true }}"), "true");
}

TEST(Template, MixedTextConcatenatesStringifiedParts) {
  EXPECT_EQ(EvalText("Hello {{ $json.user.id }}!"), R"("Hello 7!")");
  EXPECT_EQ(EvalText("{{ 'a' }}{{ 'b' }}"), R"("ab")");
  EXPECT_EQ(EvalText("x{{ null }}y"), R"("xy")");
  EXPECT_EQ(EvalText("{{ [1,2] }} items"), R"("[1,2] items")");
  EXPECT_EQ(EvalText("{{ {a: 'b'} }}"), R"({"a":"b"})");
  EXPECT_EQ(EvalText("obj={{ {a: 'b'} }}"), R"("obj={\"a\":\"b\"}")");
  EXPECT_EQ(EvalText("{{ 1.5 * 2 }} pts"), R"("3 pts")");
  EXPECT_EQ(EvalText("Q: {{ $inputs.question }} ({{ $itemIndex }})"), R"j("Q: why? (1)")j");
}

TEST(Template, TextWithoutExpressionsIsLiteral) {
  auto compiled = CompileOk("just text, with } and { and }}");
  ASSERT_NE(compiled, nullptr);
  EXPECT_TRUE(compiled->is_literal());
  EXPECT_EQ(compiled->text(), "just text, with } and { and }}");
  EXPECT_EQ(EvalText("just text, with } and { and }}"), R"("just text, with } and { and }}")");
  EXPECT_EQ(EvalText(""), R"("")");
  EXPECT_FALSE(CompileOk("{{ 1 }}")->is_literal());
}

TEST(Template, BackslashEscapesAnOpeningBrace) {
  EXPECT_EQ(EvalText("\\{{ not an expression }}"), R"("{{ not an expression }}")");
  EXPECT_TRUE(CompileOk("\\{{ x }}")->is_literal());
  EXPECT_EQ(EvalText("a \\{{ b }} {{ 1 }}"), R"("a {{ b }} 1")");
  EXPECT_EQ(EvalText("C:\\dir {{ 2 }}"), R"("C:\\dir 2")");
}

TEST(Template, BracesInsideStringsAndObjectsDoNotEndTheExpression) {
  EXPECT_EQ(EvalText("{{ '}}' }}"), R"("}}")");
  EXPECT_EQ(EvalText("{{ \"a}}b\" + '{{' }}"), R"("a}}b{{")");
  EXPECT_EQ(EvalText("{{ {a: {b: 1}} }}"), R"({"a":{"b":1}})");
  EXPECT_EQ(EvalText("{{ {a: {b: 1}}.a.b }}"), "1");
  EXPECT_EQ(EvalText("{{ 'x' }}}"), R"("x}")");
}

struct TemplateErrorCase {
  const char* text;
  size_t offset;
  const char* message;
};

TEST(Template, CompileErrorsPointIntoTheExpression) {
  const std::vector<TemplateErrorCase> cases = {
      {"ab {{ 1", 3, "unterminated '{{' (no matching '}}')"},
      {"{{ 'abc }}", 3, "unterminated string"},
      {"{{ }}", 3, "empty expression"},
      {"x {{ 1 + }}", 9, "unexpected end of expression"},
      {"{{ 1 }} and {{ lenght(1) }}", 15, "unknown function 'lenght' (did you mean 'length'?)"},
      {"{{ a } }}", 3, "unknown name 'a'"},
      {"{{ 1 } }}", 5, "unexpected '}'"},
  };
  for (const TemplateErrorCase& c : cases) {
    SCOPED_TRACE(c.text);
    std::vector<TemplateError> errors;
    auto compiled = Template::Compile(c.text, ExpressionLimits(), "/prompt", errors);
    EXPECT_EQ(compiled, nullptr);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].pointer, "/prompt");
    EXPECT_EQ(errors[0].offset, c.offset) << errors[0].message;
    EXPECT_NE(errors[0].message.find(c.message), std::string::npos) << errors[0].message;
  }
}

TEST(Template, ReportsEveryBrokenExpressionInTheText) {
  std::vector<TemplateError> errors;
  EXPECT_EQ(Template::Compile("{{ ) }} ok {{ ( }}", ExpressionLimits(), "/x", errors), nullptr);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].offset, 3u);
  EXPECT_EQ(errors[1].offset, 16u);
}

TEST(Template, RuntimeErrorsCountColumnsFromTheStartOfTheText) {
  auto compiled = CompileOk("Total: {{ 'a' * 2 }}");
  ASSERT_NE(compiled, nullptr);
  auto value = compiled->Evaluate(StandardScope());
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(value.status().message(), "at column 15: cannot multiply string by number");
}

TEST(Template, ReferencesAreOffsetFromTheStartOfTheText) {
  auto compiled = CompileOk("Q: {{ $inputs.question }} by {{ $('Fetch').first().id }}");
  ASSERT_NE(compiled, nullptr);
  const auto& refs = compiled->references();
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0].kind, Reference::Kind::kInput);
  EXPECT_EQ(refs[0].name, "question");
  EXPECT_EQ(refs[0].offset, 6u);
  EXPECT_EQ(refs[1].kind, Reference::Kind::kNode);
  EXPECT_EQ(refs[1].name, "Fetch");
  EXPECT_EQ(refs[1].offset, 32u);
  EXPECT_EQ(refs[2].kind, Reference::Kind::kField);
  EXPECT_EQ(refs[2].node, "Fetch");
  EXPECT_EQ(refs[2].name, "id");
  EXPECT_EQ(refs[2].offset, 51u);
}

TEST(Template, ConcatenatedTextIsBoundedByTheValueLimit) {
  ExpressionLimits limits;
  limits.max_value_bytes = 100;
  auto compiled = CompileOk("{{ repeat('x', 60) }}{{ repeat('y', 60) }}", limits);
  ASSERT_NE(compiled, nullptr);
  auto value = compiled->Evaluate(StandardScope());
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.status().message().find("larger than the limit of 100 bytes"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace flowhost::expr::testing
