#include "server/workflow/field_checks.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/suggest.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;

// What the items on one port may hold: any field (open), or only `fields`.
struct ItemShape {
  bool open = false;
  std::set<std::string> fields;

  void Add(const ItemShape& other) {
    open = open || other.open;
    fields.insert(other.fields.begin(), other.fields.end());
  }
  bool Has(const std::string& field) const { return open || fields.contains(field); }
};

ItemShape Open() { return ItemShape{true, {}}; }

// The top-level properties an output schema lists.
std::set<std::string> Properties(const Json& schema) {
  std::set<std::string> out;
  auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object()) return out;
  for (const auto& [name, unused] : properties->items()) out.insert(name);
  return out;
}

bool FlagSet(const Json& schema, const char* keyword) {
  auto it = schema.find(keyword);
  return it != schema.end() && it->is_boolean() && it->get<bool>();
}

// The shape `schema` gives a node's items, given the union of its inputs.
ItemShape Resolve(const Json& schema, const ItemShape& inputs) {
  if (FlagSet(schema, "x-passthrough")) {
    ItemShape shape = inputs;
    for (const std::string& field : Properties(schema)) shape.fields.insert(field);
    return shape;
  }
  auto additional = schema.find("additionalProperties");
  if (additional != schema.end() && additional->is_boolean() && !additional->get<bool>()) {
    return ItemShape{false, Properties(schema)};
  }
  return Open();
}

class ShapeTracer {
 public:
  ShapeTracer(const std::vector<CompiledNode>& nodes, const std::vector<NodeFacts>& facts,
              const Wiring& wiring)
      : nodes_(nodes), facts_(facts), inputs_(nodes.size(), Open()), outputs_(nodes.size()) {
    for (int start : wiring.start_nodes) starts_.insert(start);
  }

  void Trace(const GraphFacts& graph) {
    // A node another invokes (a router's node route) gets whatever its invoker hands it.
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].attached) Visit(static_cast<int>(i), /*open_input=*/true);
    }
    for (int node : graph.topological_order) Visit(node, starts_.contains(node));
  }

  // The items on input 0 of `node` (what `$json` reads).
  const ItemShape& input(int node) const { return inputs_[static_cast<size_t>(node)]; }
  // The items on output 0 of `node` (what `$("node")` reads).
  ItemShape output(int node) const {
    const std::vector<ItemShape>& ports = outputs_[static_cast<size_t>(node)];
    return ports.empty() ? ItemShape{} : ports.front();
  }

 private:
  void Visit(int index, bool open_input) {
    const size_t i = static_cast<size_t>(index);
    const CompiledNode& node = nodes_[i];
    ItemShape all_inputs;
    for (size_t port = 0; port < node.sources.size(); ++port) {
      ItemShape shape;
      for (const PortRef& source : node.sources[port]) shape.Add(OutputPort(source));
      // Input 0 with nothing connected is a start node's (the execution's inputs) or unreachable.
      if (port == 0 && (open_input || node.sources[port].empty())) shape = Open();
      if (port == 0) inputs_[i] = shape;
      all_inputs.Add(shape);
    }
    if (node.sources.empty() && open_input) {
      inputs_[i] = Open();
      all_inputs = Open();
    }
    std::vector<ItemShape>& out = outputs_[i];
    out.assign(std::max<size_t>(node.outputs.size(), 1), ItemShape{});
    if (!facts_[i].ports_known) {
      out.assign(out.size(), Open());
      return;
    }
    if (node.settings.disabled) {
      out[0] = inputs_[i];
      return;
    }
    const ItemShape main = Resolve(facts_[i].output_schema, all_inputs);
    const bool error_port = node.settings.on_error == OnError::kErrorOutput;
    for (size_t port = 0; port < out.size(); ++port) {
      out[port] =
          error_port && port + 1 == node.outputs.size() ? ItemShape{false, {"error"}} : main;
    }
    if (node.settings.on_error == OnError::kContinue) out[0].fields.insert("error");
  }

  ItemShape OutputPort(const PortRef& source) const {
    if (source.node < 0 || static_cast<size_t>(source.node) >= outputs_.size()) return Open();
    const std::vector<ItemShape>& ports = outputs_[static_cast<size_t>(source.node)];
    if (source.port < 0 || static_cast<size_t>(source.port) >= ports.size()) return Open();
    return ports[static_cast<size_t>(source.port)];
  }

  const std::vector<CompiledNode>& nodes_;
  const std::vector<NodeFacts>& facts_;
  std::set<int> starts_;
  std::vector<ItemShape> inputs_;
  std::vector<std::vector<ItemShape>> outputs_;
};

// "content, model and usage", at most a dozen.
std::string ListFields(const std::set<std::string>& fields) {
  if (fields.empty()) return "no fields";
  std::vector<std::string> shown(fields.begin(), fields.end());
  const size_t kMaxShown = 16;
  std::string more;
  if (shown.size() > kMaxShown) {
    more = absl::StrCat(" and ", shown.size() - kMaxShown, " more");
    shown.resize(kMaxShown);
  }
  return absl::StrCat(absl::StrJoin(shown, ", "), more);
}

// DidYouMean by spelling, else a hint for the names people give an answer's text: a chat answer
// (openrouter.chat, router.fallback) holds it in `content`.
std::string Suggest(const std::string& field, const ItemShape& shape) {
  std::vector<std::string> known(shape.fields.begin(), shape.fields.end());
  std::string hint = DidYouMean(field, known);
  if (!hint.empty() || !shape.fields.contains("content")) return hint;
  for (const char* alias :
       {"text", "answer", "response", "output", "message", "result", "reply", "completion"}) {
    if (field == alias) return " (did you mean 'content'?)";
  }
  return "";
}

}  // namespace

void CheckFieldReads(const WorkflowDraft& draft, const std::vector<CompiledNode>& nodes,
                     const std::vector<NodeFacts>& facts, const Wiring& wiring,
                     const GraphFacts& graph, Reporter& reporter) {
  if (!graph.acyclic || nodes.size() != facts.size()) return;
  ShapeTracer tracer(nodes, facts, wiring);
  tracer.Trace(graph);
  for (size_t i = 0; i < facts.size(); ++i) {
    for (const expr::LocatedReference& located : facts[i].references) {
      const expr::Reference& reference = located.reference;
      if (reference.kind != expr::Reference::Kind::kField) continue;
      if (PointerWithinAny(located.pointer, facts[i].deferred)) continue;
      const std::string at = absl::StrCat(facts[i].params_pointer, located.pointer);
      if (reference.node.empty()) {
        const ItemShape& shape = tracer.input(static_cast<int>(i));
        if (shape.Has(reference.name)) continue;
        reporter.WarningInScalar(
            at, reference.offset,
            absl::StrCat("no node upstream outputs a field '", reference.name,
                         "', so it reads as null: the items this node receives have ",
                         ListFields(shape.fields), Suggest(reference.name, shape)));
        continue;
      }
      auto source = draft.node_index.find(reference.node);
      if (source == draft.node_index.end() || source->second == static_cast<int>(i)) continue;
      if (!graph.upstream[i][static_cast<size_t>(source->second)]) continue;
      ItemShape shape = tracer.output(source->second);
      if (shape.Has(reference.name)) continue;
      reporter.WarningInScalar(
          at, reference.offset,
          absl::StrCat("node '", reference.node, "' does not output a field '", reference.name,
                       "', so it reads as null: its items have ", ListFields(shape.fields),
                       Suggest(reference.name, shape)));
    }
  }
}

}  // namespace flowhost::workflow
