#include "server/workflow/node_compiler.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/json_schema.h"
#include "flowhost/sdk/output_schema.h"
#include "server/common/contained_task.h"
#include "server/expr/template.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/node_config_adapter.h"
#include "server/workflow/schema_annotations.h"
#include "server/workflow/suggest.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

void ReportViolation(const sdk::SchemaViolation& violation, const Json& params,
                     const std::string& params_pointer, Reporter& reporter) {
  std::string at = absl::StrCat(params_pointer, violation.pointer);
  if (StartsWith(violation.message, "unknown parameter")) {
    std::string parent = PointerToPath(params, ParentPointer(violation.pointer));
    reporter.Error(
        at,
        parent.empty() ? violation.message : absl::StrCat("'", parent, "': ", violation.message),
        Part::kKey);
  } else if (StartsWith(violation.message, "missing required parameter")) {
    std::string object = PointerToPath(params, violation.pointer);
    reporter.Error(
        at,
        object.empty() ? violation.message : absl::StrCat("'", object, "': ", violation.message),
        Part::kKey);
  } else {
    std::string path = PointerToPath(params, violation.pointer);
    reporter.Error(at, path.empty() ? absl::StrCat("params: ", violation.message)
                                    : absl::StrCat("parameter '", path, "': ", violation.message));
  }
}

// Resolves the node names in "x-node-ref" parameters.
void ResolveNodeRefs(const WorkflowDraft& workflow, int index, const Json& params,
                     const std::vector<std::string>& node_refs, const expr::CompiledJson* compiled,
                     Reporter& reporter, NodeFacts& facts) {
  for (const std::string& pointer : node_refs) {
    const Json* value = ResolvePointer(params, pointer);
    std::string at = absl::StrCat(facts.params_pointer, pointer);
    if (value == nullptr || value->is_null()) continue;
    if (!value->is_string()) continue;  // the schema check reports the type
    bool dynamic = compiled != nullptr ? compiled->IsDynamic(pointer) : ContainsTemplate(*value);
    if (dynamic) {
      reporter.Error(at,
                     "this parameter names a node and must be written as a plain name: an "
                     "expression cannot be checked when the workflow loads");
      continue;
    }
    const std::string& name = value->get_ref<const std::string&>();
    auto it = workflow.node_index.find(name);
    if (it == workflow.node_index.end()) {
      std::vector<std::string> names;
      for (const NodeDraft& node : workflow.nodes) {
        if (!node.name.empty()) names.push_back(node.name);
      }
      reporter.Error(at, absl::StrCat("no node named '", name, "'", DidYouMean(name, names)));
      continue;
    }
    if (it->second == index) {
      reporter.Error(at, absl::StrCat("node '", name, "' cannot name itself here"));
      continue;
    }
    facts.node_refs.push_back({at, PointerToPath(params, pointer), it->second});
  }
}

// Collects the credential names in "x-credential" parameters: written out, never computed, so
// that what a node may read is fixed when the workflow loads.
void CollectCredentials(const Json& params, const std::vector<std::string>& pointers,
                        const expr::CompiledJson* compiled, const std::string& params_pointer,
                        Reporter& reporter, std::vector<std::string>& out) {
  for (const std::string& pointer : pointers) {
    const Json* value = ResolvePointer(params, pointer);
    if (value == nullptr || value->is_null() || !value->is_string()) continue;  // schema's job
    bool dynamic = compiled != nullptr ? compiled->IsDynamic(pointer) : ContainsTemplate(*value);
    if (dynamic) {
      reporter.Error(absl::StrCat(params_pointer, pointer),
                     "this parameter names a host credential and must be written as a plain "
                     "name: a node receives only the credentials its parameters name when the "
                     "workflow loads");
      continue;
    }
    const std::string& name = value->get_ref<const std::string&>();
    if (name.empty()) continue;
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
}

// When one template of a node fails, CompiledJson gives nothing; compile the strings one by one so
// that the references of the others are still checked.
void CollectReferences(const Json& value, const std::string& pointer,
                       const expr::ExpressionLimits& limits,
                       std::vector<expr::LocatedReference>& out) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!HasTemplate(text)) return;
    std::vector<expr::TemplateError> ignored;  // already reported
    std::unique_ptr<const expr::Template> compiled =
        expr::Template::Compile(text, limits, pointer, ignored);
    if (compiled == nullptr) return;
    for (const expr::Reference& reference : compiled->references()) {
      out.push_back({pointer, reference});
    }
  } else if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      CollectReferences(child, ChildPointer(pointer, key), limits, out);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      CollectReferences(value[i], ChildPointer(pointer, i), limits, out);
    }
  }
}

std::vector<expr::LocatedReference> ReferencesOfValidTemplates(
    const Json& params, const expr::ExpressionLimits& limits) {
  std::vector<expr::LocatedReference> out;
  CollectReferences(params, "", limits, out);
  return out;
}

// A plain dotted path in an "x-field-path" parameter reads its first segment from the input items,
// as `$json.segment` would. Paths with escapes or computed ones are left alone.
void AddFieldPathReferences(const Json& params, const std::vector<std::string>& pointers,
                            std::vector<expr::LocatedReference>& out) {
  for (const std::string& pointer : pointers) {
    const Json* value = ResolvePointer(params, pointer);
    if (value == nullptr || !value->is_string()) continue;
    const std::string& path = value->get_ref<const std::string&>();
    if (path.empty() || HasTemplate(path) || path.find('\\') != std::string::npos) continue;
    std::string first = path.substr(0, path.find('.'));
    if (first.empty()) continue;
    out.push_back({pointer, expr::Reference{expr::Reference::Kind::kField, first, 0, ""}});
  }
}

// Lets the type build the node and asks it for its ports. A type that throws (a bug in it, built
// in or from a plugin) fails this node with a located error naming it; the load goes on.
std::unique_ptr<sdk::Node> CreateNode(const sdk::NodeType& type, NodeConfigAdapter& config,
                                      const std::string& node_pointer, Reporter& reporter,
                                      CompiledNode& out, Json& output_schema, bool& threw) {
  const char* step = "building it (Create)";
  try {
    std::unique_ptr<sdk::Node> node = type.Create(config);
    if (node == nullptr) return nullptr;
    const sdk::NodeTypeInfo& info = type.info();
    step = "asking it for its ports";
    out.inputs = node->inputs().value_or(info.inputs);
    out.outputs = node->outputs().value_or(info.outputs);
    step = "asking it for its output schema";
    output_schema = node->output_schema().value_or(info.output_schema);
    return node;
  } catch (...) {
    threw = true;
    reporter.Error(node_pointer,
                   absl::StrCat("node '", config.name(), "': node type '", type.info().type,
                                "' threw an exception while ", step,
                                " (a bug in the node type): ", common::DescribeCurrentException()));
  }
  out.inputs.clear();
  out.outputs.clear();
  return nullptr;
}

}  // namespace

void CompileNode(const WorkflowDraft& workflow, int index,
                 const registry::NodeTypeRegistry& registry, const expr::ExpressionLimits& limits,
                 Reporter& reporter, CompiledNode& out, NodeFacts& facts) {
  const NodeDraft& draft = workflow.nodes[static_cast<size_t>(index)];
  facts.params_pointer = absl::StrCat(draft.pointer, "/params");
  out.name = draft.name;
  out.settings = draft.settings;

  std::shared_ptr<const sdk::NodeType> type;
  if (!draft.type.empty()) {
    type = registry.Find(draft.type);
    if (type == nullptr) {
      std::vector<std::string> close = registry.Suggest(draft.type);
      reporter.Error(
          absl::StrCat(draft.pointer, "/type"),
          absl::StrCat("unknown node type '", draft.type, "'", DidYouMean(draft.type, close)));
    }
  }
  out.type = type;

  // Without a type there is no schema, but the expressions can still be checked.
  const Json schema = type != nullptr ? type->info().parameter_schema : Json::object();
  Json params = sdk::ApplySchemaDefaults(draft.params, schema);
  SchemaAnnotations annotations = FindAnnotations(params, schema);

  std::vector<expr::TemplateError> template_errors;
  std::unique_ptr<const expr::CompiledJson> compiled = expr::CompiledJson::Compile(
      params, limits,
      [&annotations](const std::string& pointer) {
        return PointerWithinAny(pointer, annotations.deferred);
      },
      template_errors);
  for (const expr::TemplateError& error : template_errors) {
    reporter.ErrorInScalar(absl::StrCat(facts.params_pointer, error.pointer), error.offset,
                           absl::StrCat("invalid expression: ", error.message));
  }
  out.params = std::shared_ptr<const expr::CompiledJson>(std::move(compiled));
  facts.references =
      out.params != nullptr ? out.params->references() : ReferencesOfValidTemplates(params, limits);
  facts.deferred = annotations.deferred;
  AddFieldPathReferences(params, annotations.field_paths, facts.references);

  // Without a schema, or without usable parameters, the checks below would only add noise.
  if (type == nullptr || !draft.params_valid) return;

  std::vector<sdk::SchemaViolation> violations;
  sdk::ValidateAgainstSchema(params, schema, violations, [&params](const std::string& pointer) {
    // A value computed at run time is type-checked at run time.
    const Json* value = ResolvePointer(params, pointer);
    return value != nullptr && value->is_string() &&
           HasTemplate(value->get_ref<const std::string&>());
  });
  for (const sdk::SchemaViolation& violation : violations) {
    ReportViolation(violation, params, facts.params_pointer, reporter);
  }
  ResolveNodeRefs(workflow, index, params, annotations.node_refs, out.params.get(), reporter,
                  facts);
  CollectCredentials(params, annotations.credentials, out.params.get(), facts.params_pointer,
                     reporter, out.credentials);
  if (!violations.empty() || draft.name.empty()) return;

  NodeConfigAdapter config(draft.name, params, out.params.get(), facts.params_pointer, reporter);
  bool threw = false;
  Json output_schema;
  std::unique_ptr<sdk::Node> node =
      CreateNode(*type, config, draft.pointer, reporter, out, output_schema, threw);
  if (node == nullptr) {
    if (config.errors() == 0 && !threw) {
      reporter.Error(absl::StrCat(draft.pointer, "/type"),
                     absl::StrCat("node type '", draft.type,
                                  "' could not build this node and gave no reason"));
    }
    return;
  }
  if (out.settings.on_error == OnError::kErrorOutput) {
    out.outputs.push_back(
        {"error", "one item {\"error\": {...}} per input item when the node fails"});
  }
  out.node = std::shared_ptr<const sdk::Node>(std::move(node));
  facts.ports_known = true;
  if (absl::Status checked = sdk::CheckOutputSchema(output_schema); checked.ok()) {
    facts.output_schema = std::move(output_schema);
  } else {
    reporter.Error(absl::StrCat(draft.pointer, "/type"),
                   absl::StrCat("node type '", draft.type, "' gave this node a bad output schema: ",
                                checked.message()));
  }
}

}  // namespace flowhost::workflow
