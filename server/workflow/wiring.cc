#include "server/workflow/wiring.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/workflow/describe.h"
#include "server/workflow/json_pointer.h"
#include "server/workflow/suggest.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;

bool IsIndex(std::string_view text) {
  return !text.empty() && text.size() < 6 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> PortNames(const std::vector<sdk::PortInfo>& ports) {
  std::vector<std::string> names;
  for (const sdk::PortInfo& port : ports) names.push_back(port.name);
  return names;
}

// A port chosen by name or by index. nullopt when it does not exist; -1 when the ports are not
// known.
struct PortChoice {
  bool ok = true;
  int index = -1;
};

PortChoice ChoosePort(std::string_view selector, bool known,
                      const std::vector<sdk::PortInfo>& ports) {
  if (!known) return {true, IsIndex(selector) ? std::stoi(std::string(selector)) : -1};
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].name == selector) return {true, static_cast<int>(i)};
  }
  if (IsIndex(selector)) {
    int index = std::stoi(std::string(selector));
    if (static_cast<size_t>(index) < ports.size()) return {true, index};
  }
  return {false, -1};
}

class Connector {
 public:
  Connector(const WorkflowDraft& draft, const std::vector<NodeFacts>& facts,
            std::vector<CompiledNode>& nodes, Reporter& reporter)
      : draft_(draft), facts_(facts), nodes_(nodes), reporter_(reporter) {
    for (const NodeDraft& node : draft.nodes) {
      if (!node.name.empty()) names_.push_back(node.name);
    }
  }

  Wiring Run() {
    wiring_.invokers.resize(nodes_.size());
    for (size_t i = 0; i < nodes_.size(); ++i) {
      for (const NodeFacts::NodeRef& ref : facts_[i].node_refs) {
        wiring_.invokers[static_cast<size_t>(ref.target)].push_back(static_cast<int>(i));
        nodes_[static_cast<size_t>(ref.target)].attached = true;
      }
      if (facts_[i].ports_known) {
        nodes_[i].targets.resize(nodes_[i].outputs.size());
        nodes_[i].sources.resize(nodes_[i].inputs.size());
      }
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (draft_.nodes[i].next != nullptr) ConnectFrom(static_cast<int>(i));
    }
    ChooseStartNodes();
    ResolveWorkflowOutput();
    return std::move(wiring_);
  }

 private:
  const std::string& Name(int node) const { return draft_.nodes[static_cast<size_t>(node)].name; }

  // "'fallback' parameter of 'router'", for messages about attached nodes.
  std::string Invoker(int node) const {
    int invoker = wiring_.invokers[static_cast<size_t>(node)].front();
    for (const NodeFacts::NodeRef& ref : facts_[static_cast<size_t>(invoker)].node_refs) {
      if (ref.target == node) {
        return absl::StrCat("node '", Name(invoker), "' (its '", ref.param, "' parameter)");
      }
    }
    return absl::StrCat("node '", Name(invoker), "'");
  }

  std::optional<int> FindNode(const std::string& name, const std::string& pointer) {
    auto it = draft_.node_index.find(name);
    if (it == draft_.node_index.end()) {
      reporter_.Error(pointer,
                      absl::StrCat("no node named '", name, "'", DidYouMean(name, names_)));
      return std::nullopt;
    }
    return it->second;
  }

  std::optional<int> ChooseOutput(int node, std::string_view selector, const std::string& pointer,
                                  Part part) {
    const CompiledNode& compiled = nodes_[static_cast<size_t>(node)];
    PortChoice choice =
        ChoosePort(selector, facts_[static_cast<size_t>(node)].ports_known, compiled.outputs);
    if (choice.ok) return choice.index;
    std::string hint;
    if (selector == "error" && compiled.settings.on_error != OnError::kErrorOutput) {
      hint = " (set on_error: error_output to give it one)";
    } else if (compiled.outputs.empty()) {
      hint = "; it has no outputs";
    } else {
      hint = absl::StrCat(DidYouMean(selector, PortNames(compiled.outputs)), "; its outputs are ",
                          ListOfNames(PortNames(compiled.outputs), true));
    }
    reporter_.Error(
        pointer,
        absl::StrCat("node '", Name(node), "' has no output '", sdk::AsAbsl(selector), "'", hint),
        part);
    return std::nullopt;
  }

  void ConnectFrom(int from) {
    const NodeDraft& draft = draft_.nodes[static_cast<size_t>(from)];
    std::string pointer = ChildPointer(draft.pointer, "next");
    const Json& next = *draft.next;
    if (next.is_null()) return;
    if (nodes_[static_cast<size_t>(from)].attached) {
      reporter_.Error(pointer,
                      absl::StrCat("node '", draft.name, "' is invoked by ", Invoker(from),
                                   ", which gets its items, so it cannot have 'next'"),
                      Part::kKey);
      return;
    }
    if (next.is_string() || next.is_array()) {
      if (nodes_[static_cast<size_t>(from)].outputs.empty() &&
          facts_[static_cast<size_t>(from)].ports_known) {
        reporter_.Error(pointer, absl::StrCat("node '", draft.name, "' has no outputs"),
                        Part::kKey);
        return;
      }
      ConnectTargets(from, 0, next, pointer);
    } else if (next.is_object()) {
      for (const std::string& selector : reporter_.document()->KeysInFileOrder(pointer)) {
        std::string at = ChildPointer(pointer, selector);
        std::optional<int> output = ChooseOutput(from, selector, at, Part::kKey);
        if (output.has_value()) ConnectTargets(from, *output, next[selector], at);
      }
    } else {
      reporter_.Error(pointer,
                      absl::StrCat("'next' must be a node name, a list of them, or a mapping from "
                                   "output names or numbers to them, got ",
                                   DescribeValue(next)));
    }
  }

  void ConnectTargets(int from, int output, const Json& targets, const std::string& pointer) {
    if (targets.is_string()) {
      Connect(from, output, targets.get<std::string>(), pointer);
    } else if (targets.is_array()) {
      for (size_t i = 0; i < targets.size(); ++i) {
        std::string at = ChildPointer(pointer, i);
        if (targets[i].is_string()) {
          Connect(from, output, targets[i].get<std::string>(), at);
        } else {
          reporter_.Error(at, absl::StrCat("a target must be a node name (or \"node:input\"), got ",
                                           DescribeValue(targets[i])));
        }
      }
    } else {
      reporter_.Error(pointer,
                      absl::StrCat("a target must be a node name (or \"node:input\") or a list of "
                                   "them, got ",
                                   DescribeValue(targets)));
    }
  }

  void Connect(int from, int output, const std::string& target, const std::string& pointer) {
    size_t colon = target.find(':');
    std::string name = target.substr(0, colon);
    std::optional<int> to = FindNode(name, pointer);
    if (!to.has_value()) return;
    if (*to == from) {
      reporter_.Error(pointer, absl::StrCat("node '", name, "' cannot connect to itself"));
      return;
    }
    const CompiledNode& target_node = nodes_[static_cast<size_t>(*to)];
    if (target_node.attached) {
      reporter_.Error(pointer,
                      absl::StrCat("node '", name, "' is invoked by ", Invoker(*to),
                                   ", so it cannot also be connected from '", Name(from), "'"));
      return;
    }
    bool known = facts_[static_cast<size_t>(*to)].ports_known;
    int input = 0;
    if (colon != std::string::npos) {
      std::string selector = target.substr(colon + 1);
      PortChoice choice = ChoosePort(selector, known, target_node.inputs);
      if (!choice.ok) {
        std::vector<std::string> inputs = PortNames(target_node.inputs);
        reporter_.Error(pointer,
                        absl::StrCat("node '", name, "' has no input '", selector, "'",
                                     inputs.empty() ? "; it has no inputs"
                                                    : absl::StrCat(DidYouMean(selector, inputs),
                                                                   "; its inputs are ",
                                                                   ListOfNames(inputs, true))));
        return;
      }
      input = choice.index;
    } else if (known && target_node.inputs.empty()) {
      reporter_.Error(pointer, absl::StrCat("node '", name,
                                            "' has no inputs, so nothing can "
                                            "connect to it"));
      return;
    }
    for (const Edge& edge : wiring_.edges) {
      if (edge.from == from && edge.output == output && edge.to == *to && edge.input == input) {
        reporter_.Error(pointer,
                        absl::StrCat("duplicate connection from '", Name(from), "' to '", target,
                                     "' (first at line ", reporter_.LineOf(edge.pointer), ")"));
        return;
      }
    }
    wiring_.edges.push_back({from, output, *to, input, pointer});
    if (output >= 0 && input >= 0 && facts_[static_cast<size_t>(from)].ports_known && known) {
      nodes_[static_cast<size_t>(from)].targets[static_cast<size_t>(output)].push_back(
          {*to, input});
      nodes_[static_cast<size_t>(*to)].sources[static_cast<size_t>(input)].push_back(
          {from, output});
    }
  }

  // The first (or last) node in the file that is neither attached nor nameless.
  std::optional<int> MainNode(bool last) const {
    std::optional<int> found;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].attached || draft_.nodes[i].name.empty()) continue;
      found = static_cast<int>(i);
      if (!last) break;
    }
    return found;
  }

  std::vector<std::pair<std::string, std::string>> Entries(const Json* value,
                                                           const std::string& pointer) const {
    std::vector<std::pair<std::string, std::string>> entries;  // (text, pointer)
    if (value->is_string()) {
      entries.emplace_back(value->get<std::string>(), pointer);
    } else if (value->is_array()) {
      for (size_t i = 0; i < value->size(); ++i) {
        if ((*value)[i].is_string()) {
          entries.emplace_back((*value)[i].get<std::string>(), ChildPointer(pointer, i));
        }
      }
    }
    return entries;
  }

  void ChooseStartNodes() {
    if (draft_.start == nullptr) {
      if (std::optional<int> first = MainNode(false)) wiring_.start_nodes.push_back(*first);
    } else {
      for (const auto& [name, pointer] : Entries(draft_.start, "/start")) {
        std::optional<int> node = FindNode(name, pointer);
        if (!node.has_value()) continue;
        if (nodes_[static_cast<size_t>(*node)].attached) {
          reporter_.Error(pointer, absl::StrCat("node '", name, "' is invoked by ", Invoker(*node),
                                                ", so it cannot be a start node"));
        } else if (std::find(wiring_.start_nodes.begin(), wiring_.start_nodes.end(), *node) !=
                   wiring_.start_nodes.end()) {
          reporter_.Error(pointer, absl::StrCat("start node '", name, "' is listed twice"));
        } else {
          wiring_.start_nodes.push_back(*node);
        }
      }
    }
    for (const Edge& edge : wiring_.edges) {
      bool start = std::find(wiring_.start_nodes.begin(), wiring_.start_nodes.end(), edge.to) !=
                   wiring_.start_nodes.end();
      if (start && edge.input == 0) {
        reporter_.Error(edge.pointer,
                        absl::StrCat("node '", Name(edge.to),
                                     "' is a start node and receives the execution's inputs on "
                                     "its input 0, so it cannot also be connected there"));
      }
    }
  }

  void ResolveWorkflowOutput() {
    if (draft_.output == nullptr) {
      std::optional<int> last = MainNode(true);
      if (!last.has_value()) return;
      const CompiledNode& node = nodes_[static_cast<size_t>(*last)];
      if (facts_[static_cast<size_t>(*last)].ports_known && node.outputs.empty()) {
        reporter_.Error(
            ChildPointer(draft_.nodes[static_cast<size_t>(*last)].pointer, "name"),
            absl::StrCat("the workflow's result defaults to the last node, '", Name(*last),
                         "', which has no outputs; name the result with "
                         "'output'"));
        return;
      }
      wiring_.output.push_back({*last, 0});
      wiring_.output_pointers.push_back(draft_.nodes[static_cast<size_t>(*last)].pointer);
      return;
    }
    for (const auto& [text, pointer] : Entries(draft_.output, "/output")) {
      size_t colon = text.find(':');
      std::optional<int> node = FindNode(text.substr(0, colon), pointer);
      if (!node.has_value()) continue;
      if (nodes_[static_cast<size_t>(*node)].attached) {
        reporter_.Error(pointer,
                        absl::StrCat("node '", Name(*node), "' is invoked by ", Invoker(*node),
                                     ", which gets its items, so it "
                                     "cannot be the workflow's output"));
        continue;
      }
      if (colon == std::string::npos && facts_[static_cast<size_t>(*node)].ports_known &&
          nodes_[static_cast<size_t>(*node)].outputs.empty()) {
        reporter_.Error(pointer, absl::StrCat("node '", Name(*node),
                                              "' has no outputs, so it "
                                              "cannot be the workflow's output"));
        continue;
      }
      std::optional<int> output =
          colon == std::string::npos ? ChooseOutput(*node, "0", pointer, Part::kValue)
                                     : ChooseOutput(*node, std::string_view(text).substr(colon + 1),
                                                    pointer, Part::kValue);
      if (!output.has_value()) continue;
      PortRef ref{*node, *output};
      if (std::find(wiring_.output.begin(), wiring_.output.end(), ref) != wiring_.output.end()) {
        reporter_.Error(pointer, absl::StrCat("output '", text, "' is listed twice"));
        continue;
      }
      wiring_.output.push_back(ref);
      wiring_.output_pointers.push_back(pointer);
    }
  }

  const WorkflowDraft& draft_;
  const std::vector<NodeFacts>& facts_;
  std::vector<CompiledNode>& nodes_;
  Reporter& reporter_;
  std::vector<std::string> names_;
  Wiring wiring_;
};

}  // namespace

Wiring ConnectNodes(const WorkflowDraft& draft, const std::vector<NodeFacts>& facts,
                    std::vector<CompiledNode>& nodes, Reporter& reporter) {
  return Connector(draft, facts, nodes, reporter).Run();
}

}  // namespace flowhost::workflow
