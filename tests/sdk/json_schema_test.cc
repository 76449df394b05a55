#include "flowhost/sdk/json_schema.h"

#include "gtest/gtest.h"

namespace flowhost::sdk {
namespace {

const Json kSchema = Json::parse(R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["model"],
  "properties": {
    "model": {"type": "string", "minLength": 1},
    "temperature": {"type": "number", "minimum": 0, "maximum": 2, "default": 1},
    "max_tokens": {"type": "integer", "minimum": 1},
    "mode": {"type": "string", "enum": ["fast", "slow"], "default": "fast"},
    "stop": {"type": ["string", "array"], "items": {"type": "string"}, "maxItems": 4},
    "routes": {"type": "array", "items": {
      "type": "object", "additionalProperties": false,
      "properties": {"model": {"type": "string"}, "attempts": {"type": "integer", "default": 1}}}}
  }
})");

std::vector<SchemaViolation> Check(const Json& value,
                                   const std::function<bool(const std::string&)>& skip = nullptr) {
  std::vector<SchemaViolation> out;
  ValidateAgainstSchema(value, kSchema, out, skip);
  return out;
}

TEST(JsonSchemaTest, AcceptsAValidValue) {
  EXPECT_TRUE(Check({{"model", "x"}, {"temperature", 0.5}, {"stop", {"a", "b"}}}).empty());
}

TEST(JsonSchemaTest, ReportsEveryViolationWithItsPointer) {
  auto out = Check({{"temperature", "hot"}, {"max_tokens", 2.5}, {"modle", "x"}, {"mode", "medium"}});
  ASSERT_EQ(out.size(), 5u);
  std::map<std::string, std::string> by_pointer;
  for (const auto& v : out) by_pointer[v.pointer] += v.message;
  EXPECT_EQ(by_pointer[""], "missing required parameter 'model'");
  EXPECT_EQ(by_pointer["/temperature"], "expected number, got string \"hot\"");
  EXPECT_EQ(by_pointer["/max_tokens"], "expected integer, got number 2.5");
  EXPECT_EQ(by_pointer["/modle"], "unknown parameter 'modle' (did you mean 'model'?)");
  EXPECT_EQ(by_pointer["/mode"], "must be one of: fast, slow (got \"medium\")");
}

TEST(JsonSchemaTest, ChecksBoundsAndNestedArrays) {
  auto out = Check({{"model", ""},
                    {"temperature", 3},
                    {"stop", {"a", "b", "c", "d", "e"}},
                    {"routes", {{{"model", 1}}, {{"extra", true}}}}});
  std::map<std::string, std::string> by_pointer;
  for (const auto& v : out) by_pointer[v.pointer] = v.message;
  EXPECT_EQ(by_pointer["/model"], "must be at least 1 characters long");
  EXPECT_EQ(by_pointer["/temperature"], "must be at most 2");
  EXPECT_EQ(by_pointer["/stop"], "must have at most 4 item(s)");
  EXPECT_EQ(by_pointer["/routes/0/model"], "expected string, got integer 1");
  EXPECT_EQ(by_pointer["/routes/1/extra"], "unknown parameter 'extra'");
}

TEST(JsonSchemaTest, IntegralFloatCountsAsInteger) {
  EXPECT_TRUE(Check({{"model", "x"}, {"max_tokens", 3.0}}).empty());
}

TEST(JsonSchemaTest, SkipPredicateLeavesDynamicValuesUnchecked) {
  auto out = Check({{"model", "x"}, {"temperature", "{{ $json.t }}"}},
                   [](const std::string& pointer) { return pointer == "/temperature"; });
  EXPECT_TRUE(out.empty());
}

TEST(JsonSchemaTest, FillsDefaultsRecursively) {
  Json filled = ApplySchemaDefaults({{"model", "x"}, {"routes", {{{"model", "a"}}}}}, kSchema);
  EXPECT_EQ(filled["temperature"], 1);
  EXPECT_EQ(filled["mode"], "fast");
  EXPECT_EQ(filled["routes"][0]["attempts"], 1);
  EXPECT_FALSE(filled.contains("max_tokens"));
}

TEST(JsonSchemaTest, CheckSchemaAcceptsTheSubsetAndRejectsTheRest) {
  EXPECT_TRUE(CheckSchema(kSchema).ok());
  EXPECT_FALSE(CheckSchema(Json{{"type", "strin"}}).ok());
  EXPECT_FALSE(CheckSchema(Json{{"oneOf", Json::array()}}).ok());
  EXPECT_FALSE(CheckSchema(Json{{"properties", {{"a", {{"type", 3}}}}}}).ok());
  EXPECT_FALSE(CheckSchema(Json{{"required", "a"}}).ok());
  EXPECT_FALSE(CheckSchema(Json::array()).ok());
}

}  // namespace
}  // namespace flowhost::sdk
