// A NodeContext for node unit tests, with everything a node may touch recorded: a ManualClock and
// ManualScheduler (time moves only when the test says), a FakeHttpClient, parameters given as JSON
// (the same for every item, or per item), credentials by name, a logger and an event sink that keep
// every line and delta, the attempts the node recorded, and InvokeNode answered by a test handler.
//
// Run() executes a node and drives the scheduler until the node calls `done` (or nothing is left to
// run), so a test reads top to bottom.
//
// Thread-safety: meant for one test thread; recording methods lock, since nodes may call them from
// any thread.
#ifndef FLOWHOST_TESTS_NODES_TESTING_FAKE_NODE_CONTEXT_H_
#define FLOWHOST_TESTS_NODES_TESTING_FAKE_NODE_CONTEXT_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/node_context.h"
#include "server/common/clocks.h"
#include "server/common/manual_scheduler.h"
#include "tests/nodes/testing/fake_http_client.h"

namespace flowhost::node_testing {

using sdk::Json;

// Parameters from JSON: ForItem(i) returns the per-item JSON when one is set for i, else the common
// one; schema defaults are applied when a schema is given. Deferred parameters are answered by a
// handler (none: NOT_FOUND).
class FakeParameters : public sdk::Parameters {
 public:
  using Deferred =
      std::function<absl::StatusOr<Json>(std::string_view pointer, size_t item, const Json& json)>;

  absl::StatusOr<Json> ForItem(size_t item_index) const override;
  absl::StatusOr<Json> EvaluateDeferred(std::string_view pointer, size_t item_index,
                                        const Json& json) const override;

  Json common = Json::object();
  std::map<size_t, Json> per_item;
  Json schema;  // optional
  Deferred deferred;
};

// Keeps every log line: {"level", "message", "fields"}.
class RecordingLogger : public sdk::Logger {
 public:
  bool Enabled(sdk::LogLevel level) const override { return true; }
  void Log(sdk::LogLevel level, std::string_view message, const Json& fields) override;
  std::vector<Json> lines() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<Json> lines_ ABSL_GUARDED_BY(mu_);
};

// Keeps every token delta in arrival order.
class RecordingEventSink : public sdk::EventSink {
 public:
  struct Delta {
    size_t item;
    std::string text;
    std::string kind;
  };
  bool wants_tokens() const override { return wants_tokens_; }
  void TokenDelta(size_t item_index, std::string_view text, std::string_view kind) override;
  std::vector<Delta> deltas() const;
  // Concatenated texts of `kind` for `item`.
  std::string Text(size_t item, std::string_view kind = "content") const;

  bool wants_tokens_ = false;

 private:
  mutable absl::Mutex mu_;
  std::vector<Delta> deltas_ ABSL_GUARDED_BY(mu_);
};

class FakeNodeContext : public sdk::NodeContext {
 public:
  using InvokeHandler =
      std::function<void(std::string_view node, sdk::Items input,
                         absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)> done)>;

  FakeNodeContext();
  ~FakeNodeContext() override;

  // --- set-up ---
  void SetInput(sdk::Items items);
  void SetCredential(std::string name, std::string key, Json attributes = Json::object());
  FakeParameters& parameters() { return params_; }
  RecordingEventSink& sink() { return events_; }
  void SetInvokeHandler(InvokeHandler handler) { invoke_ = std::move(handler); }
  // Gives the node a deadline (a fresh cancellation source with it).
  void SetDeadline(absl::Time deadline);

  // --- running ---
  // Starts the node; returns at once (the result is read with result()).
  void Start(const sdk::Node& node);
  // Runs queued tasks until the node has finished or nothing is runnable. Returns whether it
  // finished.
  bool RunUntilDone();
  // Start + RunUntilDone; the node must finish.
  absl::StatusOr<sdk::NodeResult> Run(const sdk::Node& node);
  bool finished() const;
  absl::StatusOr<sdk::NodeResult> result() const;
  // How many times the node called done (must be exactly 1).
  int done_calls() const;
  void Cancel(absl::Status reason);

  common::ManualClock& clock() { return clock_; }
  common::ManualScheduler& manual_scheduler() { return scheduler_; }
  FakeHttpClient& fake_http() { return http_; }
  RecordingLogger& recording_logger() { return logger_; }
  std::vector<sdk::AttemptRecord> attempts() const;

  // --- sdk::NodeContext ---
  const std::string& node_name() const override { return node_name_; }
  const sdk::ExecutionInfo& execution() const override { return execution_; }
  int attempt() const override { return 1; }
  const std::vector<sdk::Items>& inputs() const override { return inputs_; }
  const sdk::Parameters& params() const override { return params_; }
  absl::StatusOr<sdk::Credential> credential(std::string_view name) const override;
  sdk::HttpClient& http() override { return http_; }
  sdk::Scheduler& scheduler() override { return scheduler_; }
  sdk::Logger& logger() override { return logger_; }
  const sdk::CancellationToken& cancellation() const override { return token_; }
  sdk::EventSink& events() override { return events_; }
  void RecordAttempt(const sdk::AttemptRecord& attempt) override;
  void RunWorkflow(std::string_view workflow, Json inputs,
                   absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)> done) override;
  void InvokeNode(std::string_view node, sdk::Items input,
                  absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)> done) override;

  std::string node_name_ = "node";
  sdk::ExecutionInfo execution_{"exec-1", "test", absl::FromUnixSeconds(1'700'000'000), ""};

 private:
  common::ManualClock clock_;
  common::ManualScheduler scheduler_{&clock_};
  FakeHttpClient http_{scheduler_};
  FakeParameters params_;
  RecordingLogger logger_;
  RecordingEventSink events_;
  std::unique_ptr<sdk::CancellationSource> source_;
  sdk::CancellationToken token_;
  std::vector<sdk::Items> inputs_{sdk::Items{}};
  std::map<std::string, sdk::Credential, std::less<>> credentials_;
  InvokeHandler invoke_;

  mutable absl::Mutex mu_;
  std::vector<sdk::AttemptRecord> attempts_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::StatusOr<sdk::NodeResult>> result_ ABSL_GUARDED_BY(mu_);
  int done_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// A NodeConfig for NodeType::Create: the params as given (schema defaults applied when a schema is
// passed), `dynamic` pointers (and everything under them) reported as computed at run time, and
// every Error/Warning kept.
class FakeNodeConfig : public sdk::NodeConfig {
 public:
  FakeNodeConfig(Json params, const Json& schema = nullptr, std::vector<std::string> dynamic = {});

  const std::string& name() const override { return name_; }
  const Json& params() const override { return params_; }
  bool IsDynamic(std::string_view pointer) const override;
  void Error(std::string_view pointer, std::string_view message) override;
  void Warning(std::string_view pointer, std::string_view message) override;

  // "pointer: message" for every error.
  std::vector<std::string> errors;
  std::vector<std::string> warnings;

 private:
  std::string name_ = "node";
  Json params_;
  std::vector<std::string> dynamic_;
};

}  // namespace flowhost::node_testing

#endif  // FLOWHOST_TESTS_NODES_TESTING_FAKE_NODE_CONTEXT_H_
