// "input is declared but never used" against the real built-in node types: a start node's item is
// the execution's inputs, so a parameter naming a field of it (split_out's `field`) uses the input.
#include <string>

#include "gtest/gtest.h"
#include "server/workflow/loader.h"
#include "tests/workflow/builtin_registry.h"

namespace flowhost::workflow {
namespace {

using ::flowhost::workflow_testing::BuiltinRegistry;

TEST(UnusedInputs, AnInputTheStartNodeReadsByFieldPathIsUsed) {
  LoadResult result = LoadWorkflow("split.yaml", R"(name: split
inputs:
  docs: {type: array, required: true}
  unused: {type: string}
nodes:
  - name: each
    type: split_out
    params: {field: docs, destination: doc}
)",
                                   BuiltinRegistry());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(FormatDiagnostics(result.diagnostics),
            "split.yaml:4:3: warning: input 'unused' is declared but never used (no expression "
            "reads $inputs.unused)\n");
}

}  // namespace
}  // namespace flowhost::workflow
