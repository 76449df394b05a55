// The plugin side of the C++ layer: an sdk::NodeContext (with its Parameters, Logger and EventSink)
// over one fh_exec token, so that node code written against the SDK runs unchanged in a plugin.
// Every method turns into a call of the host's function table (plugin_abi.h).
//
// Ownership: created by the execute trampoline (plugin.h) and shared by it and the node's `done`;
// Finish hands the result to the host, after which the token is dead. Thread-safety: every
// NodeContext method may be called from any thread while the node runs, as the SDK promises.
#ifndef FLOWHOST_PLUGIN_NODE_CONTEXT_H_
#define FLOWHOST_PLUGIN_NODE_CONTEXT_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "flowhost/plugin/convert.h"
#include "flowhost/plugin/host_services.h"
#include "flowhost/plugin_abi.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/node_context.h"

namespace flowhost::plugin {

class PluginNodeContext final : public sdk::NodeContext,
                                private sdk::Parameters,
                                private sdk::Logger,
                                private sdk::EventSink {
 public:
  // `fixed_params`, when not null, are the node's parameters for every item (the host said they
  // are fixed; they outlive the execution): ForItem then never asks the host.
  PluginNodeContext(fh_exec exec, const std::string& node_type,
                    const sdk::Json* fixed_params = nullptr)
      : exec_(exec), type_(node_type), fixed_params_(fixed_params) {
    absl::StatusOr<std::vector<sdk::Items>> inputs =
        ParseItemLists(View(Host().exec_inputs(exec)), "the node's inputs");
    if (inputs.ok()) inputs_ = *std::move(inputs);
  }

  ~PluginNodeContext() override {
    if (cancel_box_ != nullptr) delete cancel_box_;
  }

  const std::string& node_type() const { return type_; }

  // Hands the node's result to the host; the first call wins.
  void Finish(absl::StatusOr<sdk::NodeResult> result) {
    if (finished_.exchange(true)) return;
    if (cancel_id_ != 0 && Host().exec_cancel_unregister(exec_, cancel_id_) == 0) {
      cancel_box_ = nullptr;  // the callback has run or is running: it frees the box
    }
    if (result.ok()) {
      std::string outputs = DumpItemLists(result->outputs);
      Host().complete(exec_, nullptr, Str(outputs));
      return;
    }
    ErrorView error(result.status());
    Host().complete(exec_, error.get(), fh_str{nullptr, 0});
  }

  // ---- sdk::NodeContext ----
  const std::string& node_name() const override { return Info().node; }
  const sdk::ExecutionInfo& execution() const override { return Info().execution; }
  int attempt() const override { return Info().attempt; }
  const std::vector<sdk::Items>& inputs() const override { return inputs_; }
  const sdk::Parameters& params() const override { return *this; }

  absl::StatusOr<sdk::Credential> credential(std::string_view name) const override {
    fh_buffer secret{nullptr, 0}, attributes{nullptr, 0};
    fh_error_out error = NoError();
    if (Host().exec_credential(exec_, Str(name), &secret, &attributes, &error) != 0) {
      return TakeError(error);
    }
    sdk::Credential credential;
    credential.name = std::string(name);
    credential.secret = sdk::Secret(TakeBuffer(secret));
    std::string attributes_json = TakeBuffer(attributes);
    credential.attributes = sdk::ParseJsonText(attributes_json).value_or(sdk::Json());
    if (!credential.attributes.is_object()) credential.attributes = sdk::Json::object();
    return credential;
  }

  sdk::HttpClient& http() override { return PluginHttpClient::For(Host().exec_http(exec_)); }
  sdk::Scheduler& scheduler() override {
    return PluginScheduler::For(Host().exec_scheduler(exec_));
  }
  sdk::Logger& logger() override { return *this; }
  sdk::EventSink& events() override { return *this; }

  const sdk::CancellationToken& cancellation() const override {
    std::call_once(cancel_once_, [this] { BridgeCancellation(); });
    return *cancel_token_;
  }

  void RecordAttempt(const sdk::AttemptRecord& attempt) override {
    std::string record = DumpJson(AttemptToJson(attempt));
    Host().exec_record_attempt(exec_, Str(record));
  }

  absl::Status ReserveItemBytes(size_t bytes) override {
    fh_error_out error = NoError();
    if (Host().exec_reserve_item_bytes(exec_, bytes, &error) != 0) return TakeError(error);
    return absl::OkStatus();
  }

  // The cost budget's functions came with ABI 1.2; an older host has no budget to offer.
  std::optional<double> CostRemaining() const override {
    double remaining = 0;
    if (!FH_HAS_FIELD(&Host(), fh_host_api, exec_settle_cost) ||
        Host().exec_cost_remaining(exec_, &remaining) == 0) {
      return std::nullopt;
    }
    return remaining;
  }

  absl::Status ReserveCost(double worst_case_usd) override {
    if (!FH_HAS_FIELD(&Host(), fh_host_api, exec_settle_cost)) return absl::OkStatus();
    fh_error_out error = NoError();
    if (Host().exec_reserve_cost(exec_, worst_case_usd, &error) != 0) return TakeError(error);
    return absl::OkStatus();
  }

  void SettleCost(double reserved_usd, double actual_usd) override {
    if (!FH_HAS_FIELD(&Host(), fh_host_api, exec_settle_cost)) return;
    Host().exec_settle_cost(exec_, reserved_usd, actual_usd);
  }

  // Durable timers came with ABI 1.2 too (after the budget); an older host never parks.
  absl::Time durable_timer() const override {
    if (!FH_HAS_FIELD(&Host(), fh_host_api, exec_park_until)) return absl::InfinitePast();
    const int64_t micros = Host().exec_durable_timer(exec_);
    return micros == 0 ? absl::InfinitePast() : absl::FromUnixMicros(micros);
  }

  bool ParkUntil(absl::Time wake_at) override {
    if (!FH_HAS_FIELD(&Host(), fh_host_api, exec_park_until)) return false;
    return Host().exec_park_until(exec_, absl::ToUnixMicros(wake_at)) != 0;
  }

  void RunWorkflow(std::string_view workflow, sdk::Json inputs,
                   absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)> done) override {
    using Done = absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)>;
    std::string inputs_json = DumpJson(inputs);
    Host().exec_run_workflow(
        exec_, Str(workflow), Str(inputs_json),
        [](void* user, const fh_error* error, fh_str json) {
          std::unique_ptr<Done> done(static_cast<Done*>(user));
          absl::Status status = StatusFromError(error);
          absl::StatusOr<sdk::Items> items = absl::InternalError(
              "the host returned a malformed workflow output");
          if (!status.ok()) {
            items = status;
          } else if (absl::StatusOr<sdk::Json> parsed = ParseJson(View(json), "the output");
                     parsed.ok() && parsed->is_array()) {
            items = sdk::Items(parsed->begin(), parsed->end());
          }
          RunContained(*done, std::move(items));
        },
        new Done(std::move(done)));
  }

  void InvokeNode(std::string_view node, sdk::Items input,
                  absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)> done) override {
    using Done = absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)>;
    std::string input_json = DumpJson(sdk::Json(input));
    Host().exec_invoke_node(
        exec_, Str(node), Str(input_json),
        [](void* user, const fh_error* error, fh_str json) {
          std::unique_ptr<Done> done(static_cast<Done*>(user));
          absl::Status status = StatusFromError(error);
          absl::StatusOr<sdk::NodeResult> result = absl::InternalError(
              "the host returned malformed node outputs");
          if (!status.ok()) {
            result = status;
          } else if (auto outputs = ParseItemLists(View(json), "the node's outputs"); outputs.ok()) {
            result = sdk::NodeResult{*std::move(outputs)};
          }
          RunContained(*done, std::move(result));
        },
        new Done(std::move(done)));
  }

 private:
  struct ExecInfo {
    std::string node;
    sdk::ExecutionInfo execution;
    int attempt = 1;
  };

  // The source the host's cancellation feeds; shared with the host callback through a weak box so
  // that a callback racing Finish never touches a destroyed context.
  struct CancelBridge {
    explicit CancelBridge(absl::Time deadline) : source(deadline) {}
    sdk::CancellationSource source;
  };
  using CancelBox = std::weak_ptr<CancelBridge>;

  const ExecInfo& Info() const {
    std::call_once(info_once_, [this] {
      sdk::Json info = sdk::ParseJsonText(View(Host().exec_info(exec_))).value_or(sdk::Json());
      info_.node = sdk::StringField(info, "node");
      info_.execution.id = sdk::StringField(info, "execution_id");
      info_.execution.workflow = sdk::StringField(info, "workflow");
      info_.execution.started_at = TimeFromNs(sdk::IntField(info, "started_at_unix_ns"));
      info_.attempt = static_cast<int>(sdk::IntField(info, "attempt", 1));
    });
    return info_;
  }

  void BridgeCancellation() const {
    int64_t deadline = FH_TIME_INFINITE;
    fh_error_out reason = NoError();
    bool cancelled = Host().exec_cancelled(exec_, &deadline, &reason) != 0;
    cancel_bridge_ = std::make_shared<CancelBridge>(TimeFromNs(deadline));
    cancel_token_ = cancel_bridge_->source.token();
    if (cancelled) {
      absl::Status status = TakeError(reason);
      cancel_bridge_->source.Cancel(status.ok() ? absl::CancelledError("cancelled") : status);
      return;
    }
    auto* box = new CancelBox(cancel_bridge_);
    cancel_id_ = Host().exec_on_cancel(
        exec_,
        [](void* user, const fh_error* why) {
          std::unique_ptr<CancelBox> box(static_cast<CancelBox*>(user));
          if (std::shared_ptr<CancelBridge> bridge = box->lock()) {
            absl::Status status = StatusFromError(why);
            bridge->source.Cancel(status.ok() ? absl::CancelledError("cancelled") : status);
          }
        },
        box);
    // 0: the callback ran inline (and freed the box), or the token is dead (the box is ours).
    if (cancel_id_ != 0) cancel_box_ = box;
  }

  // ---- sdk::Parameters ----
  absl::StatusOr<sdk::Json> ForItem(size_t item_index) const override {
    if (fixed_params_ != nullptr) return *fixed_params_;
    fh_buffer params{nullptr, 0};
    fh_error_out error = NoError();
    if (Host().exec_params_for_item(exec_, item_index, &params, &error) != 0) {
      return TakeError(error);
    }
    return ParseJson(TakeBuffer(params), "the host's parameters");
  }
  absl::StatusOr<sdk::Json> EvaluateDeferred(std::string_view pointer, size_t item_index,
                                             const sdk::Json& json) const override {
    std::string bound = DumpJson(json);
    fh_buffer value{nullptr, 0};
    fh_error_out error = NoError();
    if (Host().exec_evaluate_deferred(exec_, Str(pointer), item_index, Str(bound), &value,
                                      &error) != 0) {
      return TakeError(error);
    }
    return ParseJson(TakeBuffer(value), "the host's deferred value");
  }

  // ---- sdk::Logger ----
  bool Enabled(sdk::LogLevel level) const override {
    return Host().exec_log_enabled(exec_, static_cast<int32_t>(level)) != 0;
  }
  void Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) override {
    std::string fields_json = fields.is_null() ? std::string() : DumpJson(fields);
    Host().exec_log(exec_, static_cast<int32_t>(level), Str(message), Str(fields_json));
  }

  // ---- sdk::EventSink ----
  bool wants_tokens() const override { return Host().exec_wants_tokens(exec_) != 0; }
  void TokenDelta(size_t item_index, std::string_view text, std::string_view kind) override {
    Host().exec_token_delta(exec_, item_index, Str(text), Str(kind));
  }

  const fh_exec exec_;
  const std::string& type_;
  const sdk::Json* const fixed_params_;
  std::vector<sdk::Items> inputs_;
  std::atomic<bool> finished_{false};

  mutable std::once_flag info_once_;
  mutable ExecInfo info_;

  mutable std::once_flag cancel_once_;
  mutable std::shared_ptr<CancelBridge> cancel_bridge_;
  mutable std::optional<sdk::CancellationToken> cancel_token_;  // built on first use: most nodes never ask
  mutable uint64_t cancel_id_ = 0;
  mutable CancelBox* cancel_box_ = nullptr;  // ours to free while the callback is registered
};

}  // namespace flowhost::plugin

#endif  // FLOWHOST_PLUGIN_NODE_CONTEXT_H_
