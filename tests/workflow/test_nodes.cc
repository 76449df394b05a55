#include "tests/workflow/test_nodes.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "flowhost/sdk/node.h"
#include "flowhost/sdk/node_context.h"

namespace flowhost::workflow::testing {
namespace {

using sdk::Json;

// Every test node forwards input 0 to output 0; the loader's tests never run them, but a Node must
// do something sensible if one does.
class ForwardingNode : public sdk::Node {
 public:
  explicit ForwardingNode(std::optional<std::vector<sdk::PortInfo>> outputs = std::nullopt)
      : outputs_(std::move(outputs)) {}

  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    sdk::NodeResult result;
    if (!context.inputs().empty()) result.outputs.push_back(context.inputs().front());
    done(std::move(result));
  }

  std::optional<std::vector<sdk::PortInfo>> outputs() const override { return outputs_; }

 private:
  std::optional<std::vector<sdk::PortInfo>> outputs_;
};

class TestType : public sdk::NodeType {
 public:
  explicit TestType(sdk::NodeTypeInfo info) : info_(std::move(info)) {}
  const sdk::NodeTypeInfo& info() const override { return info_; }
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override {
    return std::make_unique<ForwardingNode>();
  }

 private:
  sdk::NodeTypeInfo info_;
};

sdk::NodeTypeInfo Info(std::string type, Json schema, std::vector<sdk::PortInfo> inputs,
                       std::vector<sdk::PortInfo> outputs) {
  sdk::NodeTypeInfo info;
  info.type = std::move(type);
  info.description = "A node type for the workflow loader's tests.";
  info.parameter_schema = std::move(schema);
  info.inputs = std::move(inputs);
  info.outputs = std::move(outputs);
  return info;
}

std::vector<sdk::PortInfo> Main() { return {{"main", ""}}; }

std::shared_ptr<sdk::NodeType> Echo() {
  return std::make_shared<TestType>(Info("test.echo", Json::parse(R"({
    "type": "object",
    "additionalProperties": false,
    "required": ["message"],
    "properties": {
      "message": {"type": "string"},
      "count": {"type": "integer", "minimum": 1, "default": 1},
      "tags": {"type": "array", "items": {"type": "string"}},
      "options": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "verbose": {"type": "boolean", "default": false},
          "prefix": {"type": "string"}
        }
      }
    }
  })"),
                                         Main(), Main()));
}

std::shared_ptr<sdk::NodeType> Branch() {
  return std::make_shared<TestType>(Info("test.branch", Json::parse(R"({
    "type": "object", "additionalProperties": false, "required": ["condition"],
    "properties": {"condition": {"type": "boolean"}}
  })"),
                                         Main(), {{"true", ""}, {"false", ""}}));
}

std::shared_ptr<sdk::NodeType> Merge() {
  return std::make_shared<TestType>(
      Info("test.merge", Json::parse(R"({"type": "object", "additionalProperties": false})"),
           {{"left", ""}, {"right", ""}}, Main()));
}

std::shared_ptr<sdk::NodeType> Source() {
  return std::make_shared<TestType>(
      Info("test.source", Json::parse(R"({"type": "object", "additionalProperties": false})"), {},
           Main()));
}

std::shared_ptr<sdk::NodeType> Sink() {
  return std::make_shared<TestType>(
      Info("test.sink", Json::parse(R"({"type": "object", "additionalProperties": false})"), Main(),
           {}));
}

std::shared_ptr<sdk::NodeType> Router() {
  return std::make_shared<TestType>(Info("test.router", Json::parse(R"({
    "type": "object", "additionalProperties": false, "required": ["prompt"],
    "properties": {
      "prompt": {"type": "string"},
      "fallback": {"type": "string", "x-node-ref": true},
      "accept": {"type": "boolean", "x-deferred": true, "default": true},
      "routes": {
        "type": "array",
        "items": {
          "type": "object", "additionalProperties": false, "required": ["node"],
          "properties": {"node": {"type": "string", "x-node-ref": true}}
        }
      }
    }
  })"),
                                         Main(), Main()));
}

// One output per rule, named by the rule; Create checks the rules' names.
class SwitchType : public sdk::NodeType {
 public:
  SwitchType()
      : info_(Info("test.switch", Json::parse(R"({
          "type": "object", "additionalProperties": false, "required": ["rules"],
          "properties": {
            "rules": {"type": "array", "minItems": 1, "items": {
              "type": "object", "additionalProperties": false, "required": ["name"],
              "properties": {"name": {"type": "string"}, "when": {"type": "boolean"}}
            }}
          }
        })"),
                   Main(), {{"0", ""}})) {}

  const sdk::NodeTypeInfo& info() const override { return info_; }

  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override {
    std::vector<sdk::PortInfo> outputs;
    std::set<std::string> seen;
    const Json& rules = config.params()["rules"];
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string name = rules[i]["name"].get<std::string>();
      std::string pointer = "/rules/" + std::to_string(i) + "/name";
      if (config.IsDynamic(pointer)) {
        config.Error(pointer, "a rule's name names an output and must not be an expression");
      } else if (!seen.insert(name).second) {
        config.Error(pointer, "duplicate rule name '" + name + "'");
      }
      outputs.push_back({name, ""});
    }
    return std::make_unique<ForwardingNode>(std::move(outputs));
  }

 private:
  sdk::NodeTypeInfo info_;
};

// Checks a rule across parameters in Create, and warns about a deprecated value.
class StrictType : public sdk::NodeType {
 public:
  StrictType()
      : info_(Info("test.strict", Json::parse(R"({
          "type": "object", "additionalProperties": false, "required": ["mode"],
          "properties": {
            "mode": {"type": "string", "enum": ["fast", "slow", "legacy"]},
            "limit": {"type": "integer"}
          }
        })"),
                   Main(), Main())) {}

  const sdk::NodeTypeInfo& info() const override { return info_; }

  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override {
    const Json& params = config.params();
    if (!config.IsDynamic("/mode") && params["mode"] == "legacy") {
      config.Warning("/mode", "mode 'legacy' is deprecated; use 'slow'");
    }
    if (!config.IsDynamic("/mode") && !config.IsDynamic("/limit") && params["mode"] == "fast" &&
        params.contains("limit") && params["limit"].get<int64_t>() > 10) {
      config.Error("/limit", "limit must be at most 10 in fast mode");
      return nullptr;
    }
    return std::make_unique<ForwardingNode>();
  }

 private:
  sdk::NodeTypeInfo info_;
};

registry::NodeTypeRegistry* BuildRegistry() {
  auto* registry = new registry::NodeTypeRegistry();
  for (std::shared_ptr<sdk::NodeType> type :
       {Echo(), Branch(), Merge(), Source(), Sink(), Router(),
        std::shared_ptr<sdk::NodeType>(std::make_shared<SwitchType>()),
        std::shared_ptr<sdk::NodeType>(std::make_shared<StrictType>())}) {
    absl::Status status = registry->Register(std::move(type));
    if (!status.ok()) std::abort();
  }
  return registry;
}

}  // namespace

const registry::NodeTypeRegistry& TestRegistry() {
  static const registry::NodeTypeRegistry* registry = BuildRegistry();
  return *registry;
}

}  // namespace flowhost::workflow::testing
