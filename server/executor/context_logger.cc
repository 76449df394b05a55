#include "server/executor/context_logger.h"

#include <string>

namespace flowhost::executor {

sdk::Json LogContext::ToFields() const {
  sdk::Json fields = sdk::Json::object();
  if (!execution.empty()) fields["execution"] = std::string(execution);
  if (!workflow.empty()) fields["workflow"] = std::string(workflow);
  if (!node.empty()) fields["node"] = std::string(node);
  if (attempt.has_value()) fields["attempt"] = *attempt;
  if (!trace_id.empty()) fields["trace_id"] = std::string(trace_id);
  return fields;
}

void ContextLogger::Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) {
  if (!Enabled(level)) return;
  if (!fields.is_object() || fields.empty()) return base_->Log(level, message, context_.ToFields());
  sdk::Json merged = fields;
  sdk::Json context = context_.ToFields();
  for (auto& [key, value] : context.items()) merged[key] = std::move(value);
  base_->Log(level, message, merged);
}

}  // namespace flowhost::executor
