// Node types that exist only for executor tests, registered next to the core nodes:
//
//   test.hold    parks each call until the test completes it (TestNodeState::Complete), so a test
//                decides when a node finishes and can see several in flight at once. With
//                `honour_cancel: false` it ignores cancellation and never calls done (a misbehaving
//                node); either way it records that it saw the cancel. With `call: true` it reports
//                one upstream call (RecordAttempt) as it finishes, like an LLM node whose request
//                ends: "ok", "error", or the stopped outcome when its cancellation fired first.
//   test.flaky   fails its first `failures` attempts with a classified error (optionally carrying a
//                Retry-After), then passes input 0 through; records when each attempt started.
//   test.usage   reports upstream calls (RecordAttempt) and token deltas, then passes input 0
//   through. test.echo    outputs its evaluated parameters, one item per input item. test.items
//   outputs `count` items {"i": k}. test.invoke  invokes the attached node named by `target` on its
//   input 0 and outputs its result. test.key outputs one item {"key": the node's idempotency
//   key}. test.spend reserves `reserve` of the execution's cost budget and settles it with
//   `actual` (when given), outputting {"before", "after"}: what was left (null without a budget).
//
// Thread-safety: TestNodeState may be used from any thread.
#ifndef FLOWHOST_TESTS_EXECUTOR_TEST_NODES_H_
#define FLOWHOST_TESTS_EXECUTOR_TEST_NODES_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/registry.h"

namespace flowhost::executor::testing {

class TestNodeState {
 public:
  struct AttemptStart {
    std::string node;
    int attempt;
    absl::Time at;
  };

  // ---- test.hold ----
  // Completes the oldest parked call of node `node`. False when there is none.
  bool Complete(std::string_view node, absl::StatusOr<sdk::NodeResult> result);
  // Completes it with its input 0 passed through.
  bool Release(std::string_view node);
  // Names of the nodes with a parked call, oldest first.
  std::vector<std::string> Held() const;
  // Whether a call of `node` saw its cancellation fire.
  bool SawCancel(std::string_view node) const;

  // ---- test.flaky ----
  std::vector<AttemptStart> Starts() const;

  // For the node implementations.
  struct HeldCall {
    std::string node;
    sdk::Items input;
    sdk::NodeDone done;
    // Runs with the result's status just before `done` (test.hold's `call: true`).
    absl::AnyInvocable<void(const absl::Status&)> report;
    bool finished = false;
  };
  std::shared_ptr<HeldCall> Hold(std::string node, sdk::Items input, sdk::NodeDone done);
  // Finishes `call` with `result` unless it has finished already.
  void Finish(const std::shared_ptr<HeldCall>& call, absl::StatusOr<sdk::NodeResult> result);
  void NoteCancel(std::string node);
  void NoteStart(std::string node, int attempt, absl::Time at);

 private:
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<HeldCall>> held_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> cancelled_ ABSL_GUARDED_BY(mu_);
  std::vector<AttemptStart> starts_ ABSL_GUARDED_BY(mu_);
};

absl::Status RegisterTestNodes(sdk::NodeRegistry& registry, std::shared_ptr<TestNodeState> state);

}  // namespace flowhost::executor::testing

#endif  // FLOWHOST_TESTS_EXECUTOR_TEST_NODES_H_
