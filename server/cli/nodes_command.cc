#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "flowhost/sdk/json.h"
#include "server/cli/commands.h"
#include "server/cli/verb_config.h"
#include "server/runtime/host_node_types.h"

namespace flowhost::cli {
namespace {

sdk::Json Ports(const std::vector<sdk::PortInfo>& ports) {
  sdk::Json out = sdk::Json::array();
  for (const auto& port : ports)
    out.push_back({{"name", port.name}, {"description", port.description}});
  return out;
}

registry::NodeOrigin OriginOf(const registry::NodeTypeRegistry& registry, const std::string& type) {
  const registry::NodeOrigin* origin = registry.OriginOf(type);
  return origin == nullptr ? registry::NodeOrigin{} : *origin;
}

// As ListNodeTypes' NodeType.plugin: null for a built-in type.
sdk::Json PluginJson(const registry::NodeOrigin& origin) {
  if (origin.builtin()) return nullptr;
  return {{"file", origin.plugin_file},
          {"name", origin.plugin_name},
          {"version", origin.plugin_version}};
}

// One line for an output schema (flowhost/sdk/output_schema.h): which fields the items hold.
std::string DescribeOutputSchema(const sdk::Json& schema) {
  std::vector<std::string> fields;
  if (auto properties = schema.find("properties");
      properties != schema.end() && properties->is_object()) {
    for (const auto& [name, unused] : properties->items()) fields.push_back(name);
  }
  std::string listed;
  for (const std::string& field : fields) listed += (listed.empty() ? "" : ", ") + field;
  if (auto passthrough = schema.find("x-passthrough");
      passthrough != schema.end() && passthrough->is_boolean() && passthrough->get<bool>()) {
    return fields.empty() ? "the input items' fields" : "the input items' fields, plus " + listed;
  }
  if (auto additional = schema.find("additionalProperties");
      additional != schema.end() && additional->is_boolean() && !additional->get<bool>()) {
    return fields.empty() ? "none (no fields)" : listed;
  }
  return "any fields";
}

constexpr char kNodesUsage[] =
    "usage: flowhost nodes [--json] [--plugin PATH]... [--config FILE]\n";

constexpr char kNodesHelp[] =
    "\n"
    "Lists every node type workflows can use: built in or from a plugin, with its description and\n"
    "parameters (type, required, default).\n"
    "\n"
    "  --json              one JSON array: type, version, description, parameter schema, output\n"
    "                      schema, ports, origin (as ListNodeTypes)\n"
    "  --plugin PATH, --config FILE\n"
    "                      load the same node plugins as the server would "
    "(docs/configuration.md)\n";

}  // namespace

int NodesCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kNodesUsage << kNodesHelp;
    return kExitOk;
  }
  absl::StatusOr<VerbConfig> verb = LoadVerbConfig(args);
  if (!verb.ok()) {
    err << "flowhost nodes: configuration: " << verb.status().message() << "\n";
    return kExitInvalid;
  }
  bool json = false;
  for (const std::string& arg : verb->rest) {
    if (arg == "--json") {
      json = true;
    } else {
      err << "flowhost nodes: unexpected argument '" << arg << "'\n" << kNodesUsage;
      return kExitInvalid;
    }
  }
  registry::NodeTypeRegistry registry;
  auto plugins = runtime::RegisterHostNodeTypes(verb->config, registry);
  if (!plugins.ok()) {
    err << "flowhost nodes: " << plugins.status().message() << "\n";
    return plugins.status().code() == absl::StatusCode::kInternal ? kExitFailed : kExitInvalid;
  }
  if (json) {
    sdk::Json list = sdk::Json::array();
    for (const auto& type : registry.List()) {
      const sdk::NodeTypeInfo& info = type->info();
      list.push_back({{"type", info.type},
                      {"version", info.version},
                      {"description", info.description},
                      {"parameters", info.parameter_schema},
                      {"inputs", Ports(info.inputs)},
                      {"outputs", Ports(info.outputs)},
                      {"output_schema", info.output_schema},
                      {"origin", OriginOf(registry, info.type).Describe()},
                      {"plugin", PluginJson(OriginOf(registry, info.type))}});
    }
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& type : registry.List()) {
    const sdk::NodeTypeInfo& info = type->info();
    out << info.type << " (v" << info.version << ") [" << OriginOf(registry, info.type).Describe()
        << "]\n  " << info.description << "\n"
        << "  items out: " << DescribeOutputSchema(info.output_schema) << "\n";
    const sdk::Json& schema = info.parameter_schema;
    auto properties = schema.find("properties");
    if (properties == schema.end() || properties->empty()) continue;
    std::vector<std::string> required;
    if (auto it = schema.find("required"); it != schema.end() && it->is_array()) {
      required = it->get<std::vector<std::string>>();
    }
    for (const auto& [name, property] : properties->items()) {
      bool is_required = std::find(required.begin(), required.end(), name) != required.end();
      std::string type_name = property.contains("type") ? (property["type"].is_string()
                                                               ? property["type"].get<std::string>()
                                                               : property["type"].dump())
                                                        : "any";
      out << "    " << name << ": " << type_name << (is_required ? ", required" : "");
      if (property.contains("default")) out << ", default " << property["default"].dump();
      if (property.contains("description")) {
        out << " - " << property["description"].get<std::string>();
      }
      out << "\n";
    }
  }
  return kExitOk;
}

}  // namespace flowhost::cli
