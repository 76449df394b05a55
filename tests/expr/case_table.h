// Table-driven checks shared by the expression tests.
#ifndef FLOWHOST_TESTS_EXPR_CASE_TABLE_H_
#define FLOWHOST_TESTS_EXPR_CASE_TABLE_H_

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/expr/eval_helpers.h"

namespace flowhost::expr::testing {

// An expression and the JSON text of its value.
struct ValueCase {
  const char* source;
  const char* expected;
};

// An expression and the error it must produce: a fragment of the message (which always starts with
// "at column N: ") and, when `column` > 0, that column.
struct ErrorCase {
  const char* source;
  int column;
  const char* message;
};

inline void ExpectValues(const std::vector<ValueCase>& cases,
                         const EvalScope& scope = StandardScope()) {
  for (const ValueCase& c : cases) {
    SCOPED_TRACE(c.source);
    absl::StatusOr<Json> result = Eval(c.source, scope);
    if (!result.ok()) {
      ADD_FAILURE() << "unexpected error: " << result.status();
      continue;
    }
    EXPECT_EQ(Canonical(*result), CanonicalText(c.expected));
  }
}

inline void ExpectErrors(const std::vector<ErrorCase>& cases,
                         const EvalScope& scope = StandardScope()) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.source);
    absl::StatusOr<Json> result = Eval(c.source, scope);
    if (result.ok()) {
      ADD_FAILURE() << "expected an error, got " << Canonical(*result);
      continue;
    }
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(result.status().message());
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
    if (c.column > 0) {
      EXPECT_EQ(message.rfind("at column " + std::to_string(c.column) + ": ", 0), 0u) << message;
    }
  }
}

}  // namespace flowhost::expr::testing

#endif  // FLOWHOST_TESTS_EXPR_CASE_TABLE_H_
