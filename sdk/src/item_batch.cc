#include "flowhost/sdk/item_batch.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/node_context.h"

namespace flowhost::sdk {
namespace {

struct BatchState : std::enable_shared_from_this<BatchState> {
  BatchState(size_t count, size_t limit, Scheduler& scheduler, const CancellationToken& parent,
             ItemBatch::StartItem start, ItemBatch::Done done)
      : count(count),
        limit(limit == 0 ? 1 : limit),
        scheduler(scheduler),
        parent(parent),
        source(parent, absl::InfiniteFuture()),
        start(std::move(start)),
        done(std::move(done)),
        results(count) {}

  void Pump() {
    std::vector<size_t> to_start;
    {
      absl::MutexLock lock(&mu);
      pump_posted = false;
      while (!stopped && in_flight < limit && next < count) {
        if (source.token().cancelled()) {
          stopped = true;
          break;
        }
        to_start.push_back(next++);
        ++in_flight;
      }
    }
    CancellationToken token = source.token();
    for (size_t index : to_start) {
      start(index, token, [self = shared_from_this(), index](absl::StatusOr<Json> item) {
        self->OnItemDone(index, std::move(item));
      });
    }
    MaybeFinish();
  }

  void OnItemDone(size_t index, absl::StatusOr<Json> item) {
    bool cancel_others = false;
    bool post_pump = false;
    absl::Status first;
    {
      absl::MutexLock lock(&mu);
      --in_flight;
      if (item.ok()) {
        results[index] = *std::move(item);
      } else if (first_error.ok()) {
        first_error = item.status();
        stopped = true;
        cancel_others = true;
        first = first_error;
      }
      if (!stopped && next < count && !pump_posted) {
        pump_posted = true;
        post_pump = true;
      }
    }
    // The others stop as cancelled (not with this item's class: they did not fail themselves).
    if (cancel_others) {
      source.Cancel(absl::CancelledError(
          absl::StrCat("stopped because item ", index, " failed: ", first.message())));
    }
    if (post_pump) {
      scheduler.Post([self = shared_from_this()] { self->Pump(); });
    }
    MaybeFinish();
  }

  void MaybeFinish() {
    std::optional<absl::StatusOr<Items>> outcome;
    {
      absl::MutexLock lock(&mu);
      if (finished || in_flight > 0) return;
      if (!stopped && next < count) return;
      if (!stopped && source.token().cancelled()) stopped = true;
      finished = true;
      if (parent.cancelled()) {
        outcome = parent.reason();
      } else if (!first_error.ok()) {
        outcome = first_error;
      } else if (next < count) {
        outcome = source.token().reason();
      } else {
        outcome = std::move(results);
      }
    }
    done(*std::move(outcome));
  }

  const size_t count;
  const size_t limit;
  Scheduler& scheduler;
  const CancellationToken parent;
  CancellationSource source;
  const ItemBatch::StartItem start;
  ItemBatch::Done done;

  absl::Mutex mu;
  Items results ABSL_GUARDED_BY(mu);
  size_t next ABSL_GUARDED_BY(mu) = 0;
  size_t in_flight ABSL_GUARDED_BY(mu) = 0;
  bool stopped ABSL_GUARDED_BY(mu) = false;
  bool finished ABSL_GUARDED_BY(mu) = false;
  bool pump_posted ABSL_GUARDED_BY(mu) = false;
  absl::Status first_error ABSL_GUARDED_BY(mu);
};

}  // namespace

void ItemBatch::Run(size_t count, size_t limit, Scheduler& scheduler,
                    const CancellationToken& parent, StartItem start, Done done) {
  auto state = std::make_shared<BatchState>(count, limit, scheduler, parent, std::move(start),
                                            std::move(done));
  state->Pump();
}

void ItemBatch::RunForNode(NodeContext& context, size_t limit, StartItem start, NodeDone done) {
  size_t count = context.inputs().empty() ? 0 : context.inputs()[0].size();
  Run(count, limit, context.scheduler(), context.cancellation(), std::move(start),
      [done = std::move(done)](absl::StatusOr<Items> items) mutable {
        if (!items.ok()) {
          done(items.status());
          return;
        }
        NodeResult result;
        result.outputs.push_back(*std::move(items));
        done(std::move(result));
      });
}

}  // namespace flowhost::sdk
