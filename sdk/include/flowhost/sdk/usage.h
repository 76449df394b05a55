// What a node reports about each upstream call it made, so that the execution record carries per-attempt,
// per-node and total tokens and cost. LLM nodes call NodeContext::RecordAttempt once per upstream attempt
// (successful or not); other nodes usually never do.
#ifndef FLOWHOST_SDK_USAGE_H_
#define FLOWHOST_SDK_USAGE_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace flowhost::sdk {

struct AttemptRecord {
  std::string route;        // which route or configuration made the call (router), else empty
  std::string model;        // the model asked for, or the one that answered when known
  std::string provider;     // the upstream provider that answered, when known
  std::string outcome;      // "ok", "error", "rejected" (failed an accept check), "skipped" (cool-down)
  std::string error_class;  // error.h class when outcome is not "ok"
  std::string error_message;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
  absl::Duration latency;
  size_t item_index = 0;    // the input item the call was for
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_USAGE_H_
