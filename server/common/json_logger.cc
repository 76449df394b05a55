#include "server/common/json_logger.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::common {
namespace {

std::string_view LevelName(sdk::LogLevel level) {
  switch (level) {
    case sdk::LogLevel::kDebug:
      return "debug";
    case sdk::LogLevel::kInfo:
      return "info";
    case sdk::LogLevel::kWarning:
      return "warning";
    case sdk::LogLevel::kError:
      return "error";
  }
  return "info";
}

bool LooksSecret(std::string_view key) {
  // Whole-key matches only: "prompt_tokens" is not a secret.
  static constexpr std::array<std::string_view, 9> kKeys = {
      "authorization", "api_key",  "apikey",    "token", "access_token",
      "secret",        "password", "x-api-key", "bearer"};
  for (std::string_view candidate : kKeys) {
    if (absl::EqualsIgnoreCase(sdk::AsAbsl(key), sdk::AsAbsl(candidate))) return true;
  }
  return false;
}

void Redact(sdk::Json& value) {
  if (!value.is_object()) return;
  for (auto& [key, field] : value.items()) {
    if (LooksSecret(key) && !field.is_null()) {
      field = "<redacted>";
    } else {
      Redact(field);
    }
  }
}

}  // namespace

void FileLogSink::Write(std::string_view line) {
  absl::MutexLock lock(&mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fputc('\n', file_);
  std::fflush(file_);
}

JsonLogger::JsonLogger(std::shared_ptr<LogSink> sink, sdk::LogLevel min_level, sdk::Json fields,
                       std::shared_ptr<const SecretScrubber> scrubber)
    : sink_(std::move(sink)),
      min_level_(min_level),
      fields_(fields.is_object() ? std::move(fields) : sdk::Json::object()),
      scrubber_(std::move(scrubber)) {}

void JsonLogger::Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) {
  if (!Enabled(level)) return;
  sdk::Json line = {
      {"ts", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())},
      {"level", LevelName(level)},
      {"msg", message}};
  for (const auto& [key, value] : fields_.items()) line[key] = value;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  Redact(line);
  std::string text = line.dump(-1, ' ', false, sdk::Json::error_handler_t::replace);
  if (scrubber_ != nullptr) text = scrubber_->Scrub(text);
  sink_->Write(text);
}

std::unique_ptr<JsonLogger> JsonLogger::With(const sdk::Json& fields) const {
  sdk::Json merged = fields_;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) merged[key] = value;
  }
  return std::make_unique<JsonLogger>(sink_, min_level_, std::move(merged), scrubber_);
}

bool ParseLogLevel(std::string_view text, sdk::LogLevel* level) {
  std::string lower = absl::AsciiStrToLower(sdk::AsAbsl(text));
  if (lower == "debug") {
    *level = sdk::LogLevel::kDebug;
  } else if (lower == "info") {
    *level = sdk::LogLevel::kInfo;
  } else if (lower == "warning" || lower == "warn") {
    *level = sdk::LogLevel::kWarning;
  } else if (lower == "error") {
    *level = sdk::LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

}  // namespace flowhost::common
