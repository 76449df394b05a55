#include "nodes/core/json_path.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::nodes::core {

absl::StatusOr<std::vector<std::string>> SplitPath(std::string_view path, bool dotted) {
  if (path.empty()) return absl::InvalidArgumentError("a field path must not be empty");
  std::vector<std::string> segments;
  if (!dotted) {
    segments.emplace_back(path);
    return segments;
  }
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    std::string_view segment =
        path.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (segment.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field path '", sdk::AsAbsl(path), "' has an empty segment"));
    }
    segments.emplace_back(segment);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return segments;
}

const Json* FindPath(const Json& value, const std::vector<std::string>& segments) {
  const Json* current = &value;
  for (const std::string& segment : segments) {
    if (current->is_object()) {
      auto it = current->find(segment);
      if (it == current->end()) return nullptr;
      current = &*it;
    } else if (current->is_array()) {
      size_t index = 0;
      if (!absl::SimpleAtoi(segment, &index) || index >= current->size()) return nullptr;
      current = &(*current)[index];
    } else {
      return nullptr;
    }
  }
  return current;
}

absl::Status SetPath(Json& value, const std::vector<std::string>& segments, Json field) {
  if (segments.empty()) return absl::InvalidArgumentError("a field path must not be empty");
  if (value.is_null()) value = Json::object();
  Json* current = &value;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!current->is_object()) {
      std::vector<std::string> prefix(segments.begin(), segments.begin() + i);
      std::string what = i == 0 ? "the item" : absl::StrCat("'", PathText(prefix), "'");
      return absl::InvalidArgumentError(
          absl::StrCat("cannot set '", PathText(segments), "': ", what, " is ",
                       sdk::AsAbsl(sdk::JsonTypeName(*current)), ", not an object"));
    }
    if (i + 1 == segments.size()) {
      (*current)[segments[i]] = std::move(field);
      return absl::OkStatus();
    }
    auto it = current->find(segments[i]);
    if (it == current->end() || it->is_null()) {
      (*current)[segments[i]] = Json::object();
      it = current->find(segments[i]);
    }
    current = &*it;
  }
  return absl::OkStatus();
}

void ErasePath(Json& value, const std::vector<std::string>& segments) {
  if (segments.empty()) return;
  Json* current = &value;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    if (!current->is_object()) return;
    auto it = current->find(segments[i]);
    if (it == current->end()) return;
    current = &*it;
  }
  if (current->is_object()) current->erase(segments.back());
}

std::string PathText(const std::vector<std::string>& segments) {
  return absl::StrJoin(segments, ".");
}

}  // namespace flowhost::nodes::core
