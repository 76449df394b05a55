// The operators' semantics on JSON values, shared by the evaluator and the math functions.
//
// Every function is pure. Errors are INVALID_ARGUMENT with a message that names the operation and
// the operand types ("cannot multiply string by object"); the caller adds the column.
#ifndef FLOWHOST_SERVER_EXPR_OPERATORS_H_
#define FLOWHOST_SERVER_EXPR_OPERATORS_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "server/expr/ast.h"
#include "server/expr/value.h"

namespace flowhost::expr {

// `+`: numbers add; when either side is a string both are stringified and concatenated (failing
// when the result would be larger than `max_bytes`).
absl::StatusOr<Json> Add(const Json& a, const Json& b, size_t max_bytes);

// `-`, `*`, `/`, `%` on numbers. Integers stay integers while the result is exact (7 / 2 is 3.5,
// 6 / 2 is 3); integer overflow falls back to a float; division by zero is an error.
absl::StatusOr<Json> Arithmetic(BinaryOp op, const Json& a, const Json& b);

// `<`, `<=`, `>`, `>=`: both numbers, or both strings (compared by code point).
absl::StatusOr<bool> Compare(BinaryOp op, const Json& a, const Json& b);

// `==`: deep JSON equality (1 == 1.0; no coercion between types: 1 != "1", null != false).
bool Equal(const Json& a, const Json& b);

// Unary `-` (numbers) and `+` (numbers, or a numeric string).
absl::StatusOr<Json> Negate(const Json& a);
absl::StatusOr<Json> ToNumber(const Json& a);

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_OPERATORS_H_
