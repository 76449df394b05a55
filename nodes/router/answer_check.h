// The router's verdict on an answer: `accept_schema` (the answer's content, parsed as JSON, must
// match) and `accept` (a deferred expression evaluated with `$json` bound to the answer item, whose
// result must be truthy). A rejected answer makes the router escalate.
//
// Thread-safety: pure functions (Parameters' const methods are thread-safe).
#ifndef FLOWHOST_NODES_ROUTER_ANSWER_CHECK_H_
#define FLOWHOST_NODES_ROUTER_ANSWER_CHECK_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/parameters.h"
#include "nodes/router/router_settings.h"

namespace flowhost::nodes::router {

// The error class of an answer that failed the `accept` or `accept_schema` check.
inline constexpr std::string_view kRejected = "rejected";

// false, null, 0, "" and empty lists and objects are falsy; everything else is truthy.
bool Truthy(const sdk::Json& value);

// nullopt when `answer` is accepted; the reason when it is rejected; an error when the check itself
// could not be evaluated (a broken `accept` expression: a configuration problem, not the answer's).
absl::StatusOr<std::optional<std::string>> CheckAnswer(const RouterSettings& settings,
                                                       const sdk::Parameters& params,
                                                       size_t item_index, const sdk::Json& answer);

}  // namespace flowhost::nodes::router

#endif  // FLOWHOST_NODES_ROUTER_ANSWER_CHECK_H_
