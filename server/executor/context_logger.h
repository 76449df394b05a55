// The logger the executor gives to nodes: it forwards to the host's logger and adds the fields that
// say where a line comes from (execution id, workflow, node, attempt), so nodes log only what they
// know.
//
// Ownership: borrows the host's logger (which outlives every execution); a null base drops every
// line. Thread-safety: Log may be called from any thread.
#ifndef FLOWHOST_SERVER_EXECUTOR_CONTEXT_LOGGER_H_
#define FLOWHOST_SERVER_EXECUTOR_CONTEXT_LOGGER_H_

#include <string_view>

#include "flowhost/sdk/json.h"
#include "flowhost/sdk/logger.h"

namespace flowhost::executor {

class ContextLogger : public sdk::Logger {
 public:
  // `fields` is an object added to every line; a node's own fields win on a clash, except that the
  // context fields are never removed.
  ContextLogger(sdk::Logger* base, sdk::Json fields) : base_(base), fields_(std::move(fields)) {}

  bool Enabled(sdk::LogLevel level) const override {
    return base_ != nullptr && base_->Enabled(level);
  }

  void Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) override;

 private:
  sdk::Logger* const base_;
  const sdk::Json fields_;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_CONTEXT_LOGGER_H_
