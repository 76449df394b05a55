// A logger for tests that keeps every line, so a test can read what an operator would.
//
// Thread-safety: Log and lines may be called from any thread.
#ifndef FLOWHOST_TESTS_COMMON_RECORDING_LOGGER_H_
#define FLOWHOST_TESTS_COMMON_RECORDING_LOGGER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/logger.h"

namespace flowhost::testing {

class RecordingLogger : public sdk::Logger {
 public:
  struct Line {
    sdk::LogLevel level;
    std::string message;
    sdk::Json fields;
  };

  bool Enabled(sdk::LogLevel) const override { return true; }
  void Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) override {
    absl::MutexLock lock(&mu_);
    lines_.push_back({level, std::string(message), fields});
  }

  // A copy of every line so far, in the order they were logged.
  std::vector<Line> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Line> lines_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flowhost::testing

#endif  // FLOWHOST_TESTS_COMMON_RECORDING_LOGGER_H_
