#include "server/workflow/sub_workflow_checks.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/workflow/describe.h"
#include "server/workflow/input_types.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/reporter.h"
#include "server/workflow/schema_annotations.h"
#include "server/workflow/source_text.h"
#include "server/workflow/suggest.h"
#include "server/workflow/yaml_reader.h"

namespace flowhost::workflow {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kExecuteWorkflow = "execute_workflow";

// True when `text` is one expression and nothing else ("{{ $json.n }}"): its type is known only
// when it runs. Any other template builds a string.
bool IsWholeExpression(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\n");
  size_t end = text.find_last_not_of(" \t\n");
  if (begin == std::string_view::npos) return false;
  std::string_view trimmed = text.substr(begin, end - begin + 1);
  return trimmed.substr(0, 2) == "{{" && trimmed.size() >= 4 &&
         trimmed.substr(trimmed.size() - 2) == "}}" &&
         trimmed.find("{{", 2) == std::string_view::npos;
}

class CallChecker {
 public:
  CallChecker(const CompiledWorkflow& caller, const WorkflowSet& set, Reporter& reporter)
      : caller_(caller), set_(set), reporter_(reporter) {}

  void CheckNode(size_t index) {
    const CompiledNode& node = caller_.nodes[index];
    if (node.type == nullptr || node.type->info().type != kExecuteWorkflow || !node.params) return;
    const Json& params = node.params->raw();
    const std::string base = absl::StrCat("/nodes/", index, "/params");
    auto target_name = params.find("workflow");
    if (target_name == params.end() || !target_name->is_string() ||
        node.params->IsDynamic("/workflow")) {
      return;
    }
    const std::string& name = target_name->get_ref<const std::string&>();
    WorkflowPtr target = set_.find(name);
    if (target == nullptr) {
      std::vector<std::string> others;
      for (const std::string& other : set_.names) {
        if (other != caller_.name) others.push_back(other);
      }
      reporter_.Error(base + "/workflow",
                      absl::StrCat("no workflow named '", name, "' among the loaded workflows",
                                   DidYouMean(name, others)));
      return;
    }
    auto inputs = params.find("inputs");
    // `inputs` computed as a whole is checked when it runs; a mapping's keys are written out.
    if (inputs == params.end() || !inputs->is_object()) return;
    CheckInputs(*target, *inputs, *node.params, base);
  }

 private:
  void CheckInputs(const CompiledWorkflow& target, const Json& inputs,
                   const expr::CompiledJson& params, const std::string& base) {
    std::vector<std::string> declared;
    for (const InputSpec& spec : target.inputs) declared.push_back(spec.name);
    const std::string where = absl::StrCat("workflow '", target.name, "'");
    for (const auto& [name, value] : inputs.items()) {
      const std::string pointer = ChildPointer(base + "/inputs", name);
      const std::string& given = name;  // clang 14 cannot capture a structured binding
      auto spec = std::find_if(target.inputs.begin(), target.inputs.end(),
                               [&given](const InputSpec& s) { return s.name == given; });
      if (spec == target.inputs.end()) {
        reporter_.Error(pointer,
                        absl::StrCat(where, " has no input '", name, "'",
                                     declared.empty() ? " (it declares no inputs)"
                                                      : DidYouMean(name, declared)),
                        Part::kKey);
        continue;
      }
      CheckValue(*spec, value, params.IsDynamic(ChildPointer("/inputs", name)), pointer, where);
    }
    for (const InputSpec& spec : target.inputs) {
      if (!spec.required || spec.default_value.has_value()) continue;
      auto given = inputs.find(spec.name);
      if (given != inputs.end() && !given->is_null()) continue;
      reporter_.Error(base + "/inputs",
                      absl::StrCat(where, " requires input '", spec.name, "', which is not given"),
                      Part::kKey);
    }
  }

  void CheckValue(const InputSpec& spec, const Json& value, bool dynamic,
                  const std::string& pointer, const std::string& where) {
    const std::string expected(InputTypeName(spec.type));
    if (dynamic) {
      // A template with text around its expressions makes a string.
      if (!value.is_string() || IsWholeExpression(value.get_ref<const std::string&>())) return;
      if (spec.type == InputSpec::Type::kString) return;
      reporter_.Error(pointer, absl::StrCat(where, ": input '", spec.name, "' expects ", expected,
                                            ", but this template makes a string (write the "
                                            "expression alone, as \"{{ ... }}\", to pass its "
                                            "value)"));
      return;
    }
    if (value.is_null()) return;  // null counts as not given
    if (ConformInput(value, spec.type).has_value()) return;
    reporter_.Error(pointer, absl::StrCat(where, ": input '", spec.name, "' expects ", expected,
                                          ", got ", DescribeValue(value)));
  }

  const CompiledWorkflow& caller_;
  const WorkflowSet& set_;
  Reporter& reporter_;
};

}  // namespace

std::vector<Diagnostic> CheckSubWorkflowCalls(const CompiledWorkflow& caller,
                                              const WorkflowSet& set) {
  bool any = std::any_of(caller.nodes.begin(), caller.nodes.end(), [](const CompiledNode& node) {
    return node.type != nullptr && node.type->info().type == kExecuteWorkflow;
  });
  if (!any) return {};
  std::string_view text = caller.source_text;
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  SourceText source(text);
  Reporter reporter(caller.source_path, source);
  // The file loaded once already; read again only to point at the parameters.
  std::optional<YamlDocument> document = ReadYaml(source, YamlLimits{}, reporter);
  if (document.has_value()) reporter.set_document(&*document);
  CallChecker checker(caller, set, reporter);
  for (size_t i = 0; i < caller.nodes.size(); ++i) checker.CheckNode(i);
  reporter.set_document(nullptr);
  std::vector<Diagnostic> diagnostics = reporter.Take();
  SortDiagnostics(diagnostics);
  return diagnostics;
}

}  // namespace flowhost::workflow
