// The direct path: the same request flowhost's chat node would send, sent straight at the upstream
// (the fake OpenRouter) by the project's pooled libcurl client, so that "flowhost minus direct" is
// what the flowhost hop adds. With a streamed answer ("stream": true in the body) it also times the
// first SSE event that carries content text.
//
// Ownership and threads: see CallTarget. The target owns its HTTP client and a small worker pool on
// which completions run.
#ifndef FLOWHOST_BENCH_LOADGEN_HTTP_CALL_TARGET_H_
#define FLOWHOST_BENCH_LOADGEN_HTTP_CALL_TARGET_H_

#include <memory>
#include <string>
#include <string_view>

#include "bench/loadgen/call_target.h"
#include "bench/loadgen/loadgen_config.h"

namespace flowhost::bench {

std::unique_ptr<CallTarget> MakeHttpCallTarget(const LoadgenConfig& config);

// Watches an SSE body, fed in arbitrary pieces, for the first `data:` event whose `delta` carries
// non-empty `content` (OpenRouter's chat stream shape). Not thread-safe: one per call.
class FirstContentDetector {
 public:
  // Feeds the next piece of the body; returns true once the first content has been seen (then and
  // on every later call).
  bool Feed(std::string_view chunk);

 private:
  std::string line_;  // the event line being assembled
  bool seen_ = false;
};

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_HTTP_CALL_TARGET_H_
