// Fuzz target: the workflow loader. The input is a workflow file's text, loaded by
// workflow::LoadWorkflow with the built-in node types, as `flowhost validate`, the workflows
// directory and the ValidateWorkflow and RunWorkflow (inline YAML) RPCs load it.
//
// Invariants beyond "no crash, no leak, no undefined behaviour": the load succeeds exactly when no
// diagnostic is an error; every diagnostic names the file, has a message and points inside the text
// (line 0 meaning "the file as a whole"); at most 200 diagnostics and one counting the rest; every
// message is valid UTF-8, and so are the vars and input defaults of a loaded workflow (the host
// dumps them strictly).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/registry/builtin_nodes.h"
#include "server/workflow/loader.h"
#include "tests/fuzz/fuzz_check.h"

namespace flowhost::fuzz {
namespace {

const registry::NodeTypeRegistry& BuiltinRegistry() {
  static const registry::NodeTypeRegistry* const registry = [] {
    auto* built = new registry::NodeTypeRegistry();
    absl::Status status = registry::RegisterBuiltinNodes(*built);
    FUZZ_CHECK(status.ok(), status);
    return built;
  }();
  return *registry;
}

constexpr std::string_view kFile = "fuzz.yaml";

}  // namespace
}  // namespace flowhost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowhost;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  workflow::LoadResult result = workflow::LoadWorkflow(fuzz::kFile, text, fuzz::BuiltinRegistry());

  FUZZ_CHECK(result.ok() == !workflow::HasErrors(result.diagnostics),
             "ok=" << result.ok() << "\n"
                   << workflow::FormatDiagnostics(result.diagnostics));
  FUZZ_CHECK(result.diagnostics.size() <= 201, result.diagnostics.size() << " diagnostics");
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const workflow::Diagnostic& diagnostic : result.diagnostics) {
    FUZZ_CHECK(diagnostic.location.file == fuzz::kFile, diagnostic.ToString());
    FUZZ_CHECK(!diagnostic.message.empty(), diagnostic.ToString());
    FUZZ_CHECK(fuzz::IsValidUtf8(diagnostic.message), diagnostic.ToString());
    FUZZ_CHECK(diagnostic.location.line >= 0 && diagnostic.location.line <= lines,
               diagnostic.ToString() << " (the text has " << lines << " lines)");
    if (diagnostic.location.line > 0) {
      FUZZ_CHECK(diagnostic.location.column >= 1, diagnostic.ToString());
    }
  }
  if (result.ok()) {
    FUZZ_CHECK(fuzz::DumpsStrictly(result.workflow->vars), "vars are not UTF-8");
    for (const auto& input : result.workflow->inputs) {
      FUZZ_CHECK(!input.default_value.has_value() || fuzz::DumpsStrictly(*input.default_value),
                 "a default is not UTF-8");
    }
  }
  return 0;
}
