// What one item's walk through the routes did, attempt by attempt: the `attempts` list of the
// output item and of a failure's details, the one-line summaries a failure message is made of, and
// the errors the router finishes with when no route answers.
//
// Thread-safety: none; owned by one route walk, used one step at a time.
#ifndef FLOWHOST_NODES_ROUTER_ATTEMPT_LOG_H_
#define FLOWHOST_NODES_ROUTER_ATTEMPT_LOG_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/usage.h"

namespace flowhost::nodes::router {

class AttemptLog {
 public:
  // Adds an attempt. `shown_cost` replaces record.cost_usd in the list (a node route's answer
  // reports a cost the router does not record, since the invoked node records it).
  void Add(const sdk::AttemptRecord& record, std::optional<double> shown_cost = std::nullopt);

  // [{route, model, provider?, outcome, error_class?, error_message?, latency_ms, cost_usd,
  //   prompt_tokens, completion_tokens}, ...]
  const sdk::Json& attempts() const { return attempts_; }

  // A route failed with a class outside escalate_on: its error, with the attempts in the details.
  absl::Status NotEscalated(std::string_view route, const absl::Status& status) const;

  // No route answered. `last_failure` is the last real failure (OK when every route was skipped);
  // `last_skip_class` the last skip's class; `retry_after` when the first cooled route is back.
  absl::Status AllFailed(size_t item_index, const absl::Status& last_failure,
                         std::string_view last_skip_class,
                         std::optional<absl::Duration> retry_after) const;

 private:
  sdk::Json attempts_ = sdk::Json::array();
  std::vector<std::string> summary_;  // "'route' outcome (class): message" per attempt not ok
};

// `text` cut to a length fit for a one-line summary.
std::string Shorten(std::string_view text);

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ATTEMPT_LOG_H_
