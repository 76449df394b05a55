// The host's logger: one JSON object per line ({"ts","level","msg", ...fields}), the format log
// collectors in container platforms parse without configuration. A child logger carries bound fields
// (execution id, workflow, node) that are added to each of its lines.
//
// Secrets: fields are written as given, so callers never pass one; values under keys that name
// credentials ("authorization", "api_key", "token", "secret", "password", ...) are replaced by "<redacted>"
// as a second line of defence.
//
// Thread-safety: Log may be called from any thread; lines are written whole.
#ifndef FLOWHOST_SERVER_COMMON_JSON_LOGGER_H_
#define FLOWHOST_SERVER_COMMON_JSON_LOGGER_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/logger.h"

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
  JsonLogger(std::shared_ptr<LogSink> sink, sdk::LogLevel min_level, sdk::Json fields = nullptr);

  bool Enabled(sdk::LogLevel level) const override { return level >= min_level_; }
  void Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) override;

  // A logger that adds `fields` (an object) to every line, on top of this one's.
  std::unique_ptr<JsonLogger> With(const sdk::Json& fields) const;

 private:
  std::shared_ptr<LogSink> sink_;
  sdk::LogLevel min_level_;
  sdk::Json fields_;  // object
};

// Parses "debug", "info", "warning"/"warn", "error". Returns false for anything else.
bool ParseLogLevel(std::string_view text, sdk::LogLevel* level);

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_JSON_LOGGER_H_
