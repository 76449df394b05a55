// References collected at parse time for the workflow validator.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/expr/expression.h"

namespace flowhost::expr {
namespace {

std::string Describe(const std::vector<Reference>& refs) {
  std::string out;
  for (const Reference& ref : refs) {
    if (ref.kind == Reference::Kind::kField) {
      out += "field:" + ref.node + "." + ref.name + "@" + std::to_string(ref.offset) + " ";
      continue;
    }
    const char* kind = ref.kind == Reference::Kind::kNode    ? "node"
                       : ref.kind == Reference::Kind::kInput ? "input"
                       : ref.kind == Reference::Kind::kVar   ? "var"
                                                             : "env";
    out += std::string(kind) + ":" + ref.name + "@" + std::to_string(ref.offset) + " ";
  }
  return out;
}

std::string ReferencesOf(std::string_view source) {
  auto parsed = Expression::Parse(source, ExpressionLimits());
  if (!parsed.ok()) return std::string(parsed.status().message());
  return Describe((*parsed)->references());
}

TEST(ExpressionReferences, AreCollectedWithKindNameAndOffsetInSourceOrder) {
  EXPECT_EQ(ReferencesOf("$(\"Fetch\").item.title + $node['Other'].first().x"),
            "node:Fetch@0 field:Fetch.title@16 node:Other@24 field:Other.x@47 ");
  EXPECT_EQ(ReferencesOf("$inputs.question + $inputs[\"count\"]"),
            "input:question@0 input:count@19 ");
  EXPECT_EQ(ReferencesOf("$vars.greeting ?? $env.HOME ?? $env['PATH']"),
            "var:greeting@0 env:HOME@18 env:PATH@31 ");
  EXPECT_EQ(ReferencesOf("lower($inputs.q) + [$vars.a, {k: $('N').all()}]"),
            "input:q@6 var:a@20 node:N@33 ");
}

TEST(ExpressionReferences, DynamicAccessProducesNone) {
  EXPECT_EQ(ReferencesOf("$inputs[$json.key]"), "field:.key@14 ");
  EXPECT_EQ(ReferencesOf("$env['HO' + 'ME']"), "");
  EXPECT_EQ(ReferencesOf("$inputs.keys()"), "");
  EXPECT_EQ(ReferencesOf("$json[$vars.k] + $json.keys() + $itemIndex"), "var:k@6 ");
}

TEST(ExpressionReferences, AFieldReadFromAnItemNamesTheFieldAndTheNodeWhoseItemItIs) {
  EXPECT_EQ(ReferencesOf("$json.text"), "field:.text@6 ");
  EXPECT_EQ(ReferencesOf("$json.a.b"), "field:.a@6 ");
  EXPECT_EQ(ReferencesOf("$json['text']"), "field:.text@6 ");
  EXPECT_EQ(ReferencesOf("$input.item.json.text"), "field:.text@17 ");
  EXPECT_EQ(ReferencesOf("$input.first().text"), "field:.text@15 ");
  EXPECT_EQ(ReferencesOf("$input.last().json.text"), "field:.text@19 ");
  EXPECT_EQ(ReferencesOf("$('N').json.text"), "node:N@0 field:N.text@12 ");
  EXPECT_EQ(ReferencesOf("$('N').item.json.text"), "node:N@0 field:N.text@17 ");
  // Lists of items and other values are not items: no field reference.
  EXPECT_EQ(ReferencesOf("$('N').all().length"), "node:N@0 ");
  EXPECT_EQ(ReferencesOf("$input.all()[0].text"), "");
  EXPECT_EQ(ReferencesOf("$execution.id + $vars.v.text"), "var:v@16 ");
}

}  // namespace
}  // namespace flowhost::expr
