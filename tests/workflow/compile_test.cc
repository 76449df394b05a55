// What a successfully loaded workflow holds: nodes and ports, the wiring tables, start nodes,
// output, topological order, attached nodes, settings, parameters with defaults and expressions.
#include <algorithm>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/workflow/loader.h"
#include "tests/workflow/test_nodes.h"
#include "tests/source_dir.h"

namespace flowhost::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kWorkflow[] = R"yaml(name: ask-with-fallback
description: Ask, route by the answer, and merge the branches.
inputs:
  question: {type: string, required: true, description: The question to ask}
  temperature: {type: number, default: 0.2}
  rounds: {type: integer, default: 1}
vars: {answer_style: terse}
x-retry: &retry {attempts: 3, initial_backoff: 250ms, max_backoff: 1m30s, multiplier: 2, jitter: 0.1}
nodes:
  - name: classify
    type: test.router
    params:
      prompt: "{{ $inputs.question }} ({{ $vars.answer_style }})"
      fallback: rescue
      accept: "{{ $json.ok }}"
    retry: *retry
    timeout: 30s
    on_error: error_output
    next: {main: route, error: report}
  - name: route
    type: test.switch
    params:
      rules: [{name: urgent, when: "{{ $json.urgent }}"}, {name: normal}]
    next: {urgent: escalate, 1: [answer, log]}
  - name: escalate
    type: test.echo
    params: {message: "Escalating {{ $('classify').first().text }}", count: "{{ $inputs.rounds }}"}
    retry: {<<: *retry, attempts: 5}
    timeout: 1.5d
    next: combine:right
  - name: answer
    type: test.echo
    params: {message: "{{ $('route').first().text }}", options: {prefix: "> "}}
    timeout: 100us
    next: combine:left
  - name: log
    type: test.echo
    params: {message: "logged {{ $json.text }}"}
    disabled: true
    on_error: continue
  - name: combine
    type: test.merge
    next: done
  - name: done
    type: test.echo
    params: {message: "{{ $('combine').first() }}"}
  - name: report
    type: test.echo
    params: {message: "failed: {{ $json.error.message }}"}
  - name: rescue
    type: test.echo
    params: {message: "rescued {{ $inputs.question }}"}
output: [done, report]
)yaml";

class CompiledWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    result_ = LoadWorkflow("ask.yaml", kWorkflow, testing::TestRegistry());
    ASSERT_TRUE(result_.ok()) << FormatDiagnostics(result_.diagnostics);
    workflow_ = result_.workflow.get();
  }

  int Index(std::string_view name) const {
    const CompiledNode* node = workflow_->FindNode(name);
    return node == nullptr ? -1 : static_cast<int>(node - workflow_->nodes.data());
  }
  const CompiledNode& Node(std::string_view name) const { return *workflow_->FindNode(name); }
  PortRef Port(std::string_view name, int port) const { return {Index(name), port}; }

  static std::vector<std::string> Names(const std::vector<sdk::PortInfo>& ports) {
    std::vector<std::string> names;
    for (const sdk::PortInfo& port : ports) names.push_back(port.name);
    return names;
  }

  LoadResult result_;
  const CompiledWorkflow* workflow_ = nullptr;
};

TEST_F(CompiledWorkflowTest, LoadsWithoutAnyDiagnostic) {
  EXPECT_THAT(result_.diagnostics, IsEmpty());
}

TEST_F(CompiledWorkflowTest, KeepsTheHeaderInputsAndVars) {
  EXPECT_EQ(workflow_->name, "ask-with-fallback");
  EXPECT_EQ(workflow_->description, "Ask, route by the answer, and merge the branches.");
  ASSERT_EQ(workflow_->inputs.size(), 3u);
  EXPECT_EQ(workflow_->inputs[0].name, "question");  // file order, not alphabetical
  EXPECT_EQ(workflow_->inputs[0].type, InputSpec::Type::kString);
  EXPECT_TRUE(workflow_->inputs[0].required);
  EXPECT_EQ(workflow_->inputs[0].description, "The question to ask");
  EXPECT_EQ(workflow_->inputs[1].name, "temperature");
  EXPECT_EQ(workflow_->inputs[1].type, InputSpec::Type::kNumber);
  EXPECT_EQ(workflow_->inputs[1].default_value, Json(0.2));
  EXPECT_EQ(workflow_->inputs[2].name, "rounds");
  EXPECT_EQ(workflow_->inputs[2].type, InputSpec::Type::kInteger);
  EXPECT_EQ(workflow_->vars, Json({{"answer_style", "terse"}}));
}

TEST_F(CompiledWorkflowTest, KeepsNodesInFileOrderAndFindsThemByName) {
  std::vector<std::string> names;
  for (const CompiledNode& node : workflow_->nodes) names.push_back(node.name);
  EXPECT_THAT(names, ElementsAre("classify", "route", "escalate", "answer", "log", "combine",
                                 "done", "report", "rescue"));
  EXPECT_EQ(workflow_->FindNode("combine"), &workflow_->nodes[5]);
  EXPECT_EQ(workflow_->FindNode("nope"), nullptr);
  EXPECT_EQ(workflow_->node_index.at("rescue"), 8);
  for (const CompiledNode& node : workflow_->nodes) {
    EXPECT_NE(node.node, nullptr) << node.name;
    EXPECT_NE(node.params, nullptr) << node.name;
    EXPECT_NE(node.type, nullptr) << node.name;
  }
  EXPECT_EQ(Node("route").type->info().type, "test.switch");
}

TEST_F(CompiledWorkflowTest, RecordsWhereEachNodeIsWritten) {
  EXPECT_EQ(Node("classify").location.file, "ask.yaml");
  EXPECT_EQ(Node("classify").location.line, 10);
  EXPECT_EQ(Node("classify").location.column, 5);
  EXPECT_EQ(Node("rescue").location.line, 50);
}

TEST_F(CompiledWorkflowTest, GivesAnErrorOutputOnlyUnderErrorOutput) {
  EXPECT_THAT(Names(Node("classify").outputs), ElementsAre("main", "error"));
  EXPECT_THAT(Names(Node("report").outputs), ElementsAre("main"));
  EXPECT_THAT(Names(Node("log").outputs), ElementsAre("main"));  // on_error: continue
}

TEST_F(CompiledWorkflowTest, TakesPortsFromTheNodeWhenTheyDependOnParameters) {
  EXPECT_THAT(Names(Node("route").outputs), ElementsAre("urgent", "normal"));
  EXPECT_THAT(Names(Node("combine").inputs), ElementsAre("left", "right"));
}

TEST_F(CompiledWorkflowTest, FillsTargetsPerOutputAndSourcesPerInput) {
  EXPECT_THAT(Node("classify").targets,
              ElementsAre(ElementsAre(Port("route", 0)), ElementsAre(Port("report", 0))));
  EXPECT_THAT(Node("route").targets, ElementsAre(ElementsAre(Port("escalate", 0)),
                                                 ElementsAre(Port("answer", 0), Port("log", 0))));
  EXPECT_THAT(Node("escalate").targets, ElementsAre(ElementsAre(Port("combine", 1))));
  EXPECT_THAT(Node("combine").sources,
              ElementsAre(ElementsAre(Port("answer", 0)), ElementsAre(Port("escalate", 0))));
  EXPECT_THAT(Node("route").sources, ElementsAre(ElementsAre(Port("classify", 0))));
  EXPECT_THAT(Node("report").sources, ElementsAre(ElementsAre(Port("classify", 1))));
  EXPECT_THAT(Node("done").targets, ElementsAre(IsEmpty()));
  EXPECT_THAT(Node("classify").sources, ElementsAre(IsEmpty()));
}

TEST_F(CompiledWorkflowTest, StartsAtTheFirstNodeAndOutputsTheListedPorts) {
  EXPECT_THAT(workflow_->start_nodes, ElementsAre(Index("classify")));
  EXPECT_THAT(workflow_->output, ElementsAre(Port("done", 0), Port("report", 0)));
}

TEST_F(CompiledWorkflowTest, OrdersNodesTopologicallyInFileOrderAmongEquals) {
  EXPECT_THAT(workflow_->topological_order, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
}

TEST_F(CompiledWorkflowTest, AttachesTheNodeNamedByAnXNodeRefParameter) {
  EXPECT_TRUE(Node("rescue").attached);
  EXPECT_FALSE(Node("classify").attached);
  EXPECT_THAT(Node("rescue").sources, ElementsAre(IsEmpty()));
  EXPECT_EQ(std::count(workflow_->topological_order.begin(), workflow_->topological_order.end(),
                       Index("rescue")),
            0);
}

TEST_F(CompiledWorkflowTest, ReadsSettingsIncludingAnchorsAndMergeKeys) {
  const NodeSettings& classify = Node("classify").settings;
  EXPECT_EQ(classify.retry.max_attempts, 3);
  EXPECT_EQ(classify.retry.initial_backoff, absl::Milliseconds(250));
  EXPECT_EQ(classify.retry.max_backoff, absl::Seconds(90));
  EXPECT_EQ(classify.retry.multiplier, 2.0);
  EXPECT_EQ(classify.retry.jitter, 0.1);
  EXPECT_EQ(classify.timeout, absl::Seconds(30));
  EXPECT_EQ(classify.on_error, OnError::kErrorOutput);
  EXPECT_FALSE(classify.disabled);

  const NodeSettings& escalate = Node("escalate").settings;
  EXPECT_EQ(escalate.retry.max_attempts, 5);  // written next to the merge key: wins
  EXPECT_EQ(escalate.retry.max_backoff, absl::Seconds(90));

  const NodeSettings& log = Node("log").settings;
  EXPECT_TRUE(log.disabled);
  EXPECT_EQ(log.on_error, OnError::kContinue);
  EXPECT_EQ(log.retry.max_attempts, 1);
  EXPECT_FALSE(log.timeout.has_value());
}

TEST_F(CompiledWorkflowTest, ReadsDurationsInTheOneGrammarFromMicrosecondsToDays) {
  EXPECT_EQ(Node("answer").settings.timeout, absl::Microseconds(100));
  EXPECT_EQ(Node("escalate").settings.timeout, absl::Hours(36));
}

TEST_F(CompiledWorkflowTest, AppliesSchemaDefaultsToParameters) {
  EXPECT_EQ(Node("answer").params->raw(),
            Json::parse(R"({"message": "{{ $('route').first().text }}", "count": 1,
                            "options": {"prefix": "> ", "verbose": false}})"));
  EXPECT_EQ(Node("escalate").params->raw()["count"], "{{ $inputs.rounds }}");
}

TEST_F(CompiledWorkflowTest, CompilesExpressionsAndDefersXDeferredParameters) {
  const expr::CompiledJson& params = *Node("classify").params;
  EXPECT_TRUE(params.IsDynamic("/prompt"));
  EXPECT_FALSE(params.IsDynamic("/fallback"));
  EXPECT_NE(params.FindDeferred("/accept"), nullptr);
  EXPECT_EQ(params.FindDeferred("/prompt"), nullptr);
  EXPECT_TRUE(Node("combine").params->is_static());
}

TEST_F(CompiledWorkflowTest, KeepsTheSourceForLaterDisplay) {
  EXPECT_EQ(workflow_->source_path, "ask.yaml");
  EXPECT_EQ(workflow_->source_text, kWorkflow);
  EXPECT_LE(workflow_->loaded_at, absl::Now());
  EXPECT_GT(workflow_->loaded_at, absl::Now() - absl::Minutes(5));
}

LoadResult Load(std::string_view yaml) {
  return LoadWorkflow("test.yaml", yaml, testing::TestRegistry());
}

TEST(Loader, AcceptsSeveralStartNodesIncludingOneWithoutInputs) {
  LoadResult result = Load(R"(name: two-starts
start: [source, echo]
nodes:
  - {name: source, type: test.source, next: "join:right"}
  - {name: echo, type: test.echo, params: {message: hi}, next: "join:left"}
  - {name: join, type: test.merge}
)");
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  EXPECT_THAT(result.workflow->start_nodes, ElementsAre(0, 1));
  EXPECT_THAT(result.workflow->output, ElementsAre(PortRef{2, 0}));  // the last node by default
  EXPECT_THAT(result.workflow->nodes[2].sources,
              ElementsAre(ElementsAre(PortRef{1, 0}), ElementsAre(PortRef{0, 0})));
}

TEST(Loader, KeepsTheWorkflowsCostBudget) {
  LoadResult result = Load(R"(name: budgeted
max_cost_usd: 0.25
nodes:
  - {name: echo, type: test.echo, params: {message: hi}}
)");
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  ASSERT_TRUE(result.workflow->max_cost_usd.has_value());
  EXPECT_DOUBLE_EQ(*result.workflow->max_cost_usd, 0.25);

  LoadResult unbudgeted =
      Load("name: free\nnodes:\n  - {name: e, type: test.echo, params: {message: hi}}\n");
  ASSERT_TRUE(unbudgeted.ok()) << FormatDiagnostics(unbudgeted.diagnostics);
  EXPECT_FALSE(unbudgeted.workflow->max_cost_usd.has_value());
}

TEST(Loader, AttachesNodesNamedInsideListsOfObjects) {
  LoadResult result = Load(R"(name: routes
nodes:
  - name: route
    type: test.router
    params: {prompt: hi, routes: [{node: cheap}, {node: "flagship"}]}
  - {name: cheap, type: test.echo, params: {message: cheap}}
  - {name: flagship, type: test.echo, params: {message: flagship}}
output: route
)");
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  EXPECT_FALSE(result.workflow->nodes[0].attached);
  EXPECT_TRUE(result.workflow->nodes[1].attached);
  EXPECT_TRUE(result.workflow->nodes[2].attached);
  EXPECT_THAT(result.workflow->topological_order, ElementsAre(0));
}

TEST(Loader, LetsAnAttachedNodeReadWhatItsInvokerCanRead) {
  LoadResult result = Load(R"(name: attached-scope
nodes:
  - {name: first, type: test.echo, params: {message: hi}, next: route}
  - name: route
    type: test.router
    params: {prompt: "{{ $('first').first().message }}", fallback: backup}
  - {name: backup, type: test.echo, params: {message: "{{ $('first').first().message }}"}}
output: route
)");
  EXPECT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
}

TEST(Loader, SucceedsWithWarningsAndReportsThem) {
  LoadResult result = Load(R"(name: with-warnings
inputs: {unused: {type: string}}
nodes:
  - {name: a, type: test.echo, params: {message: a}}
  - {name: b, type: test.echo, params: {message: b}}
output: a
)");
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 2u);
  EXPECT_FALSE(result.diagnostics[0].is_error());
  EXPECT_FALSE(HasErrors(result.diagnostics));
  EXPECT_EQ(result.diagnostics[0].path, "inputs.unused");
  EXPECT_EQ(result.diagnostics[1].path, "nodes[1].name");
}

TEST(Loader, GivesEachDiagnosticAStructuralPath) {
  LoadResult result = Load(R"(name: paths
nodes:
  - {name: a, type: test.echo, params: {message: a, count: zero, options: {"odd key": 1}}}
)");
  ASSERT_FALSE(result.ok());
  std::vector<std::string> paths;
  for (const Diagnostic& diagnostic : result.diagnostics) paths.push_back(diagnostic.path);
  EXPECT_THAT(paths, ElementsAre("nodes[0].params.count", "nodes[0].params.options[\"odd key\"]"));
}

TEST(Loader, DoesNotSuggestAnExpressionWhereTheSchemaWantsAnotherType) {
  // A dynamic value's type is checked at run time, after evaluation.
  LoadResult result = Load(R"(name: dynamic
inputs: {n: {type: integer, required: true}}
nodes:
  - {name: a, type: test.echo, params: {message: x, count: "{{ $inputs.n }}"}}
)");
  EXPECT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
}

TEST(Loader, CountsColumnsInBytesAfterAByteOrderMark) {
  LoadResult result = Load("\xEF\xBB\xBFname: bom\nnodes:\n  - {name: a, type: test.ecco}\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].location.line, 3);
  EXPECT_EQ(result.diagnostics[0].location.column, 21);
}

TEST(Loader, HandlesWindowsLineEndings) {
  LoadResult result = Load(
      "name: crlf\r\nnodes:\r\n  - name: a\r\n    type: test.echo\r\n    params: {message: "
      "\"{{ 1 + * 2 }}\"}\r\n");
  ASSERT_EQ(result.diagnostics.size(), 1u) << FormatDiagnostics(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].location.line, 5);
  EXPECT_EQ(result.diagnostics[0].location.column, 31);
}

TEST(Loader, ReportsAFileItCannotRead) {
  LoadResult missing =
      LoadWorkflowFile("/nonexistent/flowhost/workflow.yaml", testing::TestRegistry());
  ASSERT_EQ(missing.diagnostics.size(), 1u);
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.diagnostics[0].ToString(),
            "/nonexistent/flowhost/workflow.yaml: error: cannot read the file: No such file or "
            "directory");

  LoadResult directory =
      LoadWorkflowFile(std::string(FLOWHOST_SOURCE_DIR) + "/tests", testing::TestRegistry());
  ASSERT_EQ(directory.diagnostics.size(), 1u);
  EXPECT_THAT(directory.diagnostics[0].message, ::testing::HasSubstr("not a regular file"));
}

TEST(Loader, LoadsAFileAndNamesItInDiagnostics) {
  std::string path = std::string(FLOWHOST_SOURCE_DIR) + "/tests/workflow/golden/valid-minimal.yaml";
  LoadResult result = LoadWorkflowFile(path, testing::TestRegistry());
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  EXPECT_EQ(result.workflow->source_path, path);
  EXPECT_EQ(result.workflow->name, "minimal");
}

TEST(Loader, RefusesAFileLargerThanTheLimitWithoutReadingItAll) {
  std::string path = std::string(FLOWHOST_SOURCE_DIR) + "/tests/workflow/golden/valid-complex.yaml";
  LoadLimits limits;
  limits.max_file_bytes = 64;
  LoadResult result = LoadWorkflowFile(path, testing::TestRegistry(), limits);
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].message, "the file is larger than the limit of 64 bytes");
}

}  // namespace
}  // namespace flowhost::workflow
