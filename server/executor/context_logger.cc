#include "server/executor/context_logger.h"

namespace flowhost::executor {

void ContextLogger::Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) {
  if (!Enabled(level)) return;
  if (!fields.is_object() || fields.empty()) return base_->Log(level, message, fields_);
  sdk::Json merged = fields;
  for (const auto& [key, value] : fields_.items()) merged[key] = value;
  base_->Log(level, message, merged);
}

}  // namespace flowhost::executor
