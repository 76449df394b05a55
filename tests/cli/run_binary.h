// Runs a program to completion for a test: argv, extra environment, and everything it wrote to stdout
// and stderr, with its exit code. Both pipes are drained together, so a chatty child cannot block.
#ifndef FLOWHOST_TESTS_CLI_RUN_BINARY_H_
#define FLOWHOST_TESTS_CLI_RUN_BINARY_H_

#include <map>
#include <string>
#include <vector>

namespace flowhost::testing {

struct BinaryResult {
  int exit_code = -1;    // -1 when the child did not exit normally
  int term_signal = 0;   // the signal that killed it, if any
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is a path) with the current environment plus `env` (which wins), killing it
// after `timeout_ms`.
BinaryResult RunBinary(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env = {}, int timeout_ms = 120000);

// The built `flowhost` binary.
std::string FlowhostBinary();

// A path in the source tree ("workflows/ask.yaml") as an absolute path.
std::string SourcePath(const std::string& relative);

// The built fake OpenRouter (`fake_openrouter`), which `flowhost run|serve --offline` starts.
std::string FakeOpenRouterBinary();

}  // namespace flowhost::testing

#endif  // FLOWHOST_TESTS_CLI_RUN_BINARY_H_
