// `--help` on every verb of the real binary: the verb's usage on stdout, exit 0, nothing run.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/run_binary.h"

namespace flowhost::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::vector<std::string>& Verbs() {
  static const std::vector<std::string> verbs = {"validate", "run",  "nodes",  "serve",
                                                 "plugin",   "call", "list",   "executions",
                                                 "routes",   "plan", "version", "workers"};
  return verbs;
}

TEST(HelpTest, EveryVerbAnswersHelpWithItsOwnUsageAndExitsZero) {
  for (const std::string& verb : Verbs()) {
    for (const char* flag : {"--help", "-h"}) {
      BinaryResult r = RunBinary({FlowhostBinary(), verb, flag});
      EXPECT_EQ(r.exit_code, 0) << verb << " " << flag << ": " << r.err;
      EXPECT_THAT(r.out, HasSubstr("usage: flowhost " + verb)) << verb << " " << flag;
      EXPECT_THAT(r.err, IsEmpty()) << verb << " " << flag;
    }
  }
}

TEST(HelpTest, HelpAfterOtherArgumentsStillShowsHelpAndRunsNothing) {
  // Without --help this would try to run a missing file or call a server that is not there.
  BinaryResult run = RunBinary({FlowhostBinary(), "run", "missing.yaml", "--offline", "--help"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("--offline"));
  BinaryResult call =
      RunBinary({FlowhostBinary(), "call", "ask", "--target", "127.0.0.1:1", "--help"});
  EXPECT_EQ(call.exit_code, 0) << call.err;
  EXPECT_THAT(call.out, HasSubstr("flowhost list"));
}

TEST(HelpTest, HelpCommandNamesAVerbToShowItsHelp) {
  for (const std::string& verb : Verbs()) {
    BinaryResult r = RunBinary({FlowhostBinary(), "help", verb});
    EXPECT_EQ(r.exit_code, 0) << verb << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("usage: flowhost " + verb)) << verb;
  }
  BinaryResult all = RunBinary({FlowhostBinary(), "help"});
  EXPECT_EQ(all.exit_code, 0);
  for (const std::string& verb : Verbs()) EXPECT_THAT(all.out, HasSubstr("  " + verb)) << verb;
}

TEST(HelpTest, RunAndServeHelpDescribeOffline) {
  for (const char* verb : {"run", "serve"}) {
    BinaryResult r = RunBinary({FlowhostBinary(), verb, "--help"});
    EXPECT_THAT(r.out, HasSubstr("--offline")) << verb;
    EXPECT_THAT(r.out, HasSubstr("bundled fake OpenRouter")) << verb;
  }
}

}  // namespace
}  // namespace flowhost::testing
