#include "tests/fake_openrouter/rule_book.h"

#include <fnmatch.h>

#include "absl/strings/str_cat.h"

namespace flowhost::fake_openrouter {

using Json = nlohmann::json;

absl::Status RuleBook::Append(const Json& body) {
  auto list = body.is_object() ? body.find("rules") : body.end();
  if (!body.is_object() || list == body.end() || !list->is_array()) {
    return absl::InvalidArgumentError("expected {\"rules\": [...]}");
  }
  std::vector<Rule> parsed;
  for (const Json& item : *list) {
    if (!item.is_object()) return absl::InvalidArgumentError("each rule must be an object");
    Rule rule{"*", "chat", std::nullopt, {}};
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string& key = it.key();
      const Json& value = it.value();
      if (key == "model" && value.is_string()) {
        rule.model = value.get<std::string>();
      } else if (key == "endpoint" && value.is_string() &&
                 (value.get<std::string>() == "chat" || value.get<std::string>() == "models")) {
        rule.endpoint = value.get<std::string>();
      } else if (key == "times" && value.is_number_integer() && value.get<int64_t>() > 0) {
        rule.times_left = value.get<int64_t>();
      } else if (key == "behavior") {
        absl::StatusOr<Behavior> behavior = ParseBehavior(value);
        if (!behavior.ok()) return behavior.status();
        rule.behavior = *std::move(behavior);
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "rule field \"", key,
            "\" is unknown or has a wrong value (model: glob string, endpoint: \"chat\" or "
            "\"models\", times: positive integer, behavior: object)"));
      }
    }
    parsed.push_back(std::move(rule));
  }
  absl::MutexLock lock(&mu_);
  for (Rule& rule : parsed) rules_.push_back(std::move(rule));
  return absl::OkStatus();
}

void RuleBook::Clear() {
  absl::MutexLock lock(&mu_);
  rules_.clear();
}

std::optional<Behavior> RuleBook::Take(std::string_view endpoint, std::string_view model) {
  const std::string model_text(model);
  absl::MutexLock lock(&mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->endpoint != endpoint) continue;
    if (fnmatch(it->model.c_str(), model_text.c_str(), 0) != 0) continue;
    Behavior behavior = it->behavior;
    if (it->times_left.has_value() && --*it->times_left == 0) rules_.erase(it);
    return behavior;
  }
  return std::nullopt;
}

Json RuleBook::ToJson() const {
  absl::MutexLock lock(&mu_);
  Json list = Json::array();
  for (const Rule& rule : rules_) {
    Json item = {{"model", rule.model},
                 {"endpoint", rule.endpoint},
                 {"behavior", BehaviorToJson(rule.behavior)}};
    if (rule.times_left.has_value()) item["times"] = *rule.times_left;
    list.push_back(std::move(item));
  }
  return Json{{"rules", std::move(list)}};
}

}  // namespace flowhost::fake_openrouter
