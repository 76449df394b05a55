#include "server/service/library_logs.h"

#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"

namespace flowhost::service {
namespace {

// Where library lines go: the current route's logger, else JSON on stderr.
struct Destination {
  absl::Mutex mu;
  std::shared_ptr<common::JsonLogger> logger ABSL_GUARDED_BY(mu);
  uint64_t generation ABSL_GUARDED_BY(mu) = 0;
};

Destination& TheDestination() {
  static auto* destination = new Destination;
  return *destination;
}

std::shared_ptr<common::JsonLogger> CurrentLogger() {
  static const auto* fallback =
      new std::shared_ptr<common::JsonLogger>(std::make_shared<common::JsonLogger>(
          std::make_shared<common::FileLogSink>(stderr), sdk::LogLevel::kDebug));
  Destination& destination = TheDestination();
  absl::MutexLock lock(&destination.mu);
  return destination.logger != nullptr ? destination.logger : *fallback;
}

void Write(sdk::LogLevel level, const char* library, const char* file, int line,
           std::string_view message) {
  std::shared_ptr<common::JsonLogger> logger = CurrentLogger();
  if (!logger->Enabled(level)) return;
  logger->Log(level, message,
              {{"library", library}, {"file", file != nullptr ? file : ""}, {"line", line}});
}

void GrpcLine(gpr_log_func_args* args) {
  sdk::LogLevel level = sdk::LogLevel::kError;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) level = sdk::LogLevel::kDebug;
  if (args->severity == GPR_LOG_SEVERITY_INFO) level = sdk::LogLevel::kInfo;
  Write(level, "grpc", args->file, args->line, args->message != nullptr ? args->message : "");
}

void ProtobufLine(google::protobuf::LogLevel severity, const char* file, int line,
                  const std::string& message) {
  sdk::LogLevel level = sdk::LogLevel::kError;  // ERROR and FATAL
  if (severity == google::protobuf::LOGLEVEL_INFO) level = sdk::LogLevel::kInfo;
  if (severity == google::protobuf::LOGLEVEL_WARNING) level = sdk::LogLevel::kWarning;
  Write(level, "protobuf", file, line, message);
}

void InstallHooksOnce() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    gpr_set_log_function(&GrpcLine);
    google::protobuf::SetLogHandler(&ProtobufLine);
  });
}

}  // namespace

LibraryLogRoute::LibraryLogRoute(const common::JsonLogger& logger) {
  InstallHooksOnce();
  std::shared_ptr<common::JsonLogger> routed = logger.With(sdk::Json::object());
  Destination& destination = TheDestination();
  absl::MutexLock lock(&destination.mu);
  destination.logger = std::move(routed);
  generation_ = ++destination.generation;
}

LibraryLogRoute::~LibraryLogRoute() {
  Destination& destination = TheDestination();
  absl::MutexLock lock(&destination.mu);
  if (destination.generation == generation_) destination.logger = nullptr;
}

}  // namespace flowhost::service
