#include "server/executor/error_items.h"

#include <algorithm>
#include <string>

#include "flowhost/sdk/error.h"

namespace flowhost::executor {

sdk::Items ErrorItems(const absl::Status& error, std::string_view node, size_t count) {
  sdk::Json description = {{"message", std::string(error.message())},
                           {"class", sdk::ErrorClassOf(error)},
                           {"code", std::string(absl::StatusCodeToString(error.code()))},
                           {"node", std::string(node)}};
  if (sdk::Json details = sdk::ErrorDetailsOf(error); !details.is_null()) {
    description["details"] = std::move(details);
  }
  sdk::Items items;
  count = std::max<size_t>(count, 1);
  items.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    sdk::Json item = {{"error", description}};
    item["error"]["item_index"] = i;
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace flowhost::executor
