// Sub-workflow calls checked across a set of workflows loaded together (CheckSubWorkflowCalls, as
// `flowhost validate --workflows DIR` runs it): wrong target names and wrong inputs are errors at
// the parameter's line and column.
#include "server/workflow/sub_workflow_checks.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/registry/builtin_nodes.h"
#include "server/workflow/loader.h"

namespace flowhost::workflow {
namespace {

const registry::NodeTypeRegistry& Builtins() {
  static const auto* registry = [] {
    auto* r = new registry::NodeTypeRegistry();
    EXPECT_TRUE(registry::RegisterBuiltinNodes(*r).ok());
    return r;
  }();
  return *registry;
}

constexpr char kChild[] = R"(name: summarise
inputs:
  text: {type: string, required: true}
  max_words: {type: integer, default: 50}
  tags: {type: array}
nodes:
  - name: out
    type: set
    params: {values: {summary: "{{ $inputs.text }}", n: "{{ $inputs.max_words }}", t: "{{ $inputs.tags }}"}}
)";

class SubWorkflowChecks : public ::testing::Test {
 protected:
  void SetUp() override { Add("summarise.yaml", kChild); }

  void Add(const std::string& file, const std::string& yaml) {
    LoadResult result = LoadWorkflow(file, yaml, Builtins());
    ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
    loaded_[result.workflow->name] = result.workflow;
    set_.names.push_back(result.workflow->name);
  }

  // The diagnostics of the caller `yaml`, checked against the set.
  std::string Check(const std::string& yaml) {
    LoadResult result = LoadWorkflow("caller.yaml", yaml, Builtins());
    EXPECT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
    if (!result.ok()) return "";
    set_.find = [this](std::string_view name) -> WorkflowPtr {
      auto it = loaded_.find(std::string(name));
      return it == loaded_.end() ? nullptr : it->second;
    };
    return FormatDiagnostics(CheckSubWorkflowCalls(*result.workflow, set_));
  }

  std::map<std::string, WorkflowPtr> loaded_;
  WorkflowSet set_;
};

TEST_F(SubWorkflowChecks, AMisspeltTargetIsAnErrorWithADidYouMean) {
  EXPECT_EQ(Check(R"(name: caller
nodes:
  - name: call
    type: execute_workflow
    params: {workflow: sumarise, inputs: {text: hi}}
)"),
            "caller.yaml:5:24: error: no workflow named 'sumarise' among the loaded workflows (did "
            "you mean 'summarise'?)\n");
}

TEST_F(SubWorkflowChecks, InputsTheTargetDoesNotDeclareOrOfTheWrongTypeAreErrors) {
  EXPECT_EQ(Check(R"(name: caller
nodes:
  - name: call
    type: execute_workflow
    params:
      workflow: summarise
      inputs:
        text: hello
        max_word: 10
        tags: not-a-list
)"),
            "caller.yaml:9:9: error: workflow 'summarise' has no input 'max_word' (did you mean "
            "'max_words'?)\n"
            "caller.yaml:10:15: error: workflow 'summarise': input 'tags' expects array, got "
            "string \"not-a-list\"\n");
}

TEST_F(SubWorkflowChecks, AMissingRequiredInputIsAnError) {
  EXPECT_EQ(Check(R"(name: caller
nodes:
  - name: call
    type: execute_workflow
    params: {workflow: summarise, inputs: {max_words: 3}}
)"),
            "caller.yaml:5:35: error: workflow 'summarise' requires input 'text', which is not "
            "given\n");
}

TEST_F(SubWorkflowChecks, ATemplateWithTextAroundItMakesAStringAndIsCheckedAsOne) {
  EXPECT_EQ(Check(R"(name: caller
nodes:
  - name: call
    type: execute_workflow
    params:
      workflow: summarise
      inputs: {text: "{{ $json.a }}", max_words: "{{ $json.n }} words", tags: "{{ $json.t }}"}
)"),
            "caller.yaml:7:50: error: workflow 'summarise': input 'max_words' expects integer, but "
            "this template makes a string (write the expression alone, as \"{{ ... }}\", to pass "
            "its value)\n");
}

TEST_F(SubWorkflowChecks, CallsThatFitTheirTargetAndComputedTargetsPass) {
  EXPECT_EQ(Check(R"(name: caller
nodes:
  - name: call
    type: execute_workflow
    params: {workflow: summarise, inputs: {text: "{{ $json.a }}", max_words: 3.0, tags: [a]}}
    next: dynamic
  - name: dynamic
    type: execute_workflow
    params: {workflow: "{{ $json.which }}", inputs: {anything: 1}}
)"),
            "");
}

}  // namespace
}  // namespace flowhost::workflow
