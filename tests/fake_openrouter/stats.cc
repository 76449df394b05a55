#include "tests/fake_openrouter/stats.h"

#include <algorithm>

namespace flowhost::fake_openrouter {

using Json = nlohmann::json;

namespace {

// Headers as a JSON object; repeated names are joined with ", " as HTTP allows.
Json HeadersToJson(const std::vector<std::pair<std::string, std::string>>& headers) {
  Json out = Json::object();
  for (const auto& [name, value] : headers) {
    auto it = out.find(name);
    if (it == out.end()) {
      out[name] = value;
    } else {
      *it = it->get<std::string>() + ", " + value;
    }
  }
  return out;
}

}  // namespace

void Stats::ConnectionOpened() {
  connections_accepted_.fetch_add(1, std::memory_order_relaxed);
  connections_open_.fetch_add(1, std::memory_order_relaxed);
}

void Stats::ConnectionClosed() { connections_open_.fetch_sub(1, std::memory_order_relaxed); }

void Stats::LogRequest(const HttpRequest& request) {
  LoggedRequest entry;
  entry.method = request.method;
  entry.path = request.target;
  entry.headers = request.headers;
  entry.body_truncated = request.body.size() > kLogBodyLimit;
  entry.body = request.body.substr(0, kLogBodyLimit);
  absl::MutexLock lock(&mu_);
  if (log_.size() < kLogCapacity) {
    log_.push_back(std::move(entry));
  } else {
    log_[log_next_] = std::move(entry);
  }
  log_next_ = (log_next_ + 1) % kLogCapacity;
  log_count_ = std::min(log_count_ + 1, kLogCapacity);
  last_api_headers_ = request.headers;
}

void Stats::ApiRequestStarted(RequestKind kind) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  int64_t now = in_flight_.fetch_add(1, std::memory_order_relaxed) + 1;
  int64_t peak = max_in_flight_.load(std::memory_order_relaxed);
  while (now > peak && !max_in_flight_.compare_exchange_weak(peak, now)) {
  }
  if (kind == RequestKind::kChat) chat_requests_.fetch_add(1, std::memory_order_relaxed);
  if (kind == RequestKind::kModels) models_requests_.fetch_add(1, std::memory_order_relaxed);
}

void Stats::ApiRequestAnswered(int status, std::string_view model,
                               std::optional<int64_t> retry_after_window_ms) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  ++status_counts_[status];
  if (model.empty()) return;
  std::string key(model);
  ++by_model_[key];
  auto window = retry_after_until_.find(key);
  if (window != retry_after_until_.end() && now < window->second) ++inside_retry_after_[key];
  if (retry_after_window_ms.has_value()) {
    absl::Time until = now + absl::Milliseconds(*retry_after_window_ms);
    if (window == retry_after_until_.end()) {
      retry_after_until_.emplace(key, until);
    } else {
      window->second = std::max(window->second, until);
    }
  }
}

void Stats::ChatRequestFromUser(std::string_view user) {
  absl::MutexLock lock(&mu_);
  ++by_user_[std::string(user)];
}

void Stats::ApiRequestEnded(bool aborted) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  if (aborted) requests_aborted_.fetch_add(1, std::memory_order_relaxed);
}

Json Stats::ToJson() const {
  Json out = {
      {"requests", requests_.load()},
      {"chat_requests", chat_requests_.load()},
      {"models_requests", models_requests_.load()},
      {"connections_accepted", connections_accepted_.load()},
      {"connections_open", connections_open_.load()},
      {"requests_aborted", requests_aborted_.load()},
      {"in_flight", in_flight_.load()},
      {"max_in_flight", max_in_flight_.load()},
  };
  absl::MutexLock lock(&mu_);
  Json by_model = Json::object();
  for (const auto& [model, count] : by_model_) by_model[model] = count;
  Json status_counts = Json::object();
  for (const auto& [status, count] : status_counts_) status_counts[std::to_string(status)] = count;
  out["by_model"] = std::move(by_model);
  Json by_user = Json::object();
  for (const auto& [user, count] : by_user_) by_user[user] = count;
  out["by_user"] = std::move(by_user);
  out["status_counts"] = std::move(status_counts);
  int64_t inside = 0;
  Json inside_by_model = Json::object();
  for (const auto& [model, count] : inside_retry_after_) {
    inside += count;
    inside_by_model[model] = count;
  }
  out["requests_inside_retry_after"] = inside;
  out["inside_retry_after_by_model"] = std::move(inside_by_model);
  out["last_request_headers"] = HeadersToJson(last_api_headers_);
  return out;
}

Json Stats::RecentRequests(size_t limit) const {
  absl::MutexLock lock(&mu_);
  size_t count = std::min(limit, log_count_);
  Json out = Json::array();
  // The oldest wanted entry is `count` places before log_next_.
  for (size_t i = 0; i < count; ++i) {
    size_t index = (log_next_ + kLogCapacity - count + i) % kLogCapacity;
    const LoggedRequest& entry = log_[index];
    Json item = {{"method", entry.method},
                 {"path", entry.path},
                 {"headers", HeadersToJson(entry.headers)},
                 {"body", entry.body}};
    if (entry.body_truncated) item["body_truncated"] = true;
    out.push_back(std::move(item));
  }
  return out;
}

void Stats::Reset() {
  requests_ = 0;
  chat_requests_ = 0;
  models_requests_ = 0;
  connections_accepted_ = 0;
  requests_aborted_ = 0;
  max_in_flight_ = in_flight_.load();
  absl::MutexLock lock(&mu_);
  by_model_.clear();
  by_user_.clear();
  status_counts_.clear();
  retry_after_until_.clear();
  inside_retry_after_.clear();
  log_.clear();
  log_next_ = 0;
  log_count_ = 0;
  last_api_headers_.clear();
}

}  // namespace flowhost::fake_openrouter
