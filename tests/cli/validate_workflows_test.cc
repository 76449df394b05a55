// `flowhost validate --workflows DIR`: a directory checked as a set, sub-workflow calls included;
// and `flowhost run FILE`, which checks the calls FILE makes against its directory before running.
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/run_binary.h"
#include "tests/source_dir.h"

namespace flowhost::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// A fresh directory under the test's temporary directory.
fs::path FreshDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / "flowhost_validate_workflows" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void Write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

constexpr char kChild[] = R"(name: summarise
inputs:
  text: {type: string, required: true}
  max_words: {type: integer, default: 50}
nodes:
  - name: out
    type: set
    params: {values: {summary: "{{ $inputs.text }}", n: "{{ $inputs.max_words }}"}}
)";

TEST(ValidateWorkflows, AWrongTargetNameAndWrongInputsAreReportedAtTheirLines) {
  fs::path dir = FreshDir("wrong");
  Write(dir / "summarise.yaml", kChild);
  Write(dir / "caller.yaml", R"(name: caller
nodes:
  - name: one
    type: execute_workflow
    params: {workflow: sumarise, inputs: {text: hi}}
    next: two
  - name: two
    type: execute_workflow
    params:
      workflow: summarise
      inputs: {text: hi, max_words: ten, style: short}
)");
  const std::string caller = (dir / "caller.yaml").string();
  BinaryResult r = RunBinary({FlowhostBinary(), "validate", "--workflows", dir.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(caller + ":5:24: error: no workflow named 'sumarise' among the "
                                        "loaded workflows (did you mean 'summarise'?)"));
  EXPECT_THAT(r.err, HasSubstr(caller + ":11:37: error: workflow 'summarise': input 'max_words' "
                                        "expects integer, got string \"ten\""));
  EXPECT_THAT(r.err, HasSubstr(caller + ":11:42: error: workflow 'summarise' has no input "
                                        "'style'"));
  EXPECT_THAT(r.err, HasSubstr("1 of 2 file(s) invalid"));
  EXPECT_THAT(r.out, HasSubstr("summarise.yaml: ok"));
}

TEST(ValidateWorkflows, TheExampleWorkflowsDirectoryIsAValidSet) {
  BinaryResult r = RunBinary({FlowhostBinary(), "validate", "--workflows",
                              (fs::path(FLOWHOST_SOURCE_DIR) / "workflows").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("error:")));
}

TEST(ValidateWorkflows, TwoFilesDefiningOneNameAndAMissingDirectoryAreErrors) {
  fs::path dir = FreshDir("duplicate");
  Write(dir / "a.yaml", kChild);
  Write(dir / "b.yaml", kChild);
  BinaryResult r = RunBinary({FlowhostBinary(), "validate", "--workflows", dir.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("workflow name 'summarise' is already defined by"));

  BinaryResult missing =
      RunBinary({FlowhostBinary(), "validate", "--workflows", (dir / "nope").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--workflows"));
}

TEST(RunChecksSubWorkflowCalls, AMisspeltTargetIsRefusedBeforeAnythingRuns) {
  fs::path dir = FreshDir("run_wrong");
  Write(dir / "summarise.yaml", kChild);
  Write(dir / "caller.yaml", R"(name: caller
nodes:
  - name: one
    type: execute_workflow
    params: {workflow: sumarise, inputs: {text: hi}}
)");
  const std::string caller = (dir / "caller.yaml").string();
  BinaryResult r = RunBinary({FlowhostBinary(), "run", caller});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(caller + ":5:24: error: no workflow named 'sumarise' among the "
                                        "loaded workflows (did you mean 'summarise'?)"));
  EXPECT_THAT(r.err, Not(HasSubstr("running 'caller'")));
}

TEST(RunChecksSubWorkflowCalls, WrongInputsAreRefusedAndAGoodCallRuns) {
  fs::path dir = FreshDir("run_inputs");
  Write(dir / "summarise.yaml", kChild);
  Write(dir / "wrong.yaml", R"(name: wrong
nodes:
  - name: one
    type: execute_workflow
    params: {workflow: summarise, inputs: {text: hi, max_words: ten}}
)");
  BinaryResult wrong = RunBinary({FlowhostBinary(), "run", (dir / "wrong.yaml").string()});
  EXPECT_EQ(wrong.exit_code, 2) << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("wrong.yaml:5:65: error: workflow 'summarise': input "
                                   "'max_words' expects integer, got string \"ten\""));

  Write(dir / "right.yaml", R"(name: right
nodes:
  - name: one
    type: execute_workflow
    params: {workflow: summarise, inputs: {text: hi, max_words: 3}}
)");
  BinaryResult right = RunBinary({FlowhostBinary(), "run", (dir / "right.yaml").string()});
  EXPECT_EQ(right.exit_code, 0) << right.err;
  EXPECT_THAT(right.out, HasSubstr("\"summary\": \"hi\""));
}

TEST(NodesCommand, SaysWhichFieldsEachTypesItemsHold) {
  BinaryResult r = RunBinary({FlowhostBinary(), "nodes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("items out: content, cost_usd, finish_reason"));
  EXPECT_THAT(r.out, HasSubstr("items out: the input items' fields\n"));
  EXPECT_THAT(r.out, HasSubstr("items out: any fields\n"));
}

}  // namespace
}  // namespace flowhost::testing
