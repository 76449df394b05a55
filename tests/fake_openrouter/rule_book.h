// The rules set through the control endpoint (`PUT /_control/rules`): each rule matches requests by
// model id (a glob, fnmatch(3) syntax, default "*") and endpoint ("chat", the default, or
// "models"), and scripts their Behavior. A rule with `times` applies to that many requests and then
// expires. A rule with `probability` p applies to a matching request with that chance (a generator
// seeded with 1, so a run is reproducible). A rule with `rate_limit: {requests: N, window_ms: W}`
// applies only to the requests beyond N in each fixed window of W ms (counted from the rule's
// creation), and answers them with `Retry-After`: the whole seconds left in the window, rounded
// up. The first live matching rule that applies, in the order the rules were added, applies.
//
// Thread-safe: every worker thread of the server consults the same RuleBook.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_RULE_BOOK_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_RULE_BOOK_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/fake_openrouter/behavior.h"

namespace flowhost::fake_openrouter {

class RuleBook {
 public:
  // Appends the rules of a control request body `{"rules": [{"model", "endpoint", "times",
  // "behavior"}, ...]}`. All or nothing: on InvalidArgument no rule was added.
  absl::Status Append(const nlohmann::json& body);

  // Removes every rule.
  void Clear();

  // The behavior of the first live rule matching the endpoint and model, using up one of its
  // `times`; nullopt when no rule matches.
  std::optional<Behavior> Take(std::string_view endpoint, std::string_view model);

  // The live rules, as `{"rules": [...]}` with `times` showing the uses left.
  nlohmann::json ToJson() const;

 private:
  struct Rule {
    std::string model;
    std::string endpoint;
    std::optional<int64_t> times_left;
    Behavior behavior;
    std::optional<double> probability;
    int64_t rate_limit_requests = 0;  // with rate_limit_window_ms > 0
    int64_t rate_limit_window_ms = 0;
    absl::Time window_start;
    int64_t window_count = 0;
  };

  // Whether `rule` applies to one more matching request at `now` (its probability and rate limit),
  // setting the rate limit's Retry-After in `behavior`.
  bool Applies(Rule& rule, absl::Time now, Behavior& behavior) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<Rule> rules_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_){1};
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_RULE_BOOK_H_
