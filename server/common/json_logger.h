// The host's logger: one JSON object per line ({"ts","level","msg", ...fields}), the format log
// collectors in container platforms parse without configuration. A child logger carries bound
// fields (execution id, workflow, node) that are added to each of its lines.
//
// Secrets: callers never pass one. As a second line of defence, values under keys that name
// credentials ("authorization", "api_key", "token", "secret", "password", ...) are replaced by
// "<redacted>", and the whole line goes through the host's SecretScrubber (known secrets and
// anything shaped like a key, the same rules as the errors the service returns).
//
// Thread-safety: Log may be called from any thread; lines are written whole.
#ifndef FLOWHOST_SERVER_COMMON_JSON_LOGGER_H_
#define FLOWHOST_SERVER_COMMON_JSON_LOGGER_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/logger.h"
#include "server/common/secret_scrubber.h"

namespace flowhost::common {

// Where log lines go. One per process; shared by all loggers derived from it.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes lines to a FILE* (stderr by default).
class FileLogSink : public LogSink {
 public:
  explicit FileLogSink(std::FILE* file = stderr) : file_(file) {}
  void Write(std::string_view line) override;

 private:
  absl::Mutex mu_;
  std::FILE* file_;
};

class JsonLogger : public sdk::Logger {
 public:
  // `scrubber` (may be null: no scrubbing beyond the credential keys) is shared by every child.
  JsonLogger(std::shared_ptr<LogSink> sink, sdk::LogLevel min_level, sdk::Json fields = nullptr,
             std::shared_ptr<const SecretScrubber> scrubber = nullptr);

  bool Enabled(sdk::LogLevel level) const override { return level >= min_level_; }
  void Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) override;

  // A logger that adds `fields` (an object) to every line, on top of this one's.
  std::unique_ptr<JsonLogger> With(const sdk::Json& fields) const;

 private:
  std::shared_ptr<LogSink> sink_;
  sdk::LogLevel min_level_;
  sdk::Json fields_;  // object
  std::shared_ptr<const SecretScrubber> scrubber_;
};

// Parses "debug", "info", "warning"/"warn", "error". Returns false for anything else.
bool ParseLogLevel(std::string_view text, sdk::LogLevel* level);

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_JSON_LOGGER_H_
