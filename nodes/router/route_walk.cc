#include "nodes/router/route_walk.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/retry.h"
#include "nodes/router/answer_check.h"
#include "nodes/router/attempt_log.h"
#include "nodes/router/query_route.h"
#include "nodes/router/route.h"

namespace flowhost::nodes::router {
namespace {

using openrouter::ChatCallRequest;
using openrouter::ChatCallResult;
using openrouter::Endpoint;
using sdk::Json;

std::string Seconds(absl::Duration d) { return absl::StrFormat("%.3gs", absl::ToDoubleSeconds(d)); }

// One chat attempt's streamed text: where it comes from, whether any was sent (set on the HTTP
// client's I/O thread, read on the pool once the attempt has completed), and in hold-back mode the
// pieces held until the answer passes its checks (appended on the I/O thread, released on the pool
// after the call completed).
struct StreamedAttempt {
  std::string route;
  std::string model;
  int attempt = 0;
  bool hold_back = false;
  std::atomic<bool> sent{false};
  absl::Mutex mu;
  std::vector<std::pair<std::string, std::string>> held ABSL_GUARDED_BY(mu);  // (text, kind)
  sdk::TokenSource source() const { return {route, model, attempt}; }
};

class RouteWalk : public std::enable_shared_from_this<RouteWalk> {
 public:
  RouteWalk(std::shared_ptr<const RouterRun> run, size_t index, sdk::CancellationToken token,
            sdk::ItemBatch::ItemDone done)
      : run_(std::move(run)), index_(index), token_(std::move(token)), done_(std::move(done)) {}

  void Begin() {
    const auto& inputs = context().inputs();
    if (!inputs.empty() && index_ < inputs[0].size()) item_ = inputs[0][index_];
    absl::StatusOr<Json> params = context().params().ForItem(index_);
    if (!params.ok()) return Finish(params.status());
    absl::StatusOr<std::vector<Route>> routes = RoutesFromParams(*params);
    if (!routes.ok()) return Finish(routes.status());
    routes_ = *std::move(routes);
    Next();
  }

 private:
  sdk::NodeContext& context() const { return *run_->context; }
  const RouterSettings& settings() const { return *run_->settings; }
  sdk::Scheduler& scheduler() const { return context().scheduler(); }
  absl::Time Now() const { return scheduler().clock().Now(); }

  // Finds the next route to call (the current one again for a retry), recording the ones skipped.
  void Next() {
    ForgetRetryWait();
    while (true) {
      if (token_.cancelled()) return Finish(token_.reason());
      if (route_ >= routes_.size()) return Finish(AllFailed());
      if (routes_[route_].kind != Route::Kind::kNode && !endpoint_.has_value()) {
        absl::StatusOr<Endpoint> endpoint =
            openrouter::ResolveEndpoint(context(), settings().credential);
        if (!endpoint.ok()) return Finish(endpoint.status());
        endpoint_ = *std::move(endpoint);
      }
      if (routes_[route_].kind == Route::Kind::kQuery) {
        ResolveQuery();
        continue;
      }
      const Route& route = routes_[route_];
      key_ = RouteKey(route, endpoint_.has_value() ? endpoint_->base_url : "",
                      context().execution().workflow);
      const absl::Time now = Now();
      RouteHealthTable::Admission admission = run_->health->Admit(key_, now);
      probe_ = admission.verdict == RouteHealthTable::Admission::Verdict::kProbe;
      if (admission.verdict == RouteHealthTable::Admission::Verdict::kSkip) {
        // A retry of this route waits out a short window another execution opened, once, rather
        // than call inside it or give the route up.
        if (attempt_ > 0 && !waited_for_window_ && admission.state == RouteState::kOpen &&
            admission.open_until - now <= settings().max_same_route_wait) {
          waited_for_window_ = true;
          return WaitThenRetry(admission.open_until - now);
        }
        if (admission.state == RouteState::kOpen) {
          Skip(route, admission.opened_by,
               absl::StrCat("open for another ", Seconds(admission.open_until - now), " after ",
                            admission.opened_by,
                            admission.retry_after ? " (the upstream's Retry-After)" : "",
                            admission.opened_by_replica.empty()
                                ? ""
                                : absl::StrCat(" seen by replica ", admission.opened_by_replica)));
        } else {
          Skip(route, admission.opened_by,
               absl::StrCat("half-open after ", admission.opened_by,
                            admission.probe_elsewhere
                                ? ": another replica's probe call is testing it (or the "
                                  "replicas are settling which one probes)"
                                : ": another execution's probe call is testing it"));
        }
        continue;
      }
      if (route.kind == Route::Kind::kNode) return CallNode(route);

      absl::StatusOr<Json> body = openrouter::BuildChatBody(route.chat, Streaming());
      if (!body.ok()) {
        ReleaseProbe();
        return Finish(sdk::Annotate(body.status(), absl::StrCat("route '", route.name, "'")));
      }
      double reserved = 0;
      if (run_->budget != nullptr || run_->execution_budget) {
        std::optional<double> worst = openrouter::WorstCaseCost(*run_->catalogue, *body);
        if (!worst.has_value()) {
          Skip(route, sdk::error_class::kLimitExceeded,
               "its worst-case cost cannot be estimated (a model is not in the catalogue or has "
               "variable prices), so it cannot be held to max_cost_usd");
          continue;
        }
        // The execution's budget first (the workflow's max_cost_usd), then the node's own.
        if (run_->execution_budget) {
          if (absl::Status refused = context().ReserveCost(*worst); !refused.ok()) {
            Skip(route, sdk::error_class::kLimitExceeded,
                 absl::StrCat("its worst-case cost does not fit the execution's budget: ",
                              refused.message()));
            continue;
          }
        }
        if (run_->budget != nullptr && !run_->budget->Reserve(*worst)) {
          if (run_->execution_budget) context().SettleCost(*worst, 0);
          Skip(route, sdk::error_class::kLimitExceeded,
               absl::StrFormat("its worst-case cost $%.6f would exceed max_cost_usd $%.6f "
                               "($%.6f left)",
                               *worst, run_->budget->max_usd(), run_->budget->remaining()));
          continue;
        }
        reserved = *worst;
      }
      return CallChat(route, *std::move(body), reserved);
    }
  }

  bool Streaming() const { return run_->listening || settings().stream; }

  // Replaces the query route at route_ by a chat route per model it picks now, or skips it.
  void ResolveQuery() {
    const Route query_route = routes_[route_];
    if (run_->catalogue == nullptr) {
      return Skip(query_route, sdk::error_class::kNotFound,
                  absl::StrCat("its query needs the model catalogue: ", run_->catalogue_error));
    }
    const absl::Time now = Now();
    QueryResolution resolution =
        ResolveQueryRoute(query_route, *run_->catalogue, now, [&](const Route& candidate) {
          return run_->health
              ->OpenUntil(RouteKey(candidate, endpoint_->base_url, context().execution().workflow),
                          now)
              .has_value();
        });
    sdk::Logger& logger = context().logger();
    if (logger.Enabled(sdk::LogLevel::kInfo)) {
      Json fields = resolution.pick;
      fields["item"] = index_;
      logger.Log(sdk::LogLevel::kInfo, "query route resolved", fields);
    }
    query_picks_.push_back(std::move(resolution.pick));
    if (resolution.routes.empty()) {
      return Skip(query_route, sdk::error_class::kNotFound, resolution.why_none);
    }
    routes_.erase(routes_.begin() + static_cast<std::ptrdiff_t>(route_));
    routes_.insert(routes_.begin() + static_cast<std::ptrdiff_t>(route_),
                   std::make_move_iterator(resolution.routes.begin()),
                   std::make_move_iterator(resolution.routes.end()));
  }

  // The caller saw text from the last chat attempt, which did not answer (it failed, or its answer
  // was rejected): tell it to discard that text, before any other attempt's.
  void VoidStreamedText() {
    std::shared_ptr<StreamedAttempt> streamed = std::move(streamed_);
    if (streamed != nullptr && streamed->sent.load(std::memory_order_relaxed)) {
      context().events().TokensReset(index_, streamed->source());
    }
  }

  // Hold-back mode: the answer passed its checks, so the caller now gets the text its attempt held
  // back, in the pieces and order it arrived. (A failed or rejected attempt's held text is dropped
  // with it: the caller never saw it, so no tokens_reset is needed.)
  void ReleaseHeldText() {
    if (streamed_ == nullptr || !streamed_->hold_back) return;
    std::vector<std::pair<std::string, std::string>> held;
    {
      absl::MutexLock lock(&streamed_->mu);
      held.swap(streamed_->held);
    }
    for (const auto& [text, kind] : held) {
      context().events().TokenDeltaFrom(index_, text, kind, streamed_->source());
    }
  }

  // Gives back a probe this walk holds and will not use.
  void ReleaseProbe() {
    if (probe_) run_->health->ReleaseProbe(key_);
    probe_ = false;
  }

  // The route's health policy: the router's, with the route's own `cooldown`.
  HealthPolicy PolicyFor(const Route& route) const {
    HealthPolicy policy = settings().health;
    if (route.cooldown.has_value()) policy.open_for = *route.cooldown;
    return policy;
  }

  void Skip(const Route& route, std::string_view error_class, std::string message) {
    ReleaseProbe();
    sdk::AttemptRecord record;
    record.route = route.name;
    record.model = route.kind == Route::Kind::kChat ? route.model_label : "";
    record.outcome = "skipped";
    record.error_class = std::string(error_class);
    record.error_message = std::move(message);
    Record(record, std::nullopt);
    last_skip_class_ = std::string(error_class);
    ++route_;
    attempt_ = 0;
  }

  void CallChat(const Route& route, Json body, double reserved) {
    ++attempt_;
    ++item_attempt_;
    waited_for_window_ = false;
    VoidStreamedText();
    StartAttemptClock(route);
    ChatCallRequest request;
    request.endpoint = *endpoint_;
    request.body = std::move(body);
    request.stream = Streaming();
    request.model_label = route.model_label;
    request.token = attempt_source_->token();
    streamed_ = std::make_shared<StreamedAttempt>();
    streamed_->route = route.name;
    streamed_->model = route.model_label;
    streamed_->attempt = item_attempt_;
    streamed_->hold_back = settings().hold_back;
    if (run_->listening) {
      sdk::EventSink* events = &context().events();
      size_t index = index_;
      request.on_delta = [events, index, streamed = streamed_](std::string_view text,
                                                               std::string_view kind) {
        if (streamed->hold_back) {
          absl::MutexLock lock(&streamed->mu);
          streamed->held.emplace_back(text, kind);
          return;
        }
        streamed->sent.store(true, std::memory_order_relaxed);
        events->TokenDeltaFrom(index, text, kind, streamed->source());
      };
    }
    run_->client->Chat(std::move(request), context().http(), scheduler().clock(),
                       [self = shared_from_this(), reserved](ChatCallResult result) {
                         self->OnChatDone(std::move(result), reserved);
                       });
  }

  void CallNode(const Route& route) {
    ++attempt_;
    ++item_attempt_;
    waited_for_window_ = false;
    VoidStreamedText();
    StartAttemptClock(route);
    context().InvokeNode(route.node, sdk::Items{item_},
                         [self = shared_from_this()](absl::StatusOr<sdk::NodeResult> result) {
                           self->OnNodeDone(std::move(result));
                         });
  }

  // The attempt's own cancellation: the walk's token, plus the route's timeout.
  void StartAttemptClock(const Route& route) {
    attempt_started_ = Now();
    absl::Time deadline = route.timeout.has_value() && route.kind == Route::Kind::kChat
                              ? attempt_started_ + *route.timeout
                              : absl::InfiniteFuture();
    attempt_source_ = std::make_shared<sdk::CancellationSource>(token_, deadline);
    timeout_timer_ = 0;
    if (deadline != absl::InfiniteFuture()) {
      absl::Status reason = sdk::NodeError(
          absl::StatusCode::kDeadlineExceeded, sdk::error_class::kTimeout,
          absl::StrCat("route '", route.name, "' timed out after ", Seconds(*route.timeout)));
      timeout_timer_ = scheduler().RunAt(
          deadline, [source = attempt_source_, reason]() { source->Cancel(reason); });
    }
  }

  void EndAttemptClock() {
    if (timeout_timer_ != 0) scheduler().Cancel(timeout_timer_);
    timeout_timer_ = 0;
    attempt_source_.reset();
  }

  void OnChatDone(ChatCallResult result, double reserved) {
    EndAttemptClock();
    if (run_->budget != nullptr) run_->budget->Settle(reserved, result.cost_usd.value_or(0));
    if (run_->execution_budget) context().SettleCost(reserved, result.cost_usd.value_or(0));
    const Route& route = routes_[route_];
    result.record.route = route.name;
    result.record.item_index = index_;
    if (!result.status.ok()) return OnFailure(route, result.status, result.record);
    run_->health->RecordSuccess(key_, Now(), probe_);
    probe_ = false;
    OnAnswer(route, std::move(result.item), result.record, result.cost_usd.value_or(0));
  }

  void OnNodeDone(absl::StatusOr<sdk::NodeResult> result) {
    EndAttemptClock();
    const Route& route = routes_[route_];
    sdk::AttemptRecord record;
    record.route = route.name;
    record.item_index = index_;
    record.latency = Now() - attempt_started_;
    absl::Status failure;
    if (!result.ok()) {
      failure = sdk::Annotate(result.status(), absl::StrCat("node '", route.node, "'"));
    } else if (result->outputs.empty() || result->outputs[0].empty()) {
      failure = sdk::NodeError(absl::StatusCode::kFailedPrecondition, sdk::error_class::kFailed,
                               absl::StrCat("node '", route.node, "' returned no items"));
    }
    if (!failure.ok()) {
      // A node stopped by the walk's own cancellation did not fail by itself.
      record.outcome = token_.cancelled() ? std::string(sdk::StoppedOutcome(token_.reason()))
                                          : std::string(sdk::outcome::kError);
      record.error_class = sdk::ErrorClassOf(failure);
      record.error_message = std::string(failure.message());
      return OnFailure(route, failure, record);
    }
    Json answer = result->outputs[0][0];
    if (!answer.is_object()) answer = Json{{"value", answer}};
    if (auto model = answer.find("model"); model != answer.end() && model->is_string()) {
      record.model = model->get<std::string>();
    }
    // The invoked node reports its own calls' tokens and cost; the router only shows them.
    double cost = 0;
    if (auto it = answer.find("cost_usd"); it != answer.end() && it->is_number()) {
      cost = it->get<double>();
    }
    if (run_->budget != nullptr) run_->budget->Spend(cost);
    record.outcome = "ok";
    run_->health->RecordSuccess(key_, Now(), probe_);
    probe_ = false;
    OnAnswer(route, std::move(answer), record, cost, /*cost_reported_elsewhere=*/true);
  }

  void OnAnswer(const Route& route, Json answer, sdk::AttemptRecord record, double cost,
                bool cost_reported_elsewhere = false) {
    total_cost_ += cost;
    std::optional<double> shown =
        cost_reported_elsewhere ? std::optional<double>(cost) : std::nullopt;
    absl::StatusOr<std::optional<std::string>> rejection =
        CheckAnswer(settings(), context().params(), index_, answer);
    if (!rejection.ok()) {
      Record(record, shown);
      return Finish(sdk::Annotate(rejection.status(), "router: the accept check failed"));
    }
    if (rejection->has_value()) {
      record.outcome = "rejected";
      record.error_class = std::string(kRejected);
      record.error_message = **rejection;
      Record(record, shown);
      last_failure_ = sdk::NodeError(absl::StatusCode::kUnavailable, kRejected,
                                     absl::StrCat("route '", route.name, "': ", **rejection));
      ++route_;
      attempt_ = 0;
      return Next();
    }
    Record(record, shown);
    ReleaseHeldText();
    streamed_.reset();  // the answer's text stands
    answer["route"] = route.name;
    answer["route_index"] = route.index;
    answer["attempts"] = log_.attempts();
    answer["total_cost_usd"] = total_cost_;
    if (settings().has_query_routes) answer["query_picks"] = query_picks_;
    Finish(std::move(answer));
  }

  void OnFailure(const Route& route, const absl::Status& status, sdk::AttemptRecord record) {
    Record(record, std::nullopt);
    if (token_.cancelled()) {
      ReleaseProbe();
      return Finish(token_.reason());
    }
    last_failure_ = status;
    std::string error_class = sdk::ErrorClassOf(status);

    // The upstream's delay is cut to the host's ceiling, in retries and open windows alike: one
    // answer must not bench a model for years (an `x-node-ref` route's node may be a plugin that
    // did not cut it itself).
    const absl::Duration max_retry_after = run_->client->options().max_retry_after;
    std::optional<absl::Duration> retry_after = sdk::RetryAfterOf(status);
    if (retry_after.has_value()) retry_after = std::min(*retry_after, max_retry_after);
    // Every failed call tells the route's health, before anything else is called: a Retry-After
    // opens it at once for every execution, this one's own retries included.
    run_->health->RecordFailure(key_, Now(), PolicyFor(route), error_class, retry_after,
                                settings().cooldown_on.count(error_class) > 0, probe_);
    probe_ = false;
    if (settings().escalate_on.count(error_class) == 0)
      return Finish(log_.NotEscalated(route.name, status));

    sdk::RetryPolicy policy = settings().same_route_retry;
    policy.max_attempts = route.attempts;
    policy.max_retry_after = max_retry_after;
    const sdk::RetryPlan retry =
        sdk::PlanRetry(policy, attempt_, status, Now(), token_.deadline(), [] { return 0.5; });
    if (retry.verdict == sdk::RetryPlan::Verdict::kRetry &&
        retry.delay <= settings().max_same_route_wait) {
      return WaitThenRetry(retry.delay);
    }
    ++route_;
    attempt_ = 0;
    Next();
  }

  // Retries the current route after `delay`, or at once when the walk is cancelled meanwhile.
  void WaitThenRetry(absl::Duration delay) {
    auto self = shared_from_this();
    // The host's scheduler outlives the execution; the callback must not reach it through the
    // context, which may be gone if the callback loses a race with the walk finishing.
    sdk::Scheduler* pool = &scheduler();
    sdk::TimerId timer = pool->RunAfter(delay, [self] { self->Next(); });
    sdk::CancellationToken::CallbackId id = token_.OnCancel([self, pool, timer] {
      if (pool->Cancel(timer)) pool->Post([self] { self->Next(); });
    });
    absl::MutexLock lock(&wait_mu_);
    retry_cancel_id_ = id;
  }

  void ForgetRetryWait() {
    sdk::CancellationToken::CallbackId id = 0;
    {
      absl::MutexLock lock(&wait_mu_);
      std::swap(id, retry_cancel_id_);
    }
    if (id != 0) token_.Unregister(id);
  }

  void Record(const sdk::AttemptRecord& record, std::optional<double> shown_cost) {
    context().RecordAttempt(record);
    log_.Add(record, shown_cost);
    if (record.outcome == "ok") return;
    sdk::Logger& logger = context().logger();
    if (logger.Enabled(sdk::LogLevel::kInfo)) {
      logger.Log(sdk::LogLevel::kInfo, "route not used",
                 Json{{"item", index_},
                      {"route", record.route},
                      {"model", record.model},
                      {"outcome", record.outcome},
                      {"error_class", record.error_class},
                      {"error", Shorten(record.error_message)}});
    }
  }

  // No route answered: the error carries every attempt; when routes are open, its retry
  // delay says when the first one is back.
  absl::Status AllFailed() const {
    std::optional<absl::Duration> retry_after;
    absl::Time now = Now();
    for (const Route& route : routes_) {
      std::string key = RouteKey(route, endpoint_.has_value() ? endpoint_->base_url : "",
                                 context().execution().workflow);
      if (std::optional<absl::Time> until = run_->health->OpenUntil(key, now)) {
        absl::Duration left = *until - now;
        if (!retry_after.has_value() || left < *retry_after) retry_after = left;
      }
    }
    return log_.AllFailed(index_, last_failure_, last_skip_class_, retry_after);
  }

  void Finish(absl::StatusOr<Json> outcome) {
    if (finished_) return;
    finished_ = true;
    if (!outcome.ok()) VoidStreamedText();
    ReleaseProbe();
    ForgetRetryWait();
    auto done = std::move(done_);
    done(std::move(outcome));  // the last thing: the context may be gone after this
  }

  const std::shared_ptr<const RouterRun> run_;
  const size_t index_;
  const sdk::CancellationToken token_;
  sdk::ItemBatch::ItemDone done_;
  bool finished_ = false;

  Json item_ = Json::object();
  std::vector<Route> routes_;
  size_t route_ = 0;
  int attempt_ = 0;                 // calls made on routes_[route_]
  std::string key_;                 // health key of routes_[route_]
  bool probe_ = false;              // this walk holds key_'s half-open probe
  bool waited_for_window_ = false;  // the current retry already waited for an open window
  int item_attempt_ = 0;            // calls made for the item, across routes
  std::shared_ptr<StreamedAttempt> streamed_;  // the last chat attempt, until it answers
  std::optional<Endpoint> endpoint_;
  AttemptLog log_;
  double total_cost_ = 0;
  absl::Status last_failure_;
  std::string last_skip_class_;
  Json query_picks_ = Json::array();  // what each query route reached picked (query_route.h)

  std::shared_ptr<sdk::CancellationSource> attempt_source_;
  sdk::TimerId timeout_timer_ = 0;
  absl::Time attempt_started_;

  absl::Mutex wait_mu_;
  sdk::CancellationToken::CallbackId retry_cancel_id_ ABSL_GUARDED_BY(wait_mu_) = 0;
};

}  // namespace

void StartRouteWalk(std::shared_ptr<const RouterRun> run, size_t index,
                    sdk::CancellationToken token, sdk::ItemBatch::ItemDone done) {
  auto walk = std::make_shared<RouteWalk>(std::move(run), index, std::move(token), std::move(done));
  walk->Begin();
}

}  // namespace flowhost::nodes::router
