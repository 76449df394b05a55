#include "server/registry/node_type_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/did_you_mean.h"
#include "flowhost/sdk/json_schema.h"
#include "flowhost/sdk/output_schema.h"

namespace flowhost::registry {
namespace {

bool IsValidTypeName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    if (!ok) return false;
  }
  return name.front() >= 'a' && name.front() <= 'z';
}

}  // namespace

std::string NodeOrigin::Describe() const {
  if (builtin()) return "built in";
  return absl::StrCat("plugin ", plugin_file, " (", plugin_name, " ", plugin_version, ")");
}

absl::Status NodeTypeRegistry::Register(std::shared_ptr<const sdk::NodeType> type) {
  return Register(std::move(type), NodeOrigin{});
}

absl::Status NodeTypeRegistry::Register(std::shared_ptr<const sdk::NodeType> type,
                                        NodeOrigin origin) {
  if (type == nullptr) return absl::InvalidArgumentError("cannot register a null node type");
  const sdk::NodeTypeInfo& info = type->info();
  if (!IsValidTypeName(info.type)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid node type name '", info.type, "': use lower-case letters, digits, '.' and '_'"));
  }
  if (absl::Status schema = sdk::CheckSchema(info.parameter_schema); !schema.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("node type '", info.type, "' has a bad parameter schema: ", schema.message()));
  }
  if (absl::Status schema = sdk::CheckOutputSchema(info.output_schema); !schema.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("node type '", info.type, "' has a bad output schema: ", schema.message()));
  }
  auto it = types_.find(info.type);
  if (it != types_.end()) {
    if (origin.builtin() && it->second.origin.builtin()) {
      return absl::AlreadyExistsError(
          absl::StrCat("node type '", it->first, "' is registered twice"));
    }
    return absl::AlreadyExistsError(absl::StrCat("node type '", it->first, "' from ",
                                                 origin.Describe(), " is already registered (",
                                                 it->second.origin.Describe(), ")"));
  }
  std::string name = info.type;
  types_.emplace(std::move(name), Entry{std::move(type), std::move(origin)});
  return absl::OkStatus();
}

const NodeOrigin* NodeTypeRegistry::OriginOf(std::string_view type) const {
  auto it = types_.find(type);
  return it == types_.end() ? nullptr : &it->second.origin;
}

std::shared_ptr<const sdk::NodeType> NodeTypeRegistry::Find(std::string_view type) const {
  auto it = types_.find(type);
  return it == types_.end() ? nullptr : it->second.type;
}

std::vector<std::shared_ptr<const sdk::NodeType>> NodeTypeRegistry::List() const {
  std::vector<std::shared_ptr<const sdk::NodeType>> out;
  out.reserve(types_.size());
  for (const auto& [name, entry] : types_) out.push_back(entry.type);
  return out;
}

std::vector<std::string> NodeTypeRegistry::Suggest(std::string_view type) const {
  std::vector<std::string> out;
  size_t limit = std::max<size_t>(2, type.size() / 3);
  for (const auto& [name, unused] : types_) {
    if (sdk::EditDistance(name, type) <= limit) out.push_back(name);
  }
  return out;
}

}  // namespace flowhost::registry
