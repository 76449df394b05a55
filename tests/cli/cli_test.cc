// Tests of the `flowhost` binary itself: verbs, exit codes, diagnostics on stderr, output on
// stdout.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli/run_binary.h"

namespace flowhost::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// Writes `text` to a fresh file under the test's temporary directory and returns its path.
std::string WriteTemp(const std::string& name, const std::string& text) {
  fs::path dir = fs::path(::testing::TempDir()) / "flowhost_cli_test";
  fs::create_directories(dir);
  fs::path path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(CliTest, VersionPrintsTheVersionAndSdkAbi) {
  BinaryResult r = RunBinary({FlowhostBinary(), "version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("flowhost 0."));
  EXPECT_THAT(r.out, HasSubstr("plugin ABI 1."));
}

TEST(CliTest, UnknownVerbAndNoVerbAreUsageErrors) {
  EXPECT_EQ(RunBinary({FlowhostBinary()}).exit_code, 2);
  BinaryResult r = RunBinary({FlowhostBinary(), "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'frobnicate'"));
}

TEST(CliTest, NodesJsonListsEveryBuiltinTypeWithItsSchema) {
  BinaryResult r = RunBinary({FlowhostBinary(), "nodes", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json types = nlohmann::json::parse(r.out);
  std::set<std::string> names;
  for (const auto& type : types) {
    names.insert(type["type"].get<std::string>());
    EXPECT_EQ(type["parameters"]["type"], "object") << type["type"];
    EXPECT_FALSE(type["description"].get<std::string>().empty()) << type["type"];
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"aggregate", "execute_workflow", "fail", "filter", "if", "merge",
                                   "noop", "openrouter.chat", "openrouter.models",
                                   "router.fallback", "set", "split_out", "switch", "wait"}));
}

TEST(CliTest, NodesTextListsParametersWithTypesAndDefaults) {
  BinaryResult r = RunBinary({FlowhostBinary(), "nodes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("openrouter.chat (v1)"));
  EXPECT_THAT(r.out, HasSubstr("    model: string"));
  EXPECT_THAT(r.out, HasSubstr("default"));
}

TEST(CliTest, EveryExampleWorkflowValidates) {
  std::vector<std::string> argv = {FlowhostBinary(), "validate"};
  for (const auto& entry : fs::directory_iterator(SourcePath("workflows"))) {
    if (entry.path().extension() == ".yaml") argv.push_back(entry.path().string());
  }
  ASSERT_GT(argv.size(), 5u);
  BinaryResult r = RunBinary(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("error:")));
}

// The stderr lines `flowhost validate` wrote about `path`: those starting "<path>:".
std::vector<std::string> LinesAbout(const std::string& err, const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream stream(err);
  for (std::string line; std::getline(stream, line);) {
    if (line.rfind(path + ":", 0) == 0) lines.push_back(line);
  }
  return lines;
}

// One `flowhost validate` process for the whole corpus (a process per file cost two minutes under
// ASan): each file must still get its own error lines, and none may be accepted.
TEST(CliTest, EveryCorpusFileIsRejectedWithDiagnosticsAndExitTwoNeverACrash) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(SourcePath("tests/corpus"))) {
    if (!entry.is_regular_file() || entry.path().extension() == ".md") continue;
    files.push_back(entry.path().string());
  }
  ASSERT_GE(files.size(), 40u);
  std::vector<std::string> argv = {FlowhostBinary(), "validate"};
  argv.insert(argv.end(), files.begin(), files.end());
  BinaryResult r = RunBinary(argv, {}, 240000);
  if (r.term_signal != 0) {
    // Name the file that crashed it: one process each, only now.
    for (const std::string& file : files) {
      BinaryResult alone = RunBinary({FlowhostBinary(), "validate", file}, {}, 60000);
      EXPECT_EQ(alone.term_signal, 0) << file << " crashed the validator";
    }
    FAIL() << "the validator crashed (signal " << r.term_signal << ")";
  }
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "") << "a corpus file was accepted";
  for (const std::string& file : files) {
    std::vector<std::string> lines = LinesAbout(r.err, file);
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                            [](const std::string& line) { return line.find(": error: ") !=
                                                                 std::string::npos; }))
        << file << " has no error line";
  }
  EXPECT_THAT(r.err, HasSubstr(std::to_string(files.size()) + " of " +
                               std::to_string(files.size()) + " file(s) invalid"));
}

TEST(CliTest, ValidateReportsEveryProblemAsFileLineColumn) {
  std::string path = WriteTemp("broken.yaml", R"(name: broken
nodes:
  - name: a
    type: sett
    next: missing
  - name: b
    type: set
    params:
      values: {x: "{{ 1 + }}"}
)");
  BinaryResult r = RunBinary({FlowhostBinary(), "validate", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(path + ":4:11: error: unknown node type 'sett'"));
  EXPECT_THAT(r.err, HasSubstr(path + ":5:11: error: no node named 'missing'"));
  EXPECT_THAT(r.err, HasSubstr(path + ":9:27: error: invalid expression: unexpected end"));
  EXPECT_THAT(r.err, HasSubstr("1 of 1 file(s) invalid"));
}

TEST(CliTest, ValidateRefusesAnAliasBombBySizeAtTheAlias) {
  // The issue's reproduction: a 1 MiB string anchored once and aliased 2,000 times.
  std::string yaml = "name: b\nx-s: &s \"" + std::string(size_t{1} << 20, 'a') + "\"\nnodes:\n";
  yaml += "  - name: a\n    type: set\n    params: {values: {x: [*s";
  for (int i = 1; i < 2000; ++i) yaml += ", *s";
  std::string path = WriteTemp("b.yaml", yaml + "]}}\n");
  BinaryResult r = RunBinary({FlowhostBinary(), "validate", path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.term_signal, 0);
  EXPECT_THAT(r.err, HasSubstr(path + ":6:31: error: the document would hold more than 4194304 "
                                      "bytes of text: alias '*s' repeats 1048576 bytes here"));
}

TEST(CliTest, RunAndCallRefuseNaNAndInfinityAsNumberInputs) {
  std::string path = WriteTemp("scale.yaml", R"(name: scale
inputs:
  factor: {type: number, required: true}
nodes:
  - {name: scaled, type: set, params: {values: {x: "{{ $inputs.factor * 2 }}"}}}
)");
  // JSON text cannot write them, nor a number too large for a double, which would be Infinity.
  for (const std::string input :
       {R"({"factor": NaN})", R"({"factor": Infinity})", R"({"factor": -1e999})"}) {
    BinaryResult run = RunBinary({FlowhostBinary(), "run", path, "--input", input});
    EXPECT_EQ(run.exit_code, 2) << input;
    EXPECT_THAT(run.err, HasSubstr("--input is not valid JSON")) << input;
    // `call` refuses it before sending anything: no server is needed.
    BinaryResult call =
        RunBinary({FlowhostBinary(), "call", "scale", "--input", input, "--target", "127.0.0.1:1"});
    EXPECT_EQ(call.exit_code, 2) << input;
    EXPECT_THAT(call.err, HasSubstr("--input is not valid JSON")) << input;
  }
}

TEST(CliTest, ValidateOfAMissingFileIsADiagnosticNotACrash) {
  BinaryResult r = RunBinary({FlowhostBinary(), "validate", "/nonexistent/flow.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/flow.yaml"));
}

TEST(CliTest, RunPrintsOutputItemsOnStdoutAndProgressOnStderr) {
  BinaryResult r = RunBinary({FlowhostBinary(), "run", SourcePath("workflows/word-stats.yaml"),
                              "--input", R"({"text": "alpha be gamma delta"})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json items = nlohmann::json::parse(r.out);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["words"], (nlohmann::json{"alpha", "gamma", "delta"}));
  EXPECT_EQ(items[0]["count"], 3);
  EXPECT_THAT(r.err, HasSubstr("each: succeeded"));
  EXPECT_THAT(r.err, HasSubstr("'word-stats' succeeded"));
}

TEST(CliTest, RunReadsInputFromAFile) {
  std::string input = WriteTemp("input.json", R"({"text": "one three", "min_length": 4})");
  BinaryResult r = RunBinary(
      {FlowhostBinary(), "run", SourcePath("workflows/word-stats.yaml"), "--input", "@" + input});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["words"], (nlohmann::json{"three"}));
}

TEST(CliTest, RunWithBadInputExitsTwoAndSaysWhy) {
  std::string wf = SourcePath("workflows/word-stats.yaml");
  BinaryResult not_json = RunBinary({FlowhostBinary(), "run", wf, "--input", "{text:"});
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_THAT(not_json.err, HasSubstr("not valid JSON"));
  BinaryResult missing = RunBinary({FlowhostBinary(), "run", wf, "--input", "{}"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("text"));
  BinaryResult mistyped =
      RunBinary({FlowhostBinary(), "run", wf, "--input", R"({"text": "a", "min_length": "x"})"});
  EXPECT_EQ(mistyped.exit_code, 2);
  EXPECT_THAT(mistyped.err, HasSubstr("min_length"));
  BinaryResult flag = RunBinary({FlowhostBinary(), "run", wf, "--frobnicate"});
  EXPECT_EQ(flag.exit_code, 2);
}

TEST(CliTest, RunOfAnInvalidWorkflowExitsTwoWithDiagnostics) {
  std::string path = WriteTemp("invalid.yaml", "name: x\nnodes:\n  - name: a\n    type: nope\n");
  BinaryResult r = RunBinary({FlowhostBinary(), "run", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(":4:11: error: unknown node type 'nope'"));
}

TEST(CliTest, RunOfAFailingExecutionExitsOneAndNamesTheNode) {
  std::string path = WriteTemp("fails.yaml", R"(name: fails
nodes:
  - name: prepare
    type: noop
    next: stop
  - name: stop
    type: fail
    params: {message: "refusing: {{ $inputs.reason }}"}
inputs:
  reason: {type: string, default: "no budget"}
)");
  BinaryResult r = RunBinary({FlowhostBinary(), "run", path});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("failed at node 'stop'"));
  EXPECT_THAT(r.err, HasSubstr("refusing: no budget"));
  EXPECT_EQ(r.out, "");
}

TEST(CliTest, RunWithATimeoutStopsAWaitingExecution) {
  std::string path = WriteTemp("slow.yaml", R"(name: slow
nodes:
  - name: pause
    type: wait
    params: {duration: 1h}
)");
  BinaryResult r = RunBinary({FlowhostBinary(), "run", path, "--timeout", "200ms"}, {}, 60000);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("timeout"));
}

TEST(CliTest, RunRefusesToLetEnvExposeTheApiKey) {
  // The workflow would echo $env into its output; it must never run.
  std::string path = WriteTemp("echo-env.yaml", R"(name: echo-env
nodes:
  - name: leak
    type: set
    params: {values: {key: "{{ $env.OPENROUTER_API_KEY }}", copy: "{{ $env.KEY_COPY }}"}}
)");
  const std::string key = "sk-or-v1-cli-env-0123456789abcdef";
  BinaryResult named =
      RunBinary({FlowhostBinary(), "run", path, "--env-allowlist", "OPENROUTER_API_KEY"},
                {{"OPENROUTER_API_KEY", key}});
  EXPECT_EQ(named.exit_code, 2);
  EXPECT_THAT(named.err, HasSubstr("env_allowlist: 'OPENROUTER_API_KEY' holds the secret of "
                                   "credential 'openrouter'"));
  // The same key under another name: refused too, naming the variable, never showing the value.
  BinaryResult copied = RunBinary({FlowhostBinary(), "run", path, "--env-allowlist", "KEY_COPY"},
                                  {{"OPENROUTER_API_KEY", key}, {"KEY_COPY", key}});
  EXPECT_EQ(copied.exit_code, 2);
  EXPECT_THAT(copied.err, HasSubstr("environment variable KEY_COPY holds a credential"));
  for (const BinaryResult* r : {&named, &copied}) {
    EXPECT_EQ(r->out.find(key), std::string::npos);
    EXPECT_EQ(r->err.find(key), std::string::npos);
  }
}

TEST(CliTest, RunRecordPrintsTheExecutionRecord) {
  BinaryResult r = RunBinary({FlowhostBinary(), "run", SourcePath("workflows/word-stats.yaml"),
                              "--input", R"({"text": "abcdef"})", "--record"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("\"nodes\""));
  EXPECT_THAT(r.err, HasSubstr("\"attempts\""));
}

}  // namespace
}  // namespace flowhost::testing
