#include "server/executor/executor.h"

#include <utility>

#include "server/executor/executor_core.h"

namespace flowhost::executor {

// The executor's state lives in ExecutorCore, shared with the executions it starts.
class Executor::Impl {
 public:
  Impl(const HostServices& services, const ExecutionLimits& limits)
      : core(std::make_shared<ExecutorCore>(services, limits)) {}
  const std::shared_ptr<ExecutorCore> core;
};

Executor::Executor(HostServices services, ExecutionLimits limits)
    : services_(std::move(services)),
      limits_(limits),
      impl_(std::make_unique<Impl>(services_, limits_)) {}

Executor::~Executor() = default;

std::shared_ptr<ExecutionHandle> Executor::Start(ExecutionRequest request, Done done) {
  return impl_->core->Start(std::move(request), std::move(done), nullptr);
}

size_t Executor::in_flight() const { return impl_->core->in_flight(); }

}  // namespace flowhost::executor
