#include "server/remote/worker_hub.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/duration.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/json_schema.h"
#include "flowhost/sdk/json_text.h"
#include "server/remote/hello_check.h"

namespace flowhost::remote {
namespace {

namespace pb = plugin::v1;

absl::Status Unavailable(std::string_view message) {
  return sdk::NodeError(absl::StatusCode::kUnavailable, sdk::error_class::kUnavailable, message);
}

uint32_t Millis(absl::Duration d) {
  return static_cast<uint32_t>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 0, UINT32_MAX));
}

sdk::LogLevel LevelOf(pb::LogLevel level) {
  switch (level) {
    case pb::LOG_LEVEL_DEBUG: return sdk::LogLevel::kDebug;
    case pb::LOG_LEVEL_WARNING: return sdk::LogLevel::kWarning;
    case pb::LOG_LEVEL_ERROR: return sdk::LogLevel::kError;
    default: return sdk::LogLevel::kInfo;
  }
}

// The node result a worker's outputs stand for, or a "malformed_response" error naming what is
// wrong.
absl::StatusOr<sdk::NodeResult> ResultFromOutputs(const pb::Outputs& outputs, size_t output_count,
                                                  std::string_view worker) {
  auto malformed = [&](std::string_view what) {
    return sdk::NodeError(absl::StatusCode::kInternal, sdk::error_class::kMalformedResponse,
                          absl::StrCat("remote worker '", std::string(worker), "' returned ", std::string(what)));
  };
  if (static_cast<size_t>(outputs.ports_size()) > output_count) {
    return malformed(absl::StrCat(outputs.ports_size(), " output ports; the node has ",
                                  output_count));
  }
  sdk::NodeResult result;
  result.outputs.reserve(outputs.ports_size());
  for (int port = 0; port < outputs.ports_size(); ++port) {
    sdk::Items& items = result.outputs.emplace_back();
    items.reserve(outputs.ports(port).items_json_size());
    for (int i = 0; i < outputs.ports(port).items_json_size(); ++i) {
      absl::StatusOr<sdk::Json> item = sdk::ParseJsonText(outputs.ports(port).items_json(i));
      if (!item.ok() || !item->is_object()) {
        return malformed(absl::StrCat(
            "item ", i, " of output ", port, " that is not a JSON object",
            item.ok() ? "" : absl::StrCat(" (", item.status().message(), ")")));
      }
      items.push_back(*std::move(item));
    }
  }
  return result;
}

absl::Status StatusFromError(const pb::WorkError& error, std::string_view worker) {
  absl::StatusCode code = absl::StatusCode::kUnknown;
  if (error.code() > 0 && error.code() <= 16) code = static_cast<absl::StatusCode>(error.code());
  std::string error_class = error.error_class().empty() ? std::string(sdk::error_class::kFailed)
                                                        : error.error_class();
  sdk::Json details = nullptr;
  if (!error.details_json().empty()) {
    absl::StatusOr<sdk::Json> parsed = sdk::ParseJsonText(error.details_json());
    details = parsed.ok() ? *std::move(parsed) : sdk::Json(error.details_json());
  }
  std::optional<absl::Duration> retry_after;
  if (error.retry_after_ms() > 0) retry_after = absl::Milliseconds(error.retry_after_ms());
  return sdk::NodeError(code, error_class,
                        error.message().empty()
                            ? absl::StrCat("remote worker '", std::string(worker), "' failed the item")
                            : error.message(),
                        details, retry_after);
}

}  // namespace

struct WorkerHub::Work {
  std::string id;
  std::string type;
  std::string node_name;
  pb::Assignment assignment;  // moved out when sent
  sdk::NodeContext* context = nullptr;
  sdk::NodeDone done;
  size_t output_count = 1;
  size_t item_count = 0;
  sdk::CancellationToken token;
  sdk::CancellationToken::CallbackId cancel_callback = 0;
  sdk::TimerId wait_timer = 0;
  sdk::TimerId grace_timer = 0;
  Session* session = nullptr;  // in flight on; null while queued
  bool cancelling = false;
  absl::Status cancel_reason;
};

struct WorkerHub::Session {
  WorkerStream* stream = nullptr;
  std::string id;
  std::string worker_id;
  std::string worker_build;
  std::vector<std::string> types;
  int64_t credits_free = 0;
  std::set<std::string> in_flight;
  absl::Time connected;
  absl::Time last_heard;

  bool Serves(std::string_view type) const {
    return std::find(types.begin(), types.end(), type) != types.end();
  }
};

std::shared_ptr<WorkerHub> WorkerHub::Create(RemoteConfig config, sdk::Scheduler& scheduler,
                                             sdk::Logger& logger, ClashCheck clash) {
  std::shared_ptr<WorkerHub> hub(
      new WorkerHub(std::move(config), scheduler, logger, std::move(clash)));
  absl::MutexLock lock(&hub->mu_);
  std::weak_ptr<WorkerHub> weak = hub;
  hub->tick_timer_ = scheduler.RunAfter(hub->config_.heartbeat_interval, [weak] {
    if (auto hub = weak.lock()) hub->Tick();
  });
  return hub;
}

WorkerHub::WorkerHub(RemoteConfig config, sdk::Scheduler& scheduler, sdk::Logger& logger,
                     ClashCheck clash)
    : config_(std::move(config)), scheduler_(scheduler), logger_(logger), clash_(std::move(clash)) {
  for (const DeclaredRemoteType& type : config_.types) declared_[type.info.type] = &type;
}

WorkerHub::~WorkerHub() { Stop(); }

void WorkerHub::Stop() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  stopped_ = true;
  if (tick_timer_ != 0) scheduler_.Cancel(tick_timer_);
  std::vector<std::string> ids;
  for (const auto& [id, work] : works_) ids.push_back(id);
  for (const std::string& id : ids) {
    CompleteLocked(id, Unavailable("the host stopped serving remote nodes"));
  }
  for (auto& [stream, session] : sessions_) {
    stream->Close(absl::UnavailableError("the host is shutting down"));
  }
  sessions_.clear();
  queued_.clear();
}

absl::Status WorkerHub::CheckHello(const pb::Hello& hello, pb::RefusedReason& reason) const {
  return CheckWorkerHello(hello, config_.token, declared_, clash_, reason);
}

void WorkerHub::Submit(RemoteWorkRequest request) {
  auto work = std::make_unique<Work>();
  work->id = absl::StrCat("w", next_id_.fetch_add(1, std::memory_order_relaxed));
  work->type = std::move(request.node_type);
  work->node_name = request.assignment.node_name();
  work->assignment = std::move(request.assignment);
  work->assignment.set_work_id(work->id);
  work->context = request.context;
  work->done = std::move(request.done);
  work->output_count = std::max<size_t>(request.output_count, 1);
  work->item_count = work->context->inputs().empty() ? 0 : work->context->inputs()[0].size();
  work->token = work->context->cancellation();

  std::weak_ptr<WorkerHub> weak = weak_from_this();
  const std::string id = work->id;
  sdk::CancellationToken token = work->token;
  {
    absl::MutexLock lock(&mu_);
    std::deque<std::string>& queue = queued_[work->type];
    absl::Status refused;
    if (stopped_ || draining_) {
      refused = Unavailable(absl::StrCat("the host is shutting down; remote node type '",
                                         work->type, "' takes no new work"));
    } else if (static_cast<int64_t>(queue.size()) >= config_.max_queued_per_type) {
      refused = sdk::NodeError(
          absl::StatusCode::kResourceExhausted, sdk::error_class::kQueueFull,
          absl::StrCat(queue.size(), " items already wait for a worker of remote node type '",
                       work->type, "' (remote.max_queued_per_type); try again later"));
    }
    if (!refused.ok()) {
      scheduler_.Post([done = std::move(work->done), refused]() mutable { done(refused); });
      return;
    }
    Work& queued = *work;
    queue.push_back(id);
    works_[id] = std::move(work);
    SendAssignmentsLocked(queued.type);
    // Only work that found no credit waits; most goes out at once and needs no timer.
    if (queued.session == nullptr) {
      queued.wait_timer = scheduler_.RunAfter(config_.worker_wait, [weak, id] {
        if (auto hub = weak.lock()) hub->OnWaitExpired(id);
      });
    }
  }
  // Outside the lock: the callback runs inline when the execution is already cancelled. It only
  // posts, so it never runs hub code on the cancelling thread.
  sdk::CancellationToken::CallbackId callback = 0;
  callback = token.OnCancel([weak, id, this_scheduler = &scheduler_] {
    this_scheduler->Post([weak, id] {
      if (auto hub = weak.lock()) hub->OnCancelled(id);
    });
  });
  absl::MutexLock lock(&mu_);
  auto it = works_.find(id);
  if (it != works_.end()) {
    it->second->cancel_callback = callback;
  } else if (callback != 0) {
    token.Unregister(callback);  // completed meanwhile; its done is already posted
  }
}

void WorkerHub::SendAssignmentsLocked(const std::string& type) {
  if (draining_) return;  // nothing is queued any more, and no worker takes new work
  auto queue_it = queued_.find(type);
  if (queue_it == queued_.end()) return;
  std::deque<std::string>& queue = queue_it->second;
  while (!queue.empty()) {
    Session* best = nullptr;
    for (auto& [stream, session] : sessions_) {
      if (session->credits_free > 0 && session->Serves(type) &&
          (best == nullptr || session->credits_free > best->credits_free)) {
        best = session.get();
      }
    }
    if (best == nullptr) return;
    std::string id = std::move(queue.front());
    queue.pop_front();
    auto it = works_.find(id);
    if (it == works_.end()) continue;
    Work& work = *it->second;
    if (work.wait_timer != 0) scheduler_.Cancel(work.wait_timer);
    work.wait_timer = 0;
    --best->credits_free;
    best->in_flight.insert(id);
    work.session = best;
    work.assignment.set_wants_partial_output(work.context->events().wants_tokens());
    pb::HostMessage message;
    *message.mutable_assignment() = std::move(work.assignment);
    best->stream->Send(std::move(message));
  }
}

void WorkerHub::CompleteLocked(const std::string& work_id,
                               absl::StatusOr<sdk::NodeResult> result) {
  auto it = works_.find(work_id);
  if (it == works_.end()) return;
  std::unique_ptr<Work> work = std::move(it->second);
  works_.erase(it);
  if (work->session != nullptr) work->session->in_flight.erase(work_id);
  if (work->wait_timer != 0) scheduler_.Cancel(work->wait_timer);
  if (work->grace_timer != 0) scheduler_.Cancel(work->grace_timer);
  scheduler_.Post([token = std::move(work->token), callback = work->cancel_callback,
                   done = std::move(work->done), result = std::move(result)]() mutable {
    if (callback != 0) token.Unregister(callback);
    done(std::move(result));
  });
}

absl::Status WorkerHub::Admit(WorkerStream* stream, const pb::Hello& hello) {
  pb::RefusedReason reason = pb::REFUSED_REASON_UNSPECIFIED;
  absl::Status status = CheckHello(hello, reason);
  absl::MutexLock lock(&mu_);
  if (status.ok() && (draining_ || stopped_)) {
    reason = pb::REFUSED_REASON_DRAINING;
    status = absl::UnavailableError("the host is shutting down and takes no new workers");
  }
  if (!status.ok()) {
    logger_.Log(sdk::LogLevel::kWarning,
                absl::StrCat("refused remote worker '", hello.worker_id(), "': ",
                             status.message()),
                sdk::Json{{"worker", hello.worker_id()}});
    pb::HostMessage message;
    message.mutable_refused()->set_reason(reason);
    message.mutable_refused()->set_message(std::string(status.message()));
    stream->Send(std::move(message));
    return status;
  }
  auto session = std::make_unique<Session>();
  session->stream = stream;
  session->id = absl::StrCat("s", next_id_.fetch_add(1, std::memory_order_relaxed));
  session->worker_id = hello.worker_id();
  session->worker_build = hello.worker_build();
  for (const pb::NodeTypeSpec& type : hello.node_types()) session->types.push_back(type.name());
  session->connected = scheduler_.clock().Now();
  session->last_heard = session->connected;
  pb::HostMessage message;
  pb::Accepted& accepted = *message.mutable_accepted();
  accepted.set_session_id(session->id);
  for (const std::string& type : session->types) accepted.add_node_types(type);
  accepted.set_heartbeat_interval_ms(Millis(config_.heartbeat_interval));
  accepted.set_heartbeat_timeout_ms(Millis(config_.heartbeat_timeout));
  accepted.set_accepts_batches(true);
  stream->Send(std::move(message));
  logger_.Log(sdk::LogLevel::kInfo,
              absl::StrCat("remote worker '", session->worker_id, "' (", hello.worker_build(),
                           ") connected, serving ", absl::StrJoin(session->types, ", ")),
              sdk::Json{{"worker", session->worker_id}, {"session", session->id}});
  sessions_[stream] = std::move(session);
  return absl::OkStatus();
}

WorkerHub::Work* WorkerHub::FindInFlightLocked(Session& session, const std::string& work_id) {
  if (session.in_flight.count(work_id) == 0) return nullptr;
  auto it = works_.find(work_id);
  return it == works_.end() ? nullptr : it->second.get();
}

void WorkerHub::OnWorkerMessage(WorkerStream* stream, const pb::WorkerMessage& message) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(stream);
  if (it == sessions_.end()) return;  // lost already, or never admitted
  Session& session = *it->second;
  session.last_heard = scheduler_.clock().Now();
  if (!message.has_batch()) {
    HandleLocked(session, message);
    return;
  }
  // In order, as if sent one by one; a Hello or a batch inside loses the session.
  for (const pb::WorkerMessage& inner : message.batch().messages()) {
    if (!HandleLocked(session, inner)) return;  // the session is gone
  }
}

bool WorkerHub::HandleLocked(Session& session, const pb::WorkerMessage& message) {
  switch (message.kind_case()) {
    case pb::WorkerMessage::kCredit: {
      session.credits_free =
          std::min<int64_t>(session.credits_free + message.credit().credits(), 1'000'000);
      for (const std::string& type : session.types) SendAssignmentsLocked(type);
      return true;
    }
    case pb::WorkerMessage::kHeartbeat:
      return true;
    case pb::WorkerMessage::kPartial: {
      const pb::PartialOutput& partial = message.partial();
      Work* work = FindInFlightLocked(session, partial.work_id());
      if (work == nullptr || work->cancelling ||
          partial.item_index() >= std::max<size_t>(work->item_count, 1)) {
        return true;
      }
      work->context->events().TokenDelta(partial.item_index(), partial.text(),
                                         partial.kind().empty() ? "content" : partial.kind());
      return true;
    }
    case pb::WorkerMessage::kLog: {
      const pb::LogLine& line = message.log();
      Work* work = FindInFlightLocked(session, line.work_id());
      if (work == nullptr) return true;
      work->context->logger().Log(LevelOf(line.level()), line.message(),
                                  sdk::Json{{"worker", session.worker_id}});
      return true;
    }
    case pb::WorkerMessage::kUsage: {
      const pb::UsageRecord& usage = message.usage();
      Work* work = FindInFlightLocked(session, usage.work_id());
      if (work == nullptr) return true;
      sdk::AttemptRecord record;
      record.route = session.worker_id;
      record.model = usage.model();
      record.provider = usage.provider();
      record.outcome = usage.outcome().empty() ? "ok" : usage.outcome();
      record.prompt_tokens = usage.prompt_tokens();
      record.completion_tokens = usage.completion_tokens();
      record.cost_usd = usage.cost_usd();
      record.latency = absl::Microseconds(usage.latency_micros());
      record.item_index = usage.item_index();
      work->context->RecordAttempt(record);
      return true;
    }
    case pb::WorkerMessage::kResult: {
      WorkerStream* stream = session.stream;
      OnResultLocked(session, message.result());
      return sessions_.contains(stream);  // a drained session closes on its last result
    }
    case pb::WorkerMessage::kHello:
    case pb::WorkerMessage::kBatch:
    case pb::WorkerMessage::KIND_NOT_SET:
      LoseSessionLocked(session, absl::InvalidArgumentError(
                                     message.has_hello() ? "the worker sent a second Hello"
                                     : message.has_batch()
                                         ? "the worker sent a batch inside a batch"
                                         : "the worker sent an empty message"));
      return false;
  }
  return true;
}

void WorkerHub::OnResultLocked(Session& session, const pb::WorkResult& result) {
  Work* work = FindInFlightLocked(session, result.work_id());
  if (work == nullptr) {
    logger_.Log(sdk::LogLevel::kWarning,
                absl::StrCat("refused a result from remote worker '", session.worker_id,
                             "' for work '", result.work_id(),
                             "': it is not in flight on this session (an old attempt, another "
                             "session's work, or given up after a cancel)"),
                sdk::Json{{"worker", session.worker_id}});
    return;
  }
  const std::string type = work->type;
  ++session.credits_free;
  if (work->cancelling) {
    CompleteLocked(result.work_id(), work->cancel_reason);
  } else if (result.has_outputs()) {
    CompleteLocked(result.work_id(),
                   ResultFromOutputs(result.outputs(), work->output_count, session.worker_id));
  } else if (result.has_error()) {
    CompleteLocked(result.work_id(), StatusFromError(result.error(), session.worker_id));
  } else {
    CompleteLocked(result.work_id(),
                   sdk::NodeError(absl::StatusCode::kInternal, sdk::error_class::kMalformedResponse,
                                  absl::StrCat("remote worker '", session.worker_id,
                                               "' sent a result with neither outputs nor error")));
  }
  AfterItemLocked(session, type);
}

void WorkerHub::AfterItemLocked(Session& session, const std::string& type) {
  if (draining_) {
    if (session.in_flight.empty()) CloseDrainedLocked(session);
    return;
  }
  SendAssignmentsLocked(type);
}

void WorkerHub::CloseDrainedLocked(Session& session) {
  logger_.Log(sdk::LogLevel::kInfo,
              absl::StrCat("remote worker '", session.worker_id,
                           "' drained: it holds no more work; closing its session"),
              sdk::Json{{"worker", session.worker_id}, {"session", session.id}});
  WorkerStream* stream = session.stream;
  stream->Close(absl::OkStatus());
  sessions_.erase(stream);  // `session` is gone from here on
}

void WorkerHub::LoseSessionLocked(Session& session, const absl::Status& why) {
  std::vector<std::string> in_flight(session.in_flight.begin(), session.in_flight.end());
  logger_.Log(sdk::LogLevel::kWarning,
              absl::StrCat("lost remote worker '", session.worker_id, "': ", why.message(),
                           "; ", in_flight.size(), " items in flight fail as unavailable"),
              sdk::Json{{"worker", session.worker_id}, {"session", session.id}});
  for (const std::string& id : in_flight) {
    CompleteLocked(id, Unavailable(absl::StrCat("remote worker '", session.worker_id,
                                                "' was lost while it held this item (",
                                                why.message(), ")")));
  }
  WorkerStream* stream = session.stream;
  stream->Close(why.code() == absl::StatusCode::kInvalidArgument
                    ? why
                    : absl::UnavailableError(why.message()));
  sessions_.erase(stream);  // `session` is gone from here on
}

void WorkerHub::OnStreamGone(WorkerStream* stream, const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(stream);
  if (it != sessions_.end()) LoseSessionLocked(*it->second, why);
}

void WorkerHub::OnCancelled(const std::string& work_id) {
  absl::MutexLock lock(&mu_);
  auto it = works_.find(work_id);
  if (it == works_.end()) return;
  Work& work = *it->second;
  absl::Status reason = work.token.reason();
  if (reason.ok()) reason = absl::CancelledError("cancelled");
  if (work.session == nullptr) {
    std::deque<std::string>& queue = queued_[work.type];
    queue.erase(std::remove(queue.begin(), queue.end(), work_id), queue.end());
    CompleteLocked(work_id, reason);
    return;
  }
  if (work.cancelling) return;
  work.cancelling = true;
  work.cancel_reason = reason;
  pb::HostMessage message;
  pb::Cancel& cancel = *message.mutable_cancel();
  cancel.set_work_id(work_id);
  cancel.set_reason(std::string(reason.message()));
  cancel.set_grace_ms(Millis(config_.cancel_grace));
  work.session->stream->Send(std::move(message));
  std::weak_ptr<WorkerHub> weak = weak_from_this();
  work.grace_timer = scheduler_.RunAfter(config_.cancel_grace, [weak, work_id] {
    if (auto hub = weak.lock()) hub->OnGraceExpired(work_id);
  });
}

void WorkerHub::OnGraceExpired(const std::string& work_id) {
  absl::MutexLock lock(&mu_);
  auto it = works_.find(work_id);
  if (it == works_.end() || !it->second->cancelling) return;
  Work& work = *it->second;
  work.grace_timer = 0;
  Session& session = *work.session;
  logger_.Log(sdk::LogLevel::kWarning,
              absl::StrCat("remote worker '", session.worker_id, "' did not answer the cancel of work '",
                           work_id, "' within ", absl::FormatDuration(config_.cancel_grace),
                           "; the item counts as lost and a late result will be refused"),
              sdk::Json{{"worker", session.worker_id}});
  ++session.credits_free;  // given up: the credit comes back, so a stuck item cannot block others
  const std::string type = work.type;
  CompleteLocked(work_id, work.cancel_reason);
  AfterItemLocked(session, type);
}

void WorkerHub::OnWaitExpired(const std::string& work_id) {
  absl::MutexLock lock(&mu_);
  auto it = works_.find(work_id);
  if (it == works_.end() || it->second->session != nullptr) return;
  Work& work = *it->second;
  work.wait_timer = 0;
  bool served = false;
  for (const auto& [stream, session] : sessions_) served = served || session->Serves(work.type);
  if (served) {
    // A worker is there but busy: keep waiting for its credit (the node's timeout bounds it), and
    // look again in case it leaves.
    std::weak_ptr<WorkerHub> weak = weak_from_this();
    work.wait_timer = scheduler_.RunAfter(config_.worker_wait, [weak, work_id] {
      if (auto hub = weak.lock()) hub->OnWaitExpired(work_id);
    });
    return;
  }
  std::deque<std::string>& queue = queued_[work.type];
  queue.erase(std::remove(queue.begin(), queue.end(), work_id), queue.end());
  CompleteLocked(work_id, sdk::NodeError(
                              absl::StatusCode::kUnavailable, sdk::error_class::kUnavailable,
                              absl::StrCat("no remote worker serving node type '", work.type,
                                           "' connected within ",
                                           absl::FormatDuration(config_.worker_wait),
                                           " (remote.worker_wait)")));
}

void WorkerHub::Tick() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  const absl::Time now = scheduler_.clock().Now();
  std::vector<Session*> silent;
  for (auto& [stream, session] : sessions_) {
    if (now - session->last_heard > config_.heartbeat_timeout) {
      silent.push_back(session.get());
      continue;
    }
    pb::HostMessage heartbeat;
    heartbeat.mutable_heartbeat();
    stream->Send(std::move(heartbeat));
  }
  for (Session* session : silent) {
    LoseSessionLocked(*session, absl::UnavailableError(absl::StrCat(
                                    "no message for more than ",
                                    absl::FormatDuration(config_.heartbeat_timeout),
                                    " (remote.heartbeat_timeout)")));
  }
  std::weak_ptr<WorkerHub> weak = weak_from_this();
  tick_timer_ = scheduler_.RunAfter(config_.heartbeat_interval, [weak] {
    if (auto hub = weak.lock()) hub->Tick();
  });
}

void WorkerHub::Drain(absl::Duration grace) {
  absl::MutexLock lock(&mu_);
  if (draining_ || stopped_) return;
  draining_ = true;
  // Queued items would wait for credits no worker will grant again: they fail now, retryably, so
  // a caller can run them on another host.
  std::vector<std::string> queued;
  for (const auto& [type, queue] : queued_) queued.insert(queued.end(), queue.begin(), queue.end());
  queued_.clear();
  for (const std::string& id : queued) {
    auto it = works_.find(id);
    if (it == works_.end()) continue;
    CompleteLocked(id, Unavailable(absl::StrCat(
                           "the host is shutting down; remote node type '", it->second->type,
                           "' takes no new work (the item had not reached a worker yet)")));
  }
  int64_t in_flight = 0;
  std::vector<Session*> idle;
  for (auto& [stream, session] : sessions_) {
    pb::HostMessage message;
    message.mutable_drain()->set_grace_ms(Millis(grace));
    stream->Send(std::move(message));
    in_flight += static_cast<int64_t>(session->in_flight.size());
    if (session->in_flight.empty()) idle.push_back(session.get());
  }
  logger_.Log(sdk::LogLevel::kInfo,
              absl::StrCat("draining ", sessions_.size(), " remote workers: ", in_flight,
                           " items in flight may finish within ", absl::FormatDuration(grace), "; ",
                           queued.size(), " queued items failed"),
              sdk::Json{{"workers", sessions_.size()},
                        {"in_flight", in_flight},
                        {"grace_ms", absl::ToInt64Milliseconds(grace)}});
  for (Session* session : idle) CloseDrainedLocked(*session);
}

bool WorkerHub::IdleLocked() const {
  for (const auto& [stream, session] : sessions_) {
    if (!session->in_flight.empty()) return false;
  }
  return true;
}

bool WorkerHub::WaitUntilIdle(absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithDeadline(absl::Condition(this, &WorkerHub::IdleLocked), deadline);
}

std::map<std::string, int64_t> WorkerHub::QueuedByType() const {
  absl::MutexLock lock(&mu_);
  std::map<std::string, int64_t> queued;
  for (const auto& [type, queue] : queued_) {
    if (!queue.empty()) queued[type] = static_cast<int64_t>(queue.size());
  }
  return queued;
}

int64_t WorkerHub::QueuedItems(std::string_view type) const {
  absl::MutexLock lock(&mu_);
  auto it = queued_.find(std::string(type));
  return it == queued_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

std::vector<WorkerSnapshot> WorkerHub::Workers() const {
  absl::MutexLock lock(&mu_);
  std::vector<WorkerSnapshot> workers;
  for (const auto& [stream, session] : sessions_) {
    WorkerSnapshot& worker = workers.emplace_back();
    worker.session_id = session->id;
    worker.worker_id = session->worker_id;
    worker.worker_build = session->worker_build;
    worker.node_types = session->types;
    worker.credits_free = session->credits_free;
    worker.in_flight = static_cast<int64_t>(session->in_flight.size());
    worker.connected = session->connected;
    worker.last_heard = session->last_heard;
    worker.draining = draining_;
  }
  std::sort(workers.begin(), workers.end(), [](const auto& a, const auto& b) {
    return std::tie(a.worker_id, a.session_id) < std::tie(b.worker_id, b.session_id);
  });
  return workers;
}

}  // namespace flowhost::remote
