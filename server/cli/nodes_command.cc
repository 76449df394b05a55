#include <algorithm>
#include <iostream>

#include "flowhost/sdk/json.h"
#include "server/cli/commands.h"
#include "server/registry/builtin_nodes.h"

namespace flowhost::cli {
namespace {

sdk::Json Ports(const std::vector<sdk::PortInfo>& ports) {
  sdk::Json out = sdk::Json::array();
  for (const auto& port : ports) out.push_back({{"name", port.name}, {"description", port.description}});
  return out;
}

}  // namespace

int NodesCommand(const Args& args, std::ostream& out, std::ostream& err) {
  bool json = false;
  for (const std::string& arg : args) {
    if (arg == "--json") {
      json = true;
    } else {
      err << "usage: flowhost nodes [--json]\n";
      return kExitInvalid;
    }
  }
  registry::NodeTypeRegistry registry;
  if (absl::Status status = registry::RegisterBuiltinNodes(registry); !status.ok()) {
    err << "flowhost: internal error registering node types: " << status.message() << "\n";
    return kExitFailed;
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
                      {"outputs", Ports(info.outputs)}});
    }
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& type : registry.List()) {
    const sdk::NodeTypeInfo& info = type->info();
    out << info.type << " (v" << info.version << ")\n  " << info.description << "\n";
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
