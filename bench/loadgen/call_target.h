// One kind of call the load driver can start: a flowhost RunWorkflow or StreamWorkflow, or a plain
// HTTP request straight at the upstream. Starting a call never blocks and never takes a thread of
// its own: the call runs on the transport's event loop (gRPC's callback API, the pooled libcurl
// client) and reports through `done`.
//
// Ownership: the target owns its channels or client and must outlive every call it started (the
// driver waits for the last completion before destroying it).
// Thread-safety: StartCall may be called from any thread, also from inside another call's `done`.
#ifndef FLOWHOST_BENCH_LOADGEN_CALL_TARGET_H_
#define FLOWHOST_BENCH_LOADGEN_CALL_TARGET_H_

#include <memory>

#include "absl/status/statusor.h"
#include "bench/loadgen/call_outcome.h"
#include "bench/loadgen/loadgen_config.h"

namespace flowhost::bench {

class CallTarget {
 public:
  virtual ~CallTarget() = default;
  // Starts one call; `done` runs exactly once, later, on another thread.
  virtual void StartCall(CallDone done) = 0;
};

// The target `config` describes (its call kind, address, workflow and input). Fails on an input
// that is not a JSON object.
absl::StatusOr<std::unique_ptr<CallTarget>> MakeCallTarget(const LoadgenConfig& config);

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_CALL_TARGET_H_
