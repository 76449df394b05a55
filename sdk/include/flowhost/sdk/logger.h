// Structured logging for nodes. The host's logger writes one JSON object per line and adds the
// execution id, workflow and node name itself, so a node logs only what it knows.
// Never log a Secret: pass Secret::Redacted() if a credential must be mentioned at all.
//
// Thread-safety: Log may be called from any thread.
#ifndef FLOWHOST_SDK_LOGGER_H_
#define FLOWHOST_SDK_LOGGER_H_

#include <string_view>

#include "flowhost/sdk/json.h"

namespace flowhost::sdk {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

class Logger {
 public:
  virtual ~Logger() = default;
  virtual bool Enabled(LogLevel level) const = 0;
  // `fields` (an object or null) are merged into the log line.
  virtual void Log(LogLevel level, std::string_view message, const Json& fields = nullptr) = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_LOGGER_H_
