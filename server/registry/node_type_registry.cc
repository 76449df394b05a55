#include "server/registry/node_type_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/json_schema.h"

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

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

absl::Status NodeTypeRegistry::Register(std::shared_ptr<const sdk::NodeType> type) {
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
  auto [it, inserted] = types_.emplace(info.type, std::move(type));
  if (!inserted) {
    return absl::AlreadyExistsError(
        absl::StrCat("node type '", it->first, "' is registered twice"));
  }
  return absl::OkStatus();
}

std::shared_ptr<const sdk::NodeType> NodeTypeRegistry::Find(std::string_view type) const {
  auto it = types_.find(type);
  return it == types_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const sdk::NodeType>> NodeTypeRegistry::List() const {
  std::vector<std::shared_ptr<const sdk::NodeType>> out;
  out.reserve(types_.size());
  for (const auto& [name, type] : types_) out.push_back(type);
  return out;
}

std::vector<std::string> NodeTypeRegistry::Suggest(std::string_view type) const {
  std::vector<std::string> out;
  size_t limit = std::max<size_t>(2, type.size() / 3);
  for (const auto& [name, unused] : types_) {
    if (EditDistance(name, type) <= limit) out.push_back(name);
  }
  return out;
}

}  // namespace flowhost::registry
