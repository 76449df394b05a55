// The logger the executor gives to nodes: it forwards to the host's logger and adds the fields that
// say where a line comes from (execution id, workflow, node, attempt), so nodes log only what they
// know.
//
// The context is kept as views and built into fields only for a line that is logged: an execution
// and each of its node attempts own a ContextLogger, and most never log a line.
//
// Ownership: borrows the host's logger (which outlives every execution) and the strings the context
// views (the execution's id and the compiled workflow's names, which outlive the execution and its
// attempts); a null base drops every line. Thread-safety: Log may be called from any thread.
#ifndef FLOWHOST_SERVER_EXECUTOR_CONTEXT_LOGGER_H_
#define FLOWHOST_SERVER_EXECUTOR_CONTEXT_LOGGER_H_

#include <optional>
#include <string_view>

#include "flowhost/sdk/json.h"
#include "flowhost/sdk/logger.h"

namespace flowhost::executor {

// Where a line comes from. Empty views and an absent attempt are left out of the fields.
struct LogContext {
  std::string_view execution;
  std::string_view workflow;
  std::string_view node;
  std::optional<int> attempt;
  std::string_view trace_id;  // the W3C trace id (32 hex digits), empty for none

  // {"execution": ..., "workflow": ..., "node": ..., "attempt": ..., "trace_id": ...}, present
  // members only.
  sdk::Json ToFields() const;
};

class ContextLogger : public sdk::Logger {
 public:
  // The context's fields are added to every line; a node's own fields win on a clash, except that
  // the context fields are never removed.
  ContextLogger(sdk::Logger* base, LogContext context) : base_(base), context_(context) {}

  bool Enabled(sdk::LogLevel level) const override {
    return base_ != nullptr && base_->Enabled(level);
  }

  void Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) override;

 private:
  sdk::Logger* const base_;
  const LogContext context_;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_CONTEXT_LOGGER_H_
