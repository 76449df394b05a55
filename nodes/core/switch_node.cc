// `switch`: routes items to named outputs by rules. Each rule names an output and has a condition
// evaluated per item; in `first` mode an item goes to the output of the first rule that matches, in
// `all` mode to every matching rule's output (once per output). Items no rule matches go to the
// optional `fallback` output, or are dropped. The outputs are derived from the parameters (one per
// distinct rule output, in order of first appearance, then the fallback), so the rule outputs and
// the fallback must be written out literally.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/port_names.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

class SwitchNode : public sdk::Node {
 public:
  // `rule_ports[j]`: the output index of rule j; `fallback_port`: -1 when there is none.
  SwitchNode(std::vector<sdk::PortInfo> ports, std::vector<int> rule_ports, int fallback_port,
             bool all_matches)
      : ports_(std::move(ports)),
        rule_ports_(std::move(rule_ports)),
        fallback_port_(fallback_port),
        all_matches_(all_matches) {}

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    const Items& input = InputItems(context);
    sdk::NodeResult result;
    result.outputs.resize(ports_.size());
    for (size_t i = 0; i < input.size(); ++i) {
      absl::StatusOr<Json> params = ParamsForItem(context, i);
      if (!params.ok()) return done(params.status());
      auto rules = params->find("rules");
      if (rules == params->end() || !rules->is_array() || rules->size() != rule_ports_.size()) {
        return done(absl::InternalError("switch: evaluated rules do not match the compiled rules"));
      }
      std::vector<bool> sent(ports_.size(), false);
      bool matched = false;
      for (size_t j = 0; j < rule_ports_.size(); ++j) {
        if (!BoolField((*rules)[j], "condition", false)) continue;
        matched = true;
        if (!sent[rule_ports_[j]]) {
          sent[rule_ports_[j]] = true;
          result.outputs[rule_ports_[j]].push_back(input[i]);
        }
        if (!all_matches_) break;
      }
      if (!matched && fallback_port_ >= 0) result.outputs[fallback_port_].push_back(input[i]);
    }
    done(std::move(result));
  }

  std::optional<std::vector<sdk::PortInfo>> outputs() const override { return ports_; }

 private:
  const std::vector<sdk::PortInfo> ports_;
  const std::vector<int> rule_ports_;
  const int fallback_port_;
  const bool all_matches_;
};

// The output index of `name`, adding it when new.
int PortIndex(std::vector<sdk::PortInfo>& ports, const std::string& name, std::string description) {
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].name == name) return static_cast<int>(i);
  }
  ports.push_back({name, std::move(description)});
  return static_cast<int>(ports.size()) - 1;
}

std::unique_ptr<sdk::Node> CreateSwitchNode(sdk::NodeConfig& config) {
  const Json& params = config.params();
  auto rules = params.find("rules");
  if (rules == params.end() || !rules->is_array()) {
    config.Error("/rules",
                 "rules must be written out as a list: the outputs are derived from them");
    return nullptr;
  }
  bool ok = true;
  std::vector<sdk::PortInfo> ports;
  std::vector<int> rule_ports;
  for (size_t j = 0; j < rules->size(); ++j) {
    std::string pointer = absl::StrCat("/rules/", j, "/output");
    const Json& rule = (*rules)[j];
    auto output = rule.is_object() ? rule.find("output") : rule.end();
    if (!rule.is_object() || output == rule.end() || !output->is_string()) {
      config.Error(absl::StrCat("/rules/", j), "a rule needs an output name and a condition");
      ok = false;
      continue;
    }
    if (config.IsDynamic(pointer)) {
      config.Error(pointer, "an output name must be written out, not computed: it names a port");
      ok = false;
      continue;
    }
    std::string name = output->get<std::string>();
    if (std::string problem = PortNameProblem(name); !problem.empty()) {
      config.Error(pointer, problem);
      ok = false;
      continue;
    }
    rule_ports.push_back(PortIndex(ports, name, absl::StrCat("Items matching rule ", j, ".")));
  }
  int fallback_port = -1;
  if (auto fallback = params.find("fallback"); fallback != params.end()) {
    std::string problem;
    if (config.IsDynamic("/fallback")) {
      problem = "the fallback output name must be written out, not computed: it names a port";
    } else if (fallback->is_string()) {
      problem = PortNameProblem(fallback->get<std::string>());
    }
    if (!problem.empty()) {
      config.Error("/fallback", problem);
      ok = false;
    } else if (fallback->is_string()) {
      fallback_port = PortIndex(ports, fallback->get<std::string>(), "Items no rule matched.");
    }
  }
  if (!ok) return nullptr;
  return std::make_unique<SwitchNode>(std::move(ports), std::move(rule_ports), fallback_port,
                                      StringField(params, "mode", "first") == "all");
}

}  // namespace

std::shared_ptr<const sdk::NodeType> SwitchNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "switch";
  info.description =
      "Routes items to named outputs by rules (first match, or all matches), with an optional "
      "fallback output for items no rule matches.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "rules": {
        "type": "array",
        "minItems": 1,
        "description": "The rules, in order. Each names the output its matching items go to; several rules may share an output.",
        "items": {
          "type": "object",
          "properties": {
            "output": {
              "type": "string",
              "minLength": 1,
              "description": "The output this rule sends matching items to (written out, not an expression)."
            },
            "condition": {
              "type": "boolean",
              "description": "Evaluated for every item, usually an expression; must be a boolean."
            }
          },
          "required": ["output", "condition"],
          "additionalProperties": false
        }
      },
      "mode": {
        "type": "string",
        "enum": ["first", "all"],
        "default": "first",
        "description": "first: an item goes to the first matching rule's output only. all: to the output of every matching rule."
      },
      "fallback": {
        "type": "string",
        "description": "An output for items that no rule matches: a new output, or one of the rule outputs. Without it such items are dropped."
      }
    },
    "required": ["rules"],
    "additionalProperties": false
  })");
  info.inputs = {{"main", "The items to route."}};
  // The real outputs come from the rules (SwitchNode::outputs); the type lists none of its own.
  info.outputs = {};
  info.output_schema = sdk::PassThroughOutputSchema();
  return std::make_shared<SimpleNodeType>(std::move(info), CreateSwitchNode);
}

}  // namespace flowhost::nodes::core
