// Runs one asynchronous task per input item, at most `limit` at a time, and gathers one output item
// per input item, in input order. The first failure stops the batch: no new task starts, the tasks
// in flight are cancelled (through the token each task is given), and once they have all reported,
// the batch completes with that first failure (or with the parent token's reason when the parent
// was cancelled). No thread waits: tasks complete through callbacks.
//
// Used by nodes with a `concurrency` setting (openrouter.chat, router.fallback) through RunForNode,
// and by openrouter.models.
// Thread-safety: a task's `done` may be called from any thread, inline or later, exactly once. The
// batch's `done` runs exactly once, on the thread that completes the last task (or inline when
// there are no items), after every started task has reported: a task must not touch the NodeContext
// after calling its `done`.
#ifndef FLOWHOST_SDK_ITEM_BATCH_H_
#define FLOWHOST_SDK_ITEM_BATCH_H_

#include <cstddef>
#include <functional>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/json.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/scheduler.h"

namespace flowhost::sdk {

class NodeContext;

class ItemBatch {
 public:
  using ItemDone = absl::AnyInvocable<void(absl::StatusOr<Json>)>;
  // Starts the task for item `index`; `token` is cancelled when the batch stops or the parent is
  // cancelled.
  using StartItem =
      std::function<void(size_t index, const CancellationToken& token, ItemDone done)>;
  using Done = absl::AnyInvocable<void(absl::StatusOr<Items>)>;

  // `scheduler` restarts the pump after a task completes (so inline completions never recurse).
  static void Run(size_t count, size_t limit, Scheduler& scheduler, const CancellationToken& parent,
                  StartItem start, Done done);

  // A node's Execute as one batch: a task per item of `context`'s first input port (none without
  // one), on its scheduler and under its cancellation; the tasks' items, in input order, are the
  // node's one output port.
  static void RunForNode(NodeContext& context, size_t limit, StartItem start, NodeDone done);
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_ITEM_BATCH_H_
