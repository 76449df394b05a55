#include "server/workflow/yaml_document.h"

#include <algorithm>
#include <utility>

#include "flowhost/sdk/absl_compat.h"
#include "server/workflow/json_pointer.h"

namespace flowhost::workflow {

YamlDocument::YamlDocument(sdk::Json root,
                           absl::flat_hash_map<std::string, ValueLocation> locations)
    : root_(std::move(root)), locations_(std::move(locations)) {}

YamlDocument::Lookup YamlDocument::Find(std::string_view pointer) const {
  bool exact = true;
  while (true) {
    auto it = locations_.find(sdk::AsAbsl(pointer));
    if (it != locations_.end()) return {&it->second, exact};
    if (pointer.empty()) return {};
    pointer = ParentPointer(pointer);
    exact = false;
  }
}

std::vector<std::string> YamlDocument::KeysInFileOrder(std::string_view pointer) const {
  std::vector<std::pair<size_t, std::string>> keyed;
  const sdk::Json* object = ResolvePointer(root_, pointer);
  if (object == nullptr || !object->is_object()) return {};
  for (const auto& [key, unused] : object->items()) {
    Lookup lookup = Find(ChildPointer(pointer, key));
    size_t offset = lookup.exact && lookup.location->key_offset != kNoOffset
                        ? lookup.location->key_offset
                        : kNoOffset;
    keyed.emplace_back(offset, key);
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  keys.reserve(keyed.size());
  for (auto& [offset, key] : keyed) keys.push_back(std::move(key));
  return keys;
}

}  // namespace flowhost::workflow
