// Micro-benchmark of the execution store's write path as a caller sees it: RecordNode and
// AppendEvent return once the operation is queued, so their cost on the caller's thread should be
// an enqueue (a short lock, a move, no system call while the store thread is busy). The store
// thread commits concurrently into a real SQLite file (WAL, synchronous=FULL) in a temporary
// directory. Every 4096 calls the timer pauses while the queue drains (so it never fills) and the
// next 4096 calls' arguments are built, so only the calls are timed.
//
// BM_StoreCommitThroughput measures the other side: how many events per second the store thread
// commits, from the first enqueue to the last commit of a burst.
//
//   build/release/bench/micro/store_write_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
// (The PostgreSQL store shares the same queue in front of its thread: its caller-side cost is
// the same enqueue.)
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "benchmark/benchmark.h"
#include "server/store/sqlite/sqlite_execution_store.h"

namespace flowhost::store {
namespace {

constexpr int kDrainEvery = 4096;

// A SQLite store in a fresh temporary directory, with one running execution.
class StoreFixture {
 public:
  StoreFixture() {
    dir_ = (std::filesystem::temp_directory_path() /
            ("flowhost_store_bench_" + std::to_string(getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    StoreOptions options;
    options.max_queued_operations = 1 << 16;
    options.max_events_per_execution = int64_t{1} << 40;
    options.max_output_bytes = int64_t{1} << 40;
    store_ = *OpenSqliteStore(SqliteStoreOptions{dir_, 0}, options);
    NewExecution execution;
    execution.workflow = "bench";
    execution.claim_now = true;
    absl::Notification created;
    (void)store_->CreateExecution(std::move(execution),
                                  [&](absl::StatusOr<CreatedExecution> result) {
                                    fence_ = *result->fence;
                                    created.Notify();
                                  });
    created.WaitForNotification();
  }
  ~StoreFixture() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Waits until everything queued so far is committed.
  void Drain() {
    absl::Notification done;
    while (!store_->Prune([&](absl::StatusOr<PruneResult>) { done.Notify(); }).ok()) {
    }
    done.WaitForNotification();
  }

  ExecutionStore& store() { return *store_; }
  const Fence& fence() const { return fence_; }

 private:
  std::string dir_;
  ExecutionStorePtr store_;
  Fence fence_;
};

EventRow TokenEvent(int64_t sequence) {
  EventRow event;
  event.sequence = sequence;
  event.kind = "token_delta";
  event.payload = "a token or two";
  return event;
}

NodeUpdate FinishedNode(int64_t n) {
  NodeUpdate update;
  update.row.name = "node" + std::to_string(n % 8);
  update.row.type = "openrouter.chat";
  update.row.state = NodeState::kSucceeded;
  update.row.items_out = 1;
  update.output = std::make_shared<const std::vector<sdk::Items>>(std::vector<sdk::Items>{
      {sdk::Json{{"answer", "Fake answer to: Summarise the benefits."}}}});
  return update;
}

// Times only the calls: each round's arguments are built, and the previous round drained, while
// the timer is paused.
template <typename Make, typename Call>
void EnqueueRounds(benchmark::State& state, Make make, Call call) {
  StoreFixture fixture;
  using Argument = decltype(make(int64_t{0}));
  std::vector<Argument> round;
  int64_t made = 0;
  size_t next = 0;
  int64_t refused = 0;
  for (auto _ : state) {
    if (next == round.size()) {
      state.PauseTiming();
      fixture.Drain();
      round.clear();
      for (int i = 0; i < kDrainEvery; ++i) round.push_back(make(++made));
      next = 0;
      state.ResumeTiming();
    }
    if (!call(fixture, std::move(round[next++])).ok()) ++refused;
  }
  state.counters["refused"] = static_cast<double>(refused);
}

void BM_AppendEventEnqueue(benchmark::State& state) {
  EnqueueRounds(state, TokenEvent, [](StoreFixture& fixture, EventRow event) {
    return fixture.store().AppendEvent(fixture.fence(), std::move(event));
  });
}
// A fixed count: each round of 4096 waits for a commit (an fsync), which the timer leaves out but
// the run does not.
BENCHMARK(BM_AppendEventEnqueue)->Iterations(1 << 18);

void BM_RecordNodeEnqueue(benchmark::State& state) {
  EnqueueRounds(state, FinishedNode, [](StoreFixture& fixture, NodeUpdate update) {
    return fixture.store().RecordNode(fixture.fence(), std::move(update));
  });
}
BENCHMARK(BM_RecordNodeEnqueue)->Iterations(1 << 18);

void BM_StoreCommitThroughput(benchmark::State& state) {
  StoreFixture fixture;
  int64_t sequence = 0;
  for (auto _ : state) {
    for (int i = 0; i < kDrainEvery; ++i) {
      (void)fixture.store().AppendEvent(fixture.fence(), TokenEvent(++sequence));
    }
    fixture.Drain();
  }
  state.SetItemsProcessed(state.iterations() * kDrainEvery);
}
BENCHMARK(BM_StoreCommitThroughput)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(32);

}  // namespace
}  // namespace flowhost::store

BENCHMARK_MAIN();
