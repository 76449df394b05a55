// ASSIGN_OR_RETURN / RETURN_IF_ERROR for the expr layer's own .cc files (Debian's Abseil has no
// public equivalent). Not part of any interface.
#ifndef FLOWHOST_SERVER_EXPR_STATUS_MACROS_H_
#define FLOWHOST_SERVER_EXPR_STATUS_MACROS_H_

#include <utility>

#define FLOWHOST_EXPR_CONCAT_INNER(a, b) a##b
#define FLOWHOST_EXPR_CONCAT(a, b) FLOWHOST_EXPR_CONCAT_INNER(a, b)

#define FLOWHOST_EXPR_ASSIGN_OR_RETURN_IMPL(lhs, expr, tmp) \
  auto tmp = (expr);                                        \
  if (!tmp.ok()) return std::move(tmp).status();            \
  lhs = *std::move(tmp)

// `lhs` may declare a variable (`ASSIGN_OR_RETURN(int x, F())`) or name an existing one.
#define ASSIGN_OR_RETURN(lhs, expr) \
  FLOWHOST_EXPR_ASSIGN_OR_RETURN_IMPL(lhs, expr, FLOWHOST_EXPR_CONCAT(status_or_, __LINE__))

#define RETURN_IF_ERROR(expr)                   \
  do {                                          \
    if (auto status_ = (expr); !status_.ok()) { \
      return status_;                           \
    }                                           \
  } while (false)

#endif  // FLOWHOST_SERVER_EXPR_STATUS_MACROS_H_
