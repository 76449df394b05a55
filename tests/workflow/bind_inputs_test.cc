// BindInputs: an execution's inputs against the workflow's declarations.
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/workflow/loader.h"
#include "tests/workflow/test_nodes.h"

namespace flowhost::workflow {
namespace {

using ::testing::HasSubstr;

class BindInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadResult result = LoadWorkflow("inputs.yaml", R"(name: inputs
inputs:
  question: {type: string, required: true}
  count: {type: integer, default: 2}
  ratio: {type: number}
  strict: {type: boolean, default: false}
  options: {type: object, default: {depth: 1}}
  tags: {type: array}
nodes:
  - name: a
    type: test.echo
    params:
      message: "{{ $inputs.question }}{{ $inputs.count }}{{ $inputs.ratio }}{{ $inputs.strict }}"
      tags: ["{{ $inputs.options }}", "{{ $inputs.tags }}"]
)",
                                     testing::TestRegistry());
    ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
    workflow_ = result.workflow;
  }

  absl::StatusOr<Json> Bind(const Json& inputs) { return BindInputs(*workflow_, inputs); }

  WorkflowPtr workflow_;
};

TEST_F(BindInputsTest, AppliesDefaultsAndLeavesOptionalInputsWithoutOneAbsent) {
  absl::StatusOr<Json> bound = Bind({{"question", "why?"}});
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(*bound, Json::parse(R"({"question": "why?", "count": 2, "strict": false,
                                    "options": {"depth": 1}})"));
}

TEST_F(BindInputsTest, KeepsGivenValuesOverDefaults) {
  absl::StatusOr<Json> bound = Bind(Json::parse(
      R"({"question": "q", "count": 7, "ratio": 1, "strict": true, "options": {}, "tags": [1]})"));
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ((*bound)["count"], 7);
  EXPECT_EQ((*bound)["ratio"], 1);
  EXPECT_EQ((*bound)["strict"], true);
  EXPECT_EQ((*bound)["options"], Json::object());
  EXPECT_EQ((*bound)["tags"], Json::array({1}));
}

TEST_F(BindInputsTest, AcceptsAWholeFloatAsAnIntegerAndStoresItAsOne) {
  absl::StatusOr<Json> bound = Bind({{"question", "q"}, {"count", 3.0}});
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_TRUE((*bound)["count"].is_number_integer());
  EXPECT_EQ((*bound)["count"], 3);
}

TEST_F(BindInputsTest, RejectsAFractionForAnInteger) {
  absl::StatusOr<Json> bound = Bind({{"question", "q"}, {"count", 3.5}});
  ASSERT_EQ(bound.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bound.status().message(),
              HasSubstr("input 'count': expected integer, got number 3.5"));
}

TEST_F(BindInputsTest, RefusesNaNAndInfinityAsANumberAndAnywhereInsideAnInput) {
  // A protobuf Struct carries them; JSON has neither, so `$inputs` would see null.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Bind({{"question", "q"}, {"ratio", nan}}).status().message(),
            "workflow 'inputs': input 'ratio': NaN is not a finite number (JSON has no NaN or "
            "Infinity)");
  EXPECT_EQ(Bind({{"question", "q"}, {"ratio", -inf}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Bind({{"question", "q"}, {"ratio", -inf}}).status().message(),
              HasSubstr("input 'ratio': -Infinity is not a finite number"));
  // Inside an object or an array, the message says where.
  Json options = {{"depth", 1}, {"limits", {{"low", 0}, {"high", Json::array({1, inf})}}}};
  EXPECT_THAT(
      Bind({{"question", "q"}, {"options", options}, {"tags", {"a", nan}}}).status().message(),
      HasSubstr("input 'options': Infinity at /limits/high/1 is not a finite number (JSON "
                "has no NaN or Infinity); input 'tags': NaN at /1 is not a finite number"));
  // Finite floats are numbers as before.
  absl::StatusOr<Json> bound = Bind({{"question", "q"}, {"ratio", 0.25}});
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ((*bound)["ratio"], 0.25);
}

TEST_F(BindInputsTest, TreatsAnExplicitNullAsNotGiven) {
  absl::StatusOr<Json> bound = Bind({{"question", "q"}, {"count", nullptr}});
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ((*bound)["count"], 2);
  EXPECT_EQ(Bind({{"question", nullptr}}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BindInputsTest, ListsEveryProblemInOneError) {
  absl::StatusOr<Json> bound =
      Bind(Json::parse(R"({"count": "ten", "strict": 1, "tags": {}, "colour": "red"})"));
  ASSERT_EQ(bound.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bound.status().message(),
            "workflow 'inputs': missing required input 'question'; input 'count': expected "
            "integer, got string \"ten\"; input 'strict': expected boolean, got integer 1; input "
            "'tags': expected array, got object; undeclared input 'colour'");
}

TEST_F(BindInputsTest, SuggestsTheDeclaredNameForAMisspeltInput) {
  absl::StatusOr<Json> bound = Bind({{"question", "q"}, {"cuont", 1}});
  EXPECT_THAT(bound.status().message(),
              HasSubstr("undeclared input 'cuont' (did you mean 'count'?)"));
}

TEST_F(BindInputsTest, TreatsNullAsNoInputsAndRejectsNonObjects) {
  EXPECT_THAT(Bind(nullptr).status().message(), HasSubstr("missing required input 'question'"));
  absl::StatusOr<Json> bound = Bind(Json::array({1}));
  ASSERT_EQ(bound.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bound.status().message(), HasSubstr("inputs must be a JSON object, got array"));
}

TEST(BindInputs, NamesTheWorkflowThatDeclaresNoInputs) {
  LoadResult result = LoadWorkflow(
      "none.yaml", "name: none\nnodes: [{name: a, type: test.echo, params: {message: a}}]\n",
      testing::TestRegistry());
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(BindInputs(*result.workflow, Json::object()).ok());
  EXPECT_EQ(BindInputs(*result.workflow, {{"x", 1}}).status().message(),
            "workflow 'none': undeclared input 'x' (the workflow declares no inputs)");
}

}  // namespace
}  // namespace flowhost::workflow
