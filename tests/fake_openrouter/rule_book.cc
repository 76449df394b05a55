#include "tests/fake_openrouter/rule_book.h"

#include <fnmatch.h>

#include <algorithm>
#include <string>

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
    Rule rule{"*", "chat", std::nullopt, {}, std::nullopt, 0, 0, absl::Now(), 0};
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
      } else if (key == "probability" && value.is_number() && value.get<double>() > 0 &&
                 value.get<double>() <= 1) {
        rule.probability = value.get<double>();
      } else if (key == "rate_limit" && value.is_object() && value.size() == 2 &&
                 value.contains("requests") && value["requests"].is_number_integer() &&
                 value["requests"].get<int64_t>() >= 0 && value.contains("window_ms") &&
                 value["window_ms"].is_number_integer() && value["window_ms"].get<int64_t>() > 0) {
        rule.rate_limit_requests = value["requests"].get<int64_t>();
        rule.rate_limit_window_ms = value["window_ms"].get<int64_t>();
      } else if (key == "behavior") {
        absl::StatusOr<Behavior> behavior = ParseBehavior(value);
        if (!behavior.ok()) return behavior.status();
        rule.behavior = *std::move(behavior);
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "rule field \"", key,
            "\" is unknown or has a wrong value (model: glob string, endpoint: \"chat\" or "
            "\"models\", times: positive integer, probability: number in (0, 1], rate_limit: "
            "{requests: integer >= 0, window_ms: positive integer}, behavior: object)"));
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

bool RuleBook::Applies(Rule& rule, absl::Time now, Behavior& behavior) {
  if (rule.probability.has_value() &&
      std::uniform_real_distribution<double>(0, 1)(rng_) >= *rule.probability) {
    return false;
  }
  if (rule.rate_limit_window_ms <= 0) return true;
  const absl::Duration window = absl::Milliseconds(rule.rate_limit_window_ms);
  while (now >= rule.window_start + window) {
    rule.window_start += window * ((now - rule.window_start) / window);
    rule.window_count = 0;
  }
  if (++rule.window_count <= rule.rate_limit_requests) return false;
  absl::Duration left = rule.window_start + window - now;
  int64_t seconds = absl::ToInt64Seconds(absl::Ceil(left, absl::Seconds(1)));
  behavior.retry_after = std::to_string(std::max<int64_t>(1, seconds));
  return true;
}

std::optional<Behavior> RuleBook::Take(std::string_view endpoint, std::string_view model) {
  const std::string model_text(model);
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->endpoint != endpoint) continue;
    if (fnmatch(it->model.c_str(), model_text.c_str(), 0) != 0) continue;
    Behavior behavior = it->behavior;
    if (!Applies(*it, now, behavior)) continue;
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
    if (rule.probability.has_value()) item["probability"] = *rule.probability;
    if (rule.rate_limit_window_ms > 0) {
      item["rate_limit"] = {{"requests", rule.rate_limit_requests},
                            {"window_ms", rule.rate_limit_window_ms}};
    }
    list.push_back(std::move(item));
  }
  return Json{{"rules", std::move(list)}};
}

}  // namespace flowhost::fake_openrouter
