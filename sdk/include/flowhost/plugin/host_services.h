// The plugin side of the C++ layer over plugin_abi.h: the host's function table as the plugin keeps
// it, and the host's scheduler and HTTP client as sdk::Scheduler and sdk::HttpClient. Part of the
// header-only layer included through <flowhost/plugin/plugin.h>; node code never includes it.
//
// Ownership: the wrappers are created once per host object and live until exit, like the host
// objects behind them, so a node may keep a reference it got from one execution.
// Thread-safety: every method may be called from any thread.
#ifndef FLOWHOST_PLUGIN_HOST_SERVICES_H_
#define FLOWHOST_PLUGIN_HOST_SERVICES_H_

#include <cxxabi.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/plugin/convert.h"
#include "flowhost/plugin_abi.h"
#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/scheduler.h"

namespace flowhost::plugin {

// The host's function table, set by the plugin's init; lives until exit.
inline const fh_host_api*& HostSlot() {
  static const fh_host_api* host = nullptr;
  return host;
}
inline const fh_host_api& Host() { return *HostSlot(); }

// Takes a host buffer's bytes and frees it.
inline std::string TakeBuffer(fh_buffer& buffer) {
  std::string bytes = buffer.size == 0 ? std::string() : std::string(buffer.data, buffer.size);
  Host().free_buffer(buffer);
  buffer = fh_buffer{nullptr, 0};
  return bytes;
}

// Takes a host error (freeing it) as a Status.
inline absl::Status TakeError(fh_error_out& error) {
  absl::Status status = StatusFromError(
      error.code, std::string_view(error.error_class.data, error.error_class.size),
      std::string_view(error.message.data, error.message.size),
      std::string_view(error.details_json.data, error.details_json.size), error.retry_after_ns);
  Host().free_error(&error);
  return status;
}
inline fh_error_out NoError() { return fh_error_out{0, {}, {}, {}, -1}; }

// "TYPE: what()" for the exception being handled (call only inside a catch block).
inline std::string DescribeCurrentException() {
  auto demangle = [](const char* name) {
    int status = 0;
    char* readable = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    std::string out = status == 0 && readable != nullptr ? readable : name;
    std::free(readable);
    return out;
  };
  try {
    throw;
  } catch (const std::exception& e) {
    return demangle(typeid(e).name()) + ": " + e.what();
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    return "an exception of type " + (type != nullptr ? demangle(type->name()) : "unknown");
  }
}

// While a task that threw is being destroyed on this thread: what it threw (else nullptr). A node's
// completion destroyed uncalled then reports it (plugin.h).
inline const std::string*& CurrentFault() {
  thread_local const std::string* fault = nullptr;
  return fault;
}

// Runs `task`; if it throws, destroys it with the fault visible through CurrentFault(). A plugin
// callback never lets an exception reach the host's thread.
template <typename Fn, typename... Args>
void RunContained(Fn& task, Args&&... args) {
  try {
    task(std::forward<Args>(args)...);
  } catch (...) {
    std::string fault = DescribeCurrentException();
    CurrentFault() = &fault;
    { Fn dropped = std::move(task); }
    CurrentFault() = nullptr;
  }
}

// The host's scheduler.
class PluginScheduler final : public sdk::Scheduler, private sdk::Clock {
 public:
  static PluginScheduler& For(fh_scheduler* scheduler) {
    static absl::Mutex mu;
    static auto* wrappers = new std::map<fh_scheduler*, std::unique_ptr<PluginScheduler>>();
    absl::MutexLock lock(&mu);
    auto& wrapper = (*wrappers)[scheduler];
    if (wrapper == nullptr) wrapper.reset(new PluginScheduler(scheduler));
    return *wrapper;
  }

  void Post(Task task) override {
    Host().scheduler_post(scheduler_, &RunPosted, new Task(std::move(task)));
  }

  sdk::TimerId RunAt(absl::Time when, Task task) override {
    auto* timer = new Timer{this, std::move(task), 0};
    absl::MutexLock lock(&mu_);  // the host never runs a timer inline, so RunTimer waits here
    timer->id = Host().scheduler_run_at(scheduler_, TimeToNs(when), &RunTimer, timer);
    timers_[timer->id] = timer;
    return timer->id;
  }

  bool Cancel(sdk::TimerId id) override {
    absl::MutexLock lock(&mu_);
    auto it = timers_.find(id);
    if (it == timers_.end() || Host().scheduler_cancel(scheduler_, id) == 0) return false;
    delete it->second;
    timers_.erase(it);
    return true;
  }

  const sdk::Clock& clock() const override { return *this; }

 private:
  struct Timer {
    PluginScheduler* owner;
    Task task;
    sdk::TimerId id;
  };

  explicit PluginScheduler(fh_scheduler* scheduler) : scheduler_(scheduler) {}

  absl::Time Now() const override { return TimeFromNs(Host().scheduler_now(scheduler_)); }

  static void RunPosted(void* user) {
    std::unique_ptr<Task> task(static_cast<Task*>(user));
    RunContained(*task);
  }
  static void RunTimer(void* user) {
    std::unique_ptr<Timer> timer(static_cast<Timer*>(user));
    {
      absl::MutexLock lock(&timer->owner->mu_);
      timer->owner->timers_.erase(timer->id);
    }
    RunContained(timer->task);
  }

  fh_scheduler* const scheduler_;
  absl::Mutex mu_;
  std::map<sdk::TimerId, Timer*> timers_ ABSL_GUARDED_BY(mu_);  // armed, not yet run
};

// The host's pooled HTTP client: the plugin's requests share its connections, limits and stats, and
// a cancelled request is aborted at the upstream.
class PluginHttpClient final : public sdk::HttpClient {
 public:
  static PluginHttpClient& For(fh_http* http) {
    static absl::Mutex mu;
    static auto* wrappers = new std::map<fh_http*, std::unique_ptr<PluginHttpClient>>();
    absl::MutexLock lock(&mu);
    auto& wrapper = (*wrappers)[http];
    if (wrapper == nullptr) wrapper.reset(new PluginHttpClient(http));
    return *wrapper;
  }

  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done) override {
    auto* call = new Call{std::move(request.on_body_chunk), std::move(done), std::nullopt, {}};
    std::vector<fh_http_header> headers;
    headers.reserve(request.headers.size());
    for (const auto& [name, value] : request.headers) headers.push_back({Str(name), Str(value)});
    fh_http_request out{sizeof(fh_http_request),
                        Str(request.method),
                        Str(request.url),
                        headers.data(),
                        headers.size(),
                        Str(request.body),
                        DurationToNs(request.connect_timeout),
                        DurationToNs(request.total_timeout),
                        DurationToNs(request.idle_timeout),
                        TimeToNs(request.deadline),
                        request.max_response_bytes,
                        call->on_chunk ? 1 : 0};
    fh_http_call* handle = Host().http_send(http_, &out, call->on_chunk ? &OnChunk : nullptr,
                                            &OnDone, call);
    return std::make_shared<CallHandle>(handle);
  }

 private:
  struct Call {
    absl::AnyInvocable<void(const sdk::HttpResponseHead&, std::string_view)> on_chunk;
    sdk::HttpDone done;
    std::optional<sdk::HttpResponseHead> head;  // built from the first chunk (I/O thread only)
    std::string chunk_fault;                    // what on_chunk threw; later chunks are dropped
  };

  class CallHandle final : public sdk::HttpCall {
   public:
    explicit CallHandle(fh_http_call* call) : call_(call) {}
    ~CallHandle() override { Host().http_release(call_); }
    void Cancel() override { Host().http_cancel(call_); }

   private:
    fh_http_call* const call_;
  };

  explicit PluginHttpClient(fh_http* http) : http_(http) {}

  static sdk::HttpHeaders HeadersOf(const fh_http_response& response) {
    sdk::HttpHeaders headers;
    headers.reserve(response.header_count);
    for (size_t i = 0; i < response.header_count; ++i) {
      headers.emplace_back(std::string(View(response.headers[i].name)),
                           std::string(View(response.headers[i].value)));
    }
    return headers;
  }

  static void OnChunk(void* user, const fh_http_response* head, fh_str chunk) {
    auto* call = static_cast<Call*>(user);
    if (!call->chunk_fault.empty()) return;
    if (!call->head.has_value()) call->head = sdk::HttpResponseHead{head->status, HeadersOf(*head)};
    try {
      call->on_chunk(*call->head, View(chunk));
    } catch (...) {
      call->chunk_fault = DescribeCurrentException();
    }
  }

  static void OnDone(void* user, const fh_error* error, const fh_http_response* response) {
    std::unique_ptr<Call> call(static_cast<Call*>(user));
    absl::StatusOr<sdk::HttpResponse> result;
    if (!call->chunk_fault.empty()) {
      result = absl::InternalError("the request's on_body_chunk threw " + call->chunk_fault);
    } else if (error != nullptr && error->code != 0) {
      result = StatusFromError(error);
    } else {
      sdk::HttpResponse out;
      out.status = response->status;
      out.headers = HeadersOf(*response);
      out.body = std::string(View(response->body));
      out.total_time = DurationFromNs(response->total_time_ns);
      out.time_to_first_byte = DurationFromNs(response->time_to_first_byte_ns);
      result = std::move(out);
    }
    RunContained(call->done, std::move(result));
  }

  fh_http* const http_;
};

}  // namespace flowhost::plugin

#endif  // FLOWHOST_PLUGIN_HOST_SERVICES_H_
