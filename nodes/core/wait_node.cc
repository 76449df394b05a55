// `wait`: passes its input items through after a delay. The delay is a timer on the host's
// scheduler, so a waiting node holds no thread; cancellation (the execution's or the node's
// timeout) ends the wait at once with the cancellation's reason. The host may park a long wait's
// execution in its store (NodeContext::ParkUntil): it then cancels this wait, and the execution
// comes back once due, when the node finds its timer (NodeContext::durable_timer) and waits only
// what is left of it.
#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/duration.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/output_schema.h"
#include "nodes/core/core_node_types.h"
#include "nodes/core/node_support.h"
#include "nodes/core/simple_node_type.h"

namespace flowhost::nodes::core {
namespace {

// One wait in progress: the timer and the cancellation race to finish it, and exactly one wins.
// `context` is valid until `done` runs, and only the winner touches it.
class PendingWait {
 public:
  PendingWait(sdk::NodeContext& context, sdk::NodeDone done)
      : context_(context), done_(std::move(done)) {}

  static void Start(sdk::NodeContext& context, sdk::NodeDone done, absl::Duration delay) {
    auto wait = std::make_shared<PendingWait>(context, std::move(done));
    // Copied first: once the timer is armed it may fire and finish the node on another thread,
    // after which `context` must not be touched.
    sdk::CancellationToken token = context.cancellation();
    {
      absl::MutexLock lock(&wait->mu_);
      wait->timer_ = context.scheduler().RunAfter(delay, [wait] { wait->Elapsed(); });
    }
    // Runs inline when already cancelled; the timer is then cancelled by Cancelled().
    sdk::CancellationToken::CallbackId id = token.OnCancel([wait] { wait->Cancelled(); });
    absl::MutexLock lock(&wait->mu_);
    wait->cancel_callback_ = id;
  }

 private:
  void Elapsed() {
    if (finished_.exchange(true)) return;
    sdk::CancellationToken::CallbackId id;
    {
      absl::MutexLock lock(&mu_);
      id = cancel_callback_;
    }
    context_.cancellation().Unregister(id);
    sdk::NodeResult result = SingleOutput(InputItems(context_));
    std::move(done_)(std::move(result));
  }

  void Cancelled() {
    if (finished_.exchange(true)) return;
    sdk::TimerId timer;
    {
      absl::MutexLock lock(&mu_);
      timer = timer_;
    }
    context_.scheduler().Cancel(timer);
    std::move(done_)(context_.cancellation().reason());
  }

  sdk::NodeContext& context_;
  sdk::NodeDone done_;
  std::atomic<bool> finished_{false};
  absl::Mutex mu_;
  sdk::TimerId timer_ ABSL_GUARDED_BY(mu_) = 0;
  sdk::CancellationToken::CallbackId cancel_callback_ ABSL_GUARDED_BY(mu_) = 0;
};

class WaitNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    absl::StatusOr<Json> params = context.params().ForItem(0);
    if (!params.ok()) return done(params.status());
    auto value = params->find("duration");
    absl::StatusOr<absl::Duration> delay =
        sdk::ParseDuration(value == params->end() ? Json() : *value);
    if (!delay.ok()) {
      return done(InvalidInput(absl::StrCat("parameter 'duration': ", delay.status().message())));
    }
    // A resumed wait continues the one its timer recorded; a long one may park its execution
    // (docs/executions.md, "Durable waits"): the host then cancels it, which ends this wait.
    absl::Time now = context.scheduler().clock().Now();
    absl::Time wake_at = context.durable_timer();
    if (wake_at == absl::InfinitePast()) wake_at = now + *delay;
    if (wake_at > now) context.ParkUntil(wake_at);
    PendingWait::Start(context, std::move(done), std::max(wake_at - now, absl::ZeroDuration()));
  }
};

std::unique_ptr<sdk::Node> CreateWaitNode(sdk::NodeConfig& config) {
  auto value = config.params().find("duration");
  if (value != config.params().end() && !config.IsDynamic("/duration")) {
    if (absl::StatusOr<absl::Duration> delay = sdk::ParseDuration(*value); !delay.ok()) {
      config.Error("/duration", sdk::AsStd(delay.status().message()));
      return nullptr;
    }
  }
  return std::make_unique<WaitNode>();
}

}  // namespace

std::shared_ptr<const sdk::NodeType> WaitNodeType() {
  sdk::NodeTypeInfo info;
  info.type = "wait";
  info.description =
      "Passes its input items through after a delay, without holding a thread; cancellation ends "
      "the wait at once.";
  info.parameter_schema = SchemaFromText(R"({
    "type": "object",
    "properties": {
      "duration": {
        "type": ["string", "number"],
        "description": "How long to wait: a duration such as \"250ms\", \"1.5s\", \"2m\" or \"1h30m\", or a number of seconds. Evaluated once, for the first item."
      }
    },
    "required": ["duration"],
    "additionalProperties": false
  })");
  info.inputs = {{"main", "The items to delay."}};
  info.outputs = {{"main", "The same items, after the delay."}};
  info.output_schema = sdk::PassThroughOutputSchema();
  return std::make_shared<SimpleNodeType>(std::move(info), CreateWaitNode);
}

}  // namespace flowhost::nodes::core
