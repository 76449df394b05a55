// The host's function table (plugin_abi.h's fh_host_api): each function turns its C arguments into
// SDK calls on the node's context, the host's scheduler or its HTTP client. Execution functions find
// their execution through the token table first and do nothing for a dead token.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "flowhost/plugin/convert.h"
#include "flowhost/sdk/error.h"
#include "server/plugins/host_objects.h"
#include "server/plugins/plugin_exec.h"
#include "server/plugins/plugin_init.h"
#include "server/plugins/plugin_node_type.h"

namespace flowhost::plugins {
namespace {

using plugin::DumpJson;
using plugin::Str;
using plugin::View;

constexpr int32_t kFailedPrecondition = static_cast<int32_t>(absl::StatusCode::kFailedPrecondition);

fh_buffer NewBuffer(std::string_view bytes) {
  if (bytes.empty()) return fh_buffer{nullptr, 0};
  char* data = static_cast<char*>(std::malloc(bytes.size()));
  std::memcpy(data, bytes.data(), bytes.size());
  return fh_buffer{data, bytes.size()};
}

void FreeBuffer(fh_buffer buffer) { std::free(buffer.data); }

void FreeError(fh_error_out* error) {
  if (error == nullptr) return;
  FreeBuffer(error->error_class);
  FreeBuffer(error->message);
  FreeBuffer(error->details_json);
  *error = fh_error_out{0, {}, {}, {}, -1};
}

// Writes `status` into `out` (when the plugin gave one) and returns its code.
int32_t Report(const absl::Status& status, fh_error_out* out) {
  if (status.ok()) {
    // The usual answer, and per item on some paths (exec_reserve_item_bytes): no ErrorView.
    if (out != nullptr) *out = fh_error_out{0, {nullptr, 0}, {nullptr, 0}, {nullptr, 0}, -1};
    return 0;
  }
  if (out != nullptr) {
    plugin::ErrorView view(status);
    const fh_error* error = view.get();
    *out = fh_error_out{error->code, NewBuffer(View(error->error_class)),
                        NewBuffer(View(error->message)), NewBuffer(View(error->details_json)),
                        error->retry_after_ns};
  }
  return static_cast<int32_t>(status.code());
}

absl::Status DeadToken() {
  return sdk::NodeError(absl::StatusCode::kFailedPrecondition, sdk::error_class::kFailed,
                        "the execution has already completed (its fh_exec token is dead)");
}

PluginExecRef Find(fh_exec exec) { return PluginExecTable::Get().Find(exec); }

// ---- Registration ----

int32_t RegisterNodeType(fh_registrar* registrar, const fh_node_type_def* def,
                         fh_error_out* error) {
  if (registrar == nullptr || def == nullptr) {
    return Report(absl::InvalidArgumentError("register_node_type got a null argument"), error);
  }
  absl::StatusOr<std::shared_ptr<PluginNodeType>> type = PluginNodeType::Create(*def);
  if (!type.ok()) {
    // The host owns type_data from here on (plugin_abi.h), also when it refuses the type.
    if (def->vtable != nullptr && FH_HAS_FIELD(def->vtable, fh_node_type_vtable, destroy_type) &&
        def->vtable->destroy_type != nullptr) {
      def->vtable->destroy_type(def->type_data);
    }
    registrar->refused_type = std::string(type.status().message());
    return Report(type.status(), error);
  }
  absl::Status status = registrar->registry->Register(*std::move(type), *registrar->origin);
  if (!status.ok()) registrar->refused_type = std::string(status.message());
  return Report(status, error);
}

void RegistrarError(fh_registrar* registrar, fh_str message) {
  if (registrar != nullptr) registrar->error = std::string(View(message));
}

// ---- Node configuration ----

fh_str ConfigName(fh_node_config* config) { return Str(config->config->name()); }
fh_str ConfigParams(fh_node_config* config) { return Str(config->params_json); }
int32_t ConfigIsDynamic(fh_node_config* config, fh_str pointer) {
  return config->config->IsDynamic(View(pointer)) ? 1 : 0;
}
int32_t ConfigParamsFixed(fh_node_config* config) {
  return config->config->ParamsAreFixed() ? 1 : 0;
}
void ConfigError(fh_node_config* config, fh_str pointer, fh_str message) {
  config->reported_error = true;
  config->config->Error(View(pointer), View(message));
}
void ConfigWarning(fh_node_config* config, fh_str pointer, fh_str message) {
  config->config->Warning(View(pointer), View(message));
}

// ---- One execution ----

fh_str ExecInfo(fh_exec token) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return fh_str{nullptr, 0};
  absl::call_once(exec->info_once, [&] {
    const sdk::ExecutionInfo& info = exec->context.execution();
    exec->info_json = DumpJson({{"node", exec->context.node_name()},
                                {"execution_id", info.id},
                                {"workflow", info.workflow},
                                {"started_at_unix_ns", plugin::TimeToNs(info.started_at)},
                                {"attempt", exec->context.attempt()}});
  });
  return Str(exec->info_json);  // lives in the PluginExec, kept until the completion
}

fh_str ExecInputs(fh_exec token) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return fh_str{nullptr, 0};
  return Str(exec->inputs_json);  // lives in the PluginExec, kept until the completion
}

int32_t ExecParamsForItem(fh_exec token, uint64_t item_index, fh_buffer* params,
                          fh_error_out* error) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return Report(DeadToken(), error);
  absl::StatusOr<sdk::Json> value = exec->context.params().ForItem(item_index);
  if (!value.ok()) return Report(value.status(), error);
  if (params != nullptr) *params = NewBuffer(DumpJson(*value));
  return 0;
}

int32_t ExecEvaluateDeferred(fh_exec token, fh_str pointer, uint64_t item_index, fh_str json,
                             fh_buffer* out, fh_error_out* error) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return Report(DeadToken(), error);
  absl::StatusOr<sdk::Json> bound = plugin::ParseJson(View(json), "the value bound to $json");
  if (!bound.ok()) return Report(bound.status(), error);
  absl::StatusOr<sdk::Json> value =
      exec->context.params().EvaluateDeferred(View(pointer), item_index, *bound);
  if (!value.ok()) return Report(value.status(), error);
  if (out != nullptr) *out = NewBuffer(DumpJson(*value));
  return 0;
}

int32_t ExecCredential(fh_exec token, fh_str name, fh_buffer* secret, fh_buffer* attributes,
                       fh_error_out* error) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return Report(DeadToken(), error);
  absl::StatusOr<sdk::Credential> credential = exec->context.credential(View(name));
  if (!credential.ok()) return Report(credential.status(), error);
  if (secret != nullptr) *secret = NewBuffer(credential->secret.reveal());
  if (attributes != nullptr) *attributes = NewBuffer(DumpJson(credential->attributes));
  return 0;
}

// ---- Cancellation ----

int32_t ExecCancelled(fh_exec token, int64_t* deadline_unix_ns, fh_error_out* reason) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) {
    if (deadline_unix_ns != nullptr) *deadline_unix_ns = FH_TIME_INFINITE;
    if (reason != nullptr) Report(DeadToken(), reason);
    return 1;
  }
  const sdk::CancellationToken& cancellation = exec->context.cancellation();
  if (deadline_unix_ns != nullptr) *deadline_unix_ns = plugin::TimeToNs(cancellation.deadline());
  if (!cancellation.cancelled()) return 0;
  if (reason != nullptr) Report(cancellation.reason(), reason);
  return 1;
}

uint64_t ExecOnCancel(fh_exec token, fh_cancel_fn fn, void* user) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr || fn == nullptr) return 0;
  // The callback holds its own copy of the token to read the reason; the completion unregisters
  // what is left, which ends that self-reference.
  // Not under exec->mu: the callback may run inline, and the plugin may complete from it.
  sdk::CancellationToken cancellation = exec->context.cancellation();
  sdk::CancellationToken::CallbackId id = cancellation.OnCancel([cancellation, fn, user] {
    plugin::ErrorView reason(cancellation.reason());
    fn(user, reason.get());
  });
  if (id == 0) return 0;
  bool completed;
  {
    std::lock_guard<std::mutex> lock(exec->mu);
    // Announced before `finished` is read, both sequentially consistent (see plugin_exec.h): a
    // completion that then finds no callback announced has set `finished` before this reads it.
    exec->cancel_callbacks_added.store(true, std::memory_order_seq_cst);
    completed = exec->finished.load(std::memory_order_seq_cst);
    if (!completed) exec->cancel_callbacks.push_back(id);
  }
  if (completed && cancellation.Unregister(id)) return 0;  // completed meanwhile: dropped uncalled
  return id;
}

int32_t ExecCancelUnregister(fh_exec token, uint64_t id) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr || id == 0) return 0;
  {
    std::lock_guard<std::mutex> lock(exec->mu);
    std::erase(exec->cancel_callbacks, id);
  }
  return exec->context.cancellation().Unregister(id) ? 1 : 0;
}

// ---- Output on the way ----

int32_t ExecWantsTokens(fh_exec token) {
  PluginExecRef exec = Find(token);
  return exec != nullptr && exec->context.events().wants_tokens() ? 1 : 0;
}

void ExecTokenDelta(fh_exec token, uint64_t item_index, fh_str text, fh_str kind) {
  if (PluginExecRef exec = Find(token)) {
    std::string_view kind_view = View(kind);
    exec->context.events().TokenDelta(item_index, View(text),
                                      kind_view.empty() ? "content" : kind_view);
  }
}

void ExecRecordAttempt(fh_exec token, fh_str record_json) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return;
  absl::StatusOr<sdk::Json> record = plugin::ParseJson(View(record_json), "the attempt record");
  if (!record.ok() || !record->is_object()) {
    exec->context.logger().Log(
        sdk::LogLevel::kWarning,
        absl::StrCat("plugin node type '", exec->node_type,
                     "' recorded a malformed attempt (not a JSON object); it is dropped"));
    return;
  }
  exec->context.RecordAttempt(plugin::AttemptFromJson(*record));
}

int32_t ExecReserveItemBytes(fh_exec token, uint64_t bytes, fh_error_out* error) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return Report(DeadToken(), error);
  return Report(exec->context.ReserveItemBytes(bytes), error);
}

int32_t ExecCostRemaining(fh_exec token, double* remaining) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return 0;
  std::optional<double> left = exec->context.CostRemaining();
  if (!left.has_value()) return 0;
  if (remaining != nullptr) *remaining = *left;
  return 1;
}

int32_t ExecReserveCost(fh_exec token, double worst_case_usd, fh_error_out* error) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return Report(DeadToken(), error);
  return Report(exec->context.ReserveCost(worst_case_usd), error);
}

void ExecSettleCost(fh_exec token, double reserved_usd, double actual_usd) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return;
  exec->context.SettleCost(reserved_usd, actual_usd);
}

int64_t ExecDurableTimer(fh_exec token) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return 0;
  const absl::Time timer = exec->context.durable_timer();
  return timer == absl::InfinitePast() ? 0 : absl::ToUnixMicros(timer);
}

int32_t ExecParkUntil(fh_exec token, int64_t wake_at_unix_micros) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return 0;
  return exec->context.ParkUntil(absl::FromUnixMicros(wake_at_unix_micros)) ? 1 : 0;
}

sdk::LogLevel LevelOf(int32_t level) {
  switch (level) {
    case FH_LOG_DEBUG: return sdk::LogLevel::kDebug;
    case FH_LOG_INFO: return sdk::LogLevel::kInfo;
    case FH_LOG_WARNING: return sdk::LogLevel::kWarning;
    default: return sdk::LogLevel::kError;
  }
}

int32_t ExecLogEnabled(fh_exec token, int32_t level) {
  PluginExecRef exec = Find(token);
  return exec != nullptr && exec->context.logger().Enabled(LevelOf(level)) ? 1 : 0;
}

void ExecLog(fh_exec token, int32_t level, fh_str message, fh_str fields_json) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return;
  sdk::Json fields = nullptr;
  if (fields_json.size != 0) {
    fields = sdk::ParseJsonText(View(fields_json)).value_or(sdk::Json());
    if (!fields.is_object()) {
      fields = {{"malformed_fields", std::string(View(fields_json))}};
    }
  }
  exec->context.logger().Log(LevelOf(level), View(message), fields);
}

// ---- Work done for the node by the host ----

// Calls a plugin's json-done callback with `result`.
void CallJsonDone(fh_json_done_fn done, void* user, const absl::StatusOr<std::string>& result) {
  if (result.ok()) {
    fh_error ok{0, {}, {}, {}, -1};
    done(user, &ok, Str(*result));
    return;
  }
  plugin::ErrorView error(result.status());
  done(user, error.get(), fh_str{nullptr, 0});
}

// A plugin's json-done callback as the host's completion holds it: called once with the result,
// or, when the host drops the completion uncalled (the node's `done` went first and the call was
// abandoned), once with CANCELLED, so that the plugin always gets its `user` back (plugin_abi.h).
class JsonDoneOnce {
 public:
  JsonDoneOnce(fh_json_done_fn done, void* user) : done_(done), user_(user) {}
  JsonDoneOnce(JsonDoneOnce&& other) noexcept
      : done_(std::exchange(other.done_, nullptr)), user_(other.user_) {}
  JsonDoneOnce& operator=(JsonDoneOnce&&) = delete;
  ~JsonDoneOnce() {
    if (done_ != nullptr) {
      CallJsonDone(done_, user_,
                   absl::CancelledError("the host dropped this call before it completed"));
    }
  }
  void operator()(const absl::StatusOr<std::string>& result) {
    CallJsonDone(std::exchange(done_, nullptr), user_, result);
  }

 private:
  fh_json_done_fn done_;
  void* user_;
};

void ExecRunWorkflow(fh_exec token, fh_str workflow, fh_str inputs_json, fh_json_done_fn done,
                     void* user) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return CallJsonDone(done, user, DeadToken());
  absl::StatusOr<sdk::Json> inputs = plugin::ParseJson(View(inputs_json), "the workflow's inputs");
  if (!inputs.ok()) return CallJsonDone(done, user, inputs.status());
  exec->context.RunWorkflow(
      View(workflow), *std::move(inputs),
      [once = JsonDoneOnce(done, user)](absl::StatusOr<sdk::Items> items) mutable {
        if (!items.ok()) return once(items.status());
        once(DumpJson(sdk::Json(*items)));
      });
}

void ExecInvokeNode(fh_exec token, fh_str node, fh_str input_json, fh_json_done_fn done,
                    void* user) {
  PluginExecRef exec = Find(token);
  if (exec == nullptr) return CallJsonDone(done, user, DeadToken());
  absl::StatusOr<sdk::Json> input = plugin::ParseJson(View(input_json), "the node's input");
  if (input.ok() && !input->is_array()) {
    input = absl::InvalidArgumentError("the node's input is not an array of items");
  }
  if (!input.ok()) return CallJsonDone(done, user, input.status());
  sdk::Items items(std::make_move_iterator(input->begin()), std::make_move_iterator(input->end()));
  exec->context.InvokeNode(
      View(node), std::move(items),
      [once = JsonDoneOnce(done, user)](absl::StatusOr<sdk::NodeResult> result) mutable {
        if (!result.ok()) return once(result.status());
        once(plugin::DumpItemLists(result->outputs));
      });
}

// ---- The end of an execution ----

void Complete(fh_exec token, const fh_error* error, fh_str outputs_json) {
  std::shared_ptr<PluginExec> exec = PluginExecTable::Get().Take(token);
  if (exec == nullptr) return;  // late or duplicate: the first completion won
  std::vector<sdk::CancellationToken::CallbackId> callbacks;
  if (exec->cancel_callbacks_added.load(std::memory_order_seq_cst)) {  // after Take's `finished`
    std::lock_guard<std::mutex> lock(exec->mu);
    callbacks.swap(exec->cancel_callbacks);
  }
  for (auto id : callbacks) exec->context.cancellation().Unregister(id);

  absl::StatusOr<sdk::NodeResult> result;
  if (error != nullptr && error->code != 0) {
    result = plugin::StatusFromError(error);
  } else {
    absl::StatusOr<std::vector<sdk::Items>> outputs =
        plugin::ParseItemLists(View(outputs_json), "its outputs");
    if (outputs.ok()) {
      result = sdk::NodeResult{*std::move(outputs)};
    } else {
      result = sdk::NodeError(absl::StatusCode::kInternal, sdk::error_class::kFailed,
                              absl::StrCat("plugin node type '", exec->node_type,
                                           "' completed with malformed output: ",
                                           outputs.status().message()));
    }
  }
  exec->done(std::move(result));  // in place: see plugin_exec.h
}

// ---- The host's services ----

fh_scheduler* ExecScheduler(fh_exec token) {
  PluginExecRef exec = Find(token);
  return exec == nullptr ? nullptr : ToHandle(&exec->context.scheduler());
}

fh_http* ExecHttp(fh_exec token) {
  PluginExecRef exec = Find(token);
  return exec == nullptr ? nullptr : ToHandle(&exec->context.http());
}

int64_t SchedulerNow(fh_scheduler* scheduler) {
  return plugin::TimeToNs(AsScheduler(scheduler)->clock().Now());
}

void SchedulerPost(fh_scheduler* scheduler, fh_task_fn fn, void* user) {
  AsScheduler(scheduler)->Post([fn, user] { fn(user); });
}

uint64_t SchedulerRunAt(fh_scheduler* scheduler, int64_t when_unix_ns, fh_task_fn fn, void* user) {
  return AsScheduler(scheduler)->RunAt(plugin::TimeFromNs(when_unix_ns), [fn, user] { fn(user); });
}

int32_t SchedulerCancel(fh_scheduler* scheduler, uint64_t timer) {
  return AsScheduler(scheduler)->Cancel(timer) ? 1 : 0;
}

// A response (or a response head) as the plugin sees it; holds the header array.
class ResponseView {
 public:
  ResponseView(int status, const sdk::HttpHeaders& headers, std::string_view body,
               absl::Duration total, absl::Duration first_byte) {
    headers_.reserve(headers.size());
    for (const auto& [name, value] : headers) headers_.push_back({Str(name), Str(value)});
    response_ = fh_http_response{sizeof(fh_http_response),  status,
                                 headers_.data(),           headers_.size(),
                                 Str(body),                 plugin::DurationToNs(total),
                                 plugin::DurationToNs(first_byte)};
  }
  const fh_http_response* get() const { return &response_; }

 private:
  std::vector<fh_http_header> headers_;
  fh_http_response response_;
};

fh_http_call* HttpSend(fh_http* http, const fh_http_request* request, fh_http_chunk_fn on_chunk,
                       fh_http_done_fn on_done, void* user) {
  sdk::HttpRequest out;
  out.method = std::string(View(request->method));
  out.url = std::string(View(request->url));
  for (size_t i = 0; i < request->header_count; ++i) {
    out.headers.emplace_back(std::string(View(request->headers[i].name)),
                             std::string(View(request->headers[i].value)));
  }
  out.body = std::string(View(request->body));
  if (request->connect_timeout_ns != FH_TIME_INFINITE) {
    out.connect_timeout = absl::Nanoseconds(request->connect_timeout_ns);
  }
  out.total_timeout = plugin::DurationFromNs(request->total_timeout_ns);
  out.idle_timeout = plugin::DurationFromNs(request->idle_timeout_ns);
  out.deadline = plugin::TimeFromNs(request->deadline_unix_ns);
  if (request->max_response_bytes != 0) out.max_response_bytes = request->max_response_bytes;
  if (request->stream_body != 0 && on_chunk != nullptr) {
    out.on_body_chunk = [on_chunk, user](const sdk::HttpResponseHead& head,
                                         std::string_view chunk) {
      ResponseView view(head.status, head.headers, {}, absl::ZeroDuration(), absl::ZeroDuration());
      on_chunk(user, view.get(), Str(chunk));
    };
  }
  sdk::HttpCallPtr call = AsHttp(http)->Send(
      std::move(out), [on_done, user](absl::StatusOr<sdk::HttpResponse> response) {
        if (!response.ok()) {
          plugin::ErrorView error(response.status());
          on_done(user, error.get(), nullptr);
          return;
        }
        fh_error ok{0, {}, {}, {}, -1};
        ResponseView view(response->status, response->headers, response->body,
                          response->total_time, response->time_to_first_byte);
        on_done(user, &ok, view.get());
      });
  return new fh_http_call{std::move(call)};
}

void HttpCancel(fh_http_call* call) {
  if (call != nullptr && call->call != nullptr) call->call->Cancel();
}

void HttpRelease(fh_http_call* call) { delete call; }

const fh_host_api kHostApi = {
    sizeof(fh_host_api),
    FLOWHOST_ABI_MAJOR,
    FLOWHOST_ABI_MINOR,
    FreeBuffer,
    FreeError,
    RegisterNodeType,
    RegistrarError,
    ConfigName,
    ConfigParams,
    ConfigIsDynamic,
    ConfigError,
    ConfigWarning,
    ExecInfo,
    ExecInputs,
    ExecParamsForItem,
    ExecEvaluateDeferred,
    ExecCredential,
    ExecCancelled,
    ExecOnCancel,
    ExecCancelUnregister,
    ExecWantsTokens,
    ExecTokenDelta,
    ExecRecordAttempt,
    ExecReserveItemBytes,
    ExecLogEnabled,
    ExecLog,
    ExecRunWorkflow,
    ExecInvokeNode,
    Complete,
    ExecScheduler,
    ExecHttp,
    SchedulerNow,
    SchedulerPost,
    SchedulerRunAt,
    SchedulerCancel,
    HttpSend,
    HttpCancel,
    HttpRelease,
    // ABI 1.1
    ConfigParamsFixed,
    // ABI 1.2
    ExecCostRemaining,
    ExecReserveCost,
    ExecSettleCost,
    ExecDurableTimer,
    ExecParkUntil,
};

}  // namespace

const fh_host_api& HostApi() { return kHostApi; }

}  // namespace flowhost::plugins
