#include "server/workflow/expression_checks.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/schema_annotations.h"
#include "server/workflow/suggest.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;

// Calls `visit` on every string holding a template inside `value`.
template <typename Visit>
void ForEachTemplate(const Json& value, const Visit& visit) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (HasTemplate(text)) visit(text);
  } else if (value.is_object() || value.is_array()) {
    for (const Json& child : value) ForEachTemplate(child, visit);
  }
}

bool ContinuesName(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// True when `text` mentions the variable `name` (not a longer name it is a prefix of); with
// `whole_only`, only uses other than `name.field` count (`$inputs[k]`, `toJson($inputs)`), whose
// fields cannot be known when the workflow loads.
bool Mentions(std::string_view text, std::string_view name, bool whole_only) {
  for (size_t at = text.find(name); at != std::string_view::npos;
       at = text.find(name, at + name.size())) {
    size_t after = at + name.size();
    if (after >= text.size()) return true;
    char next = text[after];
    if (ContinuesName(next)) continue;
    if (!whole_only || next != '.') return true;
  }
  return false;
}

class ReferenceChecker {
 public:
  ReferenceChecker(const WorkflowDraft& draft, const Wiring& wiring, const GraphFacts& graph,
                   Reporter& reporter)
      : draft_(draft), graph_(graph), reporter_(reporter) {
    starts_.insert(wiring.start_nodes.begin(), wiring.start_nodes.end());
    for (const NodeDraft& node : draft.nodes) {
      if (!node.name.empty()) node_names_.push_back(node.name);
    }
    for (const InputSpec& input : draft.inputs) input_names_.push_back(input.name);
    for (const auto& [name, unused] : draft.vars.items()) var_names_.push_back(name);
  }

  void Check(int node, const std::string& pointer, const expr::Reference& reference) {
    switch (reference.kind) {
      case expr::Reference::Kind::kNode:
        CheckNode(node, pointer, reference);
        break;
      case expr::Reference::Kind::kInput:
        used_inputs_.insert(reference.name);
        if (std::find(input_names_.begin(), input_names_.end(), reference.name) ==
            input_names_.end()) {
          reporter_.ErrorInScalar(
              pointer, reference.offset,
              absl::StrCat("undeclared input '", reference.name, "'",
                           input_names_.empty() ? " (the workflow declares no inputs)"
                                                : DidYouMean(reference.name, input_names_)));
        }
        break;
      case expr::Reference::Kind::kVar:
        if (!draft_.vars.contains(reference.name)) {
          reporter_.ErrorInScalar(
              pointer, reference.offset,
              absl::StrCat("undeclared variable '", reference.name, "'",
                           var_names_.empty() ? " (the workflow declares no vars)"
                                              : DidYouMean(reference.name, var_names_)));
        }
        break;
      case expr::Reference::Kind::kEnv:
        break;  // the allowlist belongs to the host and is applied at run time
      case expr::Reference::Kind::kField:
        // A start node's item is the execution's inputs: `$json.x`, or a field path parameter
        // (split_out's `field: x`), reads input x. Other fields are field_checks' business.
        if (reference.node.empty() && starts_.contains(node)) used_inputs_.insert(reference.name);
        break;
    }
  }

  bool input_used(const std::string& name) const { return used_inputs_.contains(name); }

 private:
  void CheckNode(int node, const std::string& pointer, const expr::Reference& reference) {
    const std::string& name = draft_.nodes[static_cast<size_t>(node)].name;
    std::string reader = name.empty() ? "this node" : absl::StrCat("'", name, "'");
    auto it = draft_.node_index.find(reference.name);
    if (it == draft_.node_index.end()) {
      reporter_.ErrorInScalar(pointer, reference.offset,
                              absl::StrCat("no node named '", reference.name, "'",
                                           DidYouMean(reference.name, node_names_)));
    } else if (it->second == node) {
      reporter_.ErrorInScalar(pointer, reference.offset,
                              absl::StrCat("node ", reader, " cannot read its own output"));
    } else if (!graph_.upstream[static_cast<size_t>(node)][static_cast<size_t>(it->second)]) {
      reporter_.ErrorInScalar(
          pointer, reference.offset,
          absl::StrCat("node '", reference.name, "' is not upstream of ", reader,
                       ", so its output is not available when ", reader, " runs"));
    }
  }

  const WorkflowDraft& draft_;
  const GraphFacts& graph_;
  Reporter& reporter_;
  std::vector<std::string> node_names_;
  std::vector<std::string> input_names_;
  std::vector<std::string> var_names_;
  absl::flat_hash_set<std::string> used_inputs_;
  absl::flat_hash_set<int> starts_;
};

// Inputs may be read without a static reference: `$inputs` used whole, or through `$json` /
// `$input` in a start node (whose input item is the execution's inputs).
bool InputsReadDynamically(const WorkflowDraft& draft, const Wiring& wiring) {
  bool dynamic = false;
  for (size_t i = 0; i < draft.nodes.size() && !dynamic; ++i) {
    bool start = std::find(wiring.start_nodes.begin(), wiring.start_nodes.end(),
                           static_cast<int>(i)) != wiring.start_nodes.end();
    ForEachTemplate(draft.nodes[i].params, [&](const std::string& text) {
      if (Mentions(text, "$inputs", /*whole_only=*/true)) dynamic = true;
      if (start && (Mentions(text, "$json", false) || Mentions(text, "$input", false))) {
        dynamic = true;
      }
    });
  }
  return dynamic;
}

}  // namespace

void CheckExpressions(const WorkflowDraft& draft, const std::vector<NodeFacts>& facts,
                      const Wiring& wiring, const GraphFacts& graph, Reporter& reporter) {
  ReferenceChecker checker(draft, wiring, graph, reporter);
  for (size_t i = 0; i < facts.size(); ++i) {
    for (const expr::LocatedReference& located : facts[i].references) {
      checker.Check(static_cast<int>(i), absl::StrCat(facts[i].params_pointer, located.pointer),
                    located.reference);
    }
  }
  if (InputsReadDynamically(draft, wiring)) return;
  for (const InputSpec& input : draft.inputs) {
    if (checker.input_used(input.name)) continue;
    auto it = draft.input_pointers.find(input.name);
    reporter.Warning(it == draft.input_pointers.end() ? "/inputs" : it->second,
                     absl::StrCat("input '", input.name,
                                  "' is declared but never used (no "
                                  "expression reads $inputs.",
                                  input.name, ")"),
                     Part::kKey);
  }
}

}  // namespace flowhost::workflow
