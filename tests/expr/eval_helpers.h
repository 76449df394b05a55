// Helpers shared by the expression tests: a standard scope, one-call parse-and-evaluate, and the
// canonical text of a result (so that 3 and 3.0 compare as different).
#ifndef FLOWHOST_TESTS_EXPR_EVAL_HELPERS_H_
#define FLOWHOST_TESTS_EXPR_EVAL_HELPERS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/expr/expression.h"
#include "tests/expr/test_scope.h"

namespace flowhost::expr::testing {

// The scope most tests evaluate against:
//   $json      {"name": "  Ada Lovelace ", "n": 3, "f": 2.5, "tags": ["a","b","a"], "list":
//   [3,1,2],
//               "user": {"id": 7, "email": "ADA@example.com"}, "empty": "", "nil": null,
//               "wrapped": {"json": {"inner": true}}}
//   $itemIndex 1; $input items [{"v":10},{"v":20},{"v":30}]
//   $inputs    {"question": "why?", "count": 2}; $vars {"greeting": "hello"}
//   $execution {"id": "exec-1", "workflow": "demo", "started_at": "2023-11-14T22:13:20Z"}
//   $env       HOME=/home/flow (allowlisted); nodes "Fetch" ([{"id":1,"title":"one"},
//              {"id":2,"title":"two"}]), "Empty" ([]), "Wrapped" ([{"json": 5}])
//   now        2023-11-14T22:13:20Z
const TestScope& StandardScope();

// Parses with `limits` and evaluates against `scope`; a parse error comes back as its status.
absl::StatusOr<Json> Eval(std::string_view source, const EvalScope& scope = StandardScope(),
                          const ExpressionLimits& limits = ExpressionLimits());

// Compact JSON text, keeping the integer/float distinction ("3" vs "3.0").
std::string Canonical(const Json& value);
// `json_text` parsed and printed canonically; "<bad JSON>" when it does not parse.
std::string CanonicalText(std::string_view json_text);

}  // namespace flowhost::expr::testing

#endif  // FLOWHOST_TESTS_EXPR_EVAL_HELPERS_H_
