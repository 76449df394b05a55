#include "server/http/curl_io_loop.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "server/common/thread_name.h"

namespace flowhost::http {
namespace {

using std::chrono::milliseconds;

// The longest the loop sleeps with nothing to do; it wakes earlier for libcurl's timeouts, idle
// checks, sockets and SocketPoller::Wake.
constexpr int kMaxPollMs = 10'000;

// Milliseconds from `now` until `when`, rounded up (a wait must not end before its timer is due),
// at most kMaxPollMs.
int MillisUntil(SteadyClock::time_point when, SteadyClock::time_point now) {
  auto wait = std::chrono::ceil<milliseconds>(when - now).count();
  return static_cast<int>(std::clamp<int64_t>(wait, 0, kMaxPollMs));
}

CURLM* NewMultiHandle() {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) std::abort();  // out of memory at start-up: nothing sensible to do
  return multi;
}

CURLSH* NewShareHandle() {
  CURLSH* share = curl_share_init();
  if (share == nullptr) std::abort();
  // Used by the I/O thread only, so no lock callbacks are needed.
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  return share;
}

CurlHttpClientOptions Sanitize(CurlHttpClientOptions options) {
  options.max_in_flight = std::max(1, options.max_in_flight);
  options.max_queued = std::max(0, options.max_queued);
  options.max_total_connections = std::max(0, options.max_total_connections);
  options.max_host_connections = std::max(0, options.max_host_connections);
  options.easy_handle_cache = std::max(0, options.easy_handle_cache);
  options.receive_buffer_bytes = std::clamp(options.receive_buffer_bytes, 1024, 512 * 1024);
  return options;
}

}  // namespace

CurlIoLoop::CurlIoLoop(sdk::Scheduler& scheduler, CurlHttpClientOptions options)
    : scheduler_(scheduler),
      options_(Sanitize(std::move(options))),
      admission_limit_(static_cast<uint64_t>(options_.max_in_flight) +
                       static_cast<uint64_t>(options_.max_queued)),
      multi_(NewMultiHandle()),
      share_(NewShareHandle()) {
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(options_.max_total_connections));
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(options_.max_host_connections));
  long idle = options_.max_idle_connections > 0 ? options_.max_idle_connections
                                                : options_.max_total_connections;
  if (idle > 0) curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, idle);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlIoLoop::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlIoLoop::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlIoLoop::~CurlIoLoop() {
  Shutdown();
  for (CURL* easy : free_easy_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);
  curl_share_cleanup(share_);
}

void CurlIoLoop::Start() {
  thread_ = std::thread([this] {
    NameCurrentThread("fh-http-io");
    Run();
  });
}

void CurlIoLoop::Shutdown() {
  if (joined_) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  poller_.Wake();
  if (thread_.joinable()) thread_.join();
  joined_ = true;
}

sdk::HttpCallPtr CurlIoLoop::Send(sdk::HttpRequest request, sdk::HttpDone done) {
  auto transfer =
      std::make_shared<CurlTransfer>(weak_from_this(), std::move(request), std::move(done));
  if (counters_.admitted.fetch_add(1, std::memory_order_relaxed) >= admission_limit_) {
    counters_.admitted.fetch_sub(1, std::memory_order_relaxed);
    HttpClientCounters::Add(counters_.requests_rejected);
    Post(transfer->Refuse(),
         sdk::NodeError(
             absl::StatusCode::kResourceExhausted, sdk::error_class::kQueueFull,
             absl::StrCat("queue full: ", options_.max_in_flight, " requests in flight and ",
                          options_.max_queued, " queued already; request refused")));
    return transfer;
  }
  bool accepted = false;
  bool wake = false;
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      accepted = true;
      wake = incoming_.empty();  // otherwise an earlier Send already woke the loop
      incoming_.push_back(transfer);
    }
  }
  if (!accepted) {  // only reachable while the client is being destroyed
    counters_.admitted.fetch_sub(1, std::memory_order_relaxed);
    HttpClientCounters::Add(counters_.requests_cancelled);
    Post(transfer->Refuse(), transfer->CancelledError("client shut down"));
    return transfer;
  }
  HttpClientCounters::Add(counters_.requests_accepted);
  if (wake) poller_.Wake();
  return transfer;
}

void CurlIoLoop::RequestCancel(std::shared_ptr<CurlTransfer> transfer) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;  // shutdown cancels everything anyway
    cancels_.push_back(std::move(transfer));
  }
  poller_.Wake();
}

void CurlIoLoop::Run() {
  while (DrainInboxes()) {
    StartQueued(SteadyClock::now());
    RunCurlTimerIfDue();
    HarvestCompletions();
    const SteadyClock::time_point now = SteadyClock::now();
    std::optional<SteadyClock::time_point> next_idle_check = CheckIdleTimeouts(now);
    DeliverFinished();
    if (!queued_.empty() && active_.size() < static_cast<size_t>(options_.max_in_flight)) {
      continue;  // transfers ended and freed slots: start the queued ones without sleeping
    }
    int timeout_ms = kMaxPollMs;
    if (curl_timer_.has_value()) timeout_ms = std::min(timeout_ms, MillisUntil(*curl_timer_, now));
    if (next_idle_check.has_value()) {
      timeout_ms = std::min(timeout_ms, MillisUntil(*next_idle_check, now));
    }
    poller_.Wait(timeout_ms, [this](int fd, SocketPoller::Ready ready) {
      int mask = (ready.readable ? CURL_CSELECT_IN : 0) | (ready.writable ? CURL_CSELECT_OUT : 0) |
                 (ready.error ? CURL_CSELECT_ERR : 0);
      int running = 0;
      curl_multi_socket_action(multi_, fd, mask, &running);
    });
  }
  CancelEverything();
  DeliverFinished();
}

int CurlIoLoop::OnSocket(CURL* /*easy*/, curl_socket_t socket, int what, void* userp,
                         void* socketp) {
  auto* loop = static_cast<CurlIoLoop*>(userp);
  uint32_t interest = SocketPoller::kNone;
  switch (what) {
    case CURL_POLL_IN:
      interest = SocketPoller::kReadable;
      break;
    case CURL_POLL_OUT:
      interest = SocketPoller::kWritable;
      break;
    case CURL_POLL_INOUT:
      interest = SocketPoller::kReadable | SocketPoller::kWritable;
      break;
    default:  // CURL_POLL_REMOVE: libcurl forgets the assignment below by itself
      break;
  }
  const bool watched = socketp != nullptr;
  loop->poller_.Watch(socket, interest, watched);
  // Marks the socket as watched, so that its next change is one epoll_ctl (MOD, not a failed MOD
  // and an ADD); libcurl allows this from inside the callback.
  if (!watched && interest != SocketPoller::kNone) curl_multi_assign(loop->multi_, socket, loop);
  return 0;
}

int CurlIoLoop::OnTimer(CURLM* /*multi*/, long timeout_ms, void* userp) {
  auto* loop = static_cast<CurlIoLoop*>(userp);
  if (timeout_ms < 0) {
    loop->curl_timer_.reset();
  } else {
    loop->curl_timer_ = SteadyClock::now() + milliseconds(timeout_ms);
  }
  return 0;
}

void CurlIoLoop::RunCurlTimerIfDue() {
  // The action may ask for another immediate timeout; a few rounds here, the rest next iteration.
  for (int round = 0; round < 4; ++round) {
    if (!curl_timer_.has_value() || *curl_timer_ > SteadyClock::now()) return;
    curl_timer_.reset();
    int running = 0;
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  }
}

bool CurlIoLoop::DrainInboxes() {
  std::vector<std::shared_ptr<CurlTransfer>> incoming;
  std::vector<std::shared_ptr<CurlTransfer>> cancels;
  bool stopping;
  {
    absl::MutexLock lock(&mu_);
    incoming.swap(incoming_);
    cancels.swap(cancels_);
    stopping = stopping_;
  }
  // New transfers first: a cancel in this batch may be for one of them.
  for (auto& transfer : incoming) {
    transfer->state = CurlTransfer::State::kQueued;
    queued_.push_back(std::move(transfer));
    queued_.back()->position = std::prev(queued_.end());
  }
  for (auto& transfer : cancels) {
    absl::Status reason = transfer->CancelledError("cancelled by the caller");
    Complete(std::move(transfer), std::move(reason), Outcome::kCancelled);
  }
  return !stopping;
}

void CurlIoLoop::StartQueued(SteadyClock::time_point now) {
  const size_t max_in_flight = static_cast<size_t>(options_.max_in_flight);
  while (!queued_.empty() && active_.size() < max_in_flight) {
    std::shared_ptr<CurlTransfer> transfer = queued_.front();
    CURL* easy = nullptr;
    if (!free_easy_.empty()) {
      easy = free_easy_.back();
      free_easy_.pop_back();
    } else {
      easy = curl_easy_init();
    }
    if (easy == nullptr) {
      Complete(std::move(transfer),
               absl::ResourceExhaustedError("could not allocate a curl handle"), Outcome::kFailed);
      continue;
    }
    absl::Status started = transfer->Start(easy, share_, options_, now);
    if (started.ok()) {
      CURLMcode added = curl_multi_add_handle(multi_, easy);
      if (added != CURLM_OK) {
        transfer->ReleaseEasy();
        started = absl::InternalError(
            absl::StrCat("curl_multi_add_handle failed: ", curl_multi_strerror(added)));
      }
    }
    if (!started.ok()) {
      RecycleEasy(easy);
      Complete(std::move(transfer), std::move(started), Outcome::kFailed);
      continue;
    }
    queued_.pop_front();
    transfer->state = CurlTransfer::State::kActive;
    active_.push_back(transfer);
    transfer->position = std::prev(active_.end());
    if (std::optional<SteadyClock::time_point> idle = transfer->IdleDeadline()) {
      ScheduleIdleCheck(*transfer, *idle);
    }
    HttpClientCounters::Add(counters_.requests_started);
  }
  UpdateInFlight();
}

void CurlIoLoop::HarvestCompletions() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    const CURLcode code = message->data.result;  // `message` dies with curl_multi_remove_handle
    CurlTransfer* raw = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &raw);
    if (raw == nullptr || raw->state != CurlTransfer::State::kActive) continue;
    std::shared_ptr<CurlTransfer> transfer = *raw->position;
    absl::StatusOr<sdk::HttpResponse> result = transfer->Result(code, SteadyClock::now());
    Outcome outcome = result.ok() ? Outcome::kResponse : Outcome::kFailed;
    Complete(std::move(transfer), std::move(result), outcome);
  }
}

std::optional<SteadyClock::time_point> CurlIoLoop::CheckIdleTimeouts(SteadyClock::time_point now) {
  // Each timer is checked lazily: bytes that arrived since it was set push it back instead of
  // ending the transfer, so a busy stream costs one re-arm per idle period, not one per chunk.
  while (!idle_checks_.empty() && idle_checks_.begin()->first <= now) {
    CurlTransfer* raw = idle_checks_.begin()->second;
    idle_checks_.erase(idle_checks_.begin());
    raw->has_idle_check = false;
    std::optional<SteadyClock::time_point> due = raw->IdleDeadline();
    if (due.has_value() && *due > now) {
      ScheduleIdleCheck(*raw, *due);
      continue;
    }
    std::shared_ptr<CurlTransfer> transfer = *raw->position;
    absl::Status error = transfer->IdleTimeoutError();
    Complete(std::move(transfer), std::move(error), Outcome::kFailed);
  }
  if (idle_checks_.empty()) return std::nullopt;
  return idle_checks_.begin()->first;
}

void CurlIoLoop::CancelEverything() {
  std::vector<std::shared_ptr<CurlTransfer>> incoming;
  {
    absl::MutexLock lock(&mu_);
    incoming.swap(incoming_);
    cancels_.clear();
  }
  for (auto& transfer : incoming) {
    transfer->state = CurlTransfer::State::kQueued;
    queued_.push_back(std::move(transfer));
    queued_.back()->position = std::prev(queued_.end());
  }
  for (auto* list : {&queued_, &active_}) {
    while (!list->empty()) {
      std::shared_ptr<CurlTransfer> transfer = list->front();
      absl::Status reason = transfer->CancelledError("client shut down");
      Complete(std::move(transfer), std::move(reason), Outcome::kCancelled);
    }
  }
}

void CurlIoLoop::Complete(std::shared_ptr<CurlTransfer> transfer,
                          absl::StatusOr<sdk::HttpResponse> result, Outcome outcome) {
  switch (transfer->state) {
    case CurlTransfer::State::kQueued:
      queued_.erase(transfer->position);
      break;
    case CurlTransfer::State::kActive:
      DetachEasy(*transfer, outcome);
      active_.erase(transfer->position);
      break;
    default:
      return;  // already completed (a cancel that lost the race)
  }
  if (transfer->has_idle_check) {
    idle_checks_.erase(transfer->idle_check);
    transfer->has_idle_check = false;
  }
  transfer->state = CurlTransfer::State::kDone;
  counters_.admitted.fetch_sub(1, std::memory_order_relaxed);
  switch (outcome) {
    case Outcome::kResponse:
      HttpClientCounters::Add(counters_.requests_completed);
      counters_.latency.Record(result->total_time);
      break;
    case Outcome::kFailed:
      HttpClientCounters::Add(counters_.requests_failed);
      break;
    case Outcome::kCancelled:
      HttpClientCounters::Add(counters_.requests_cancelled);
      break;
  }
  UpdateInFlight();
  finished_.push_back({transfer->TakeDone(), std::move(result)});
}

void CurlIoLoop::DetachEasy(CurlTransfer& transfer, Outcome outcome) {
  CURL* easy = transfer.easy();
  long connects = 0;
  long request_bytes = 0;
  long header_bytes = 0;
  curl_off_t body_bytes_sent = 0;
  curl_off_t body_bytes_received = 0;
  long http_version = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_bytes);
  curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
  curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &body_bytes_sent);
  curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &body_bytes_received);
  curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &http_version);
  // Removing an unfinished transfer closes its HTTP/1.1 connection (or resets its HTTP/2 stream):
  // the upstream sees the abort and the slot is free at once.
  curl_multi_remove_handle(multi_, easy);
  HttpClientCounters::Add(counters_.connections_opened, static_cast<uint64_t>(connects));
  if (outcome == Outcome::kResponse && connects == 0) {
    HttpClientCounters::Add(counters_.connections_reused);
  }
  // CURLINFO_REQUEST_SIZE counts the headers plus the part of the body libcurl sent with them: over
  // HTTP/1.x, a body under 64 KiB goes out in the same write; otherwise the body follows
  // separately.
  constexpr curl_off_t kBodySentWithHeaders = 64 * 1024;
  bool body_in_request_size = http_version != CURL_HTTP_VERSION_2_0 &&
                              body_bytes_sent < kBodySentWithHeaders &&
                              body_bytes_sent <= request_bytes;
  HttpClientCounters::Add(
      counters_.bytes_sent,
      static_cast<uint64_t>(request_bytes + (body_in_request_size ? 0 : body_bytes_sent)));
  HttpClientCounters::Add(counters_.bytes_received,
                          static_cast<uint64_t>(header_bytes + body_bytes_received));
  RecycleEasy(transfer.ReleaseEasy());
}

void CurlIoLoop::RecycleEasy(CURL* easy) {
  curl_easy_reset(easy);  // drops every pointer into the finished transfer
  // A transfer that ended without a connection (removed while libcurl held it back for a connection
  // cap, or failed before one was attached) leaves its receive buffer allocated: libcurl 7.88 frees
  // it only when a connection is let go. Such a handle then refuses CURLOPT_BUFFERSIZE, yet after
  // the reset it believes the buffer has libcurl's 16 KiB default size, and the next response
  // overruns the 4 KiB one it has (the soak's heap corruption, docs/reliability.md). A handle is
  // kept only if it takes our size now.
  const bool reusable =
      curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, static_cast<long>(options_.receive_buffer_bytes)) ==
      CURLE_OK;
  if (reusable && free_easy_.size() < static_cast<size_t>(options_.easy_handle_cache)) {
    free_easy_.push_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }
}

void CurlIoLoop::ScheduleIdleCheck(CurlTransfer& transfer, SteadyClock::time_point when) {
  transfer.idle_check = idle_checks_.emplace(when, &transfer);
  transfer.has_idle_check = true;
}

void CurlIoLoop::Post(sdk::HttpDone done, absl::StatusOr<sdk::HttpResponse> result) {
  scheduler_.Post([done = std::move(done), result = std::move(result)]() mutable {
    if (done) done(std::move(result));
  });
}

void CurlIoLoop::DeliverFinished() {
  for (size_t begin = 0; begin < finished_.size(); begin += kCompletionsPerTask) {
    auto first = finished_.begin() + static_cast<ptrdiff_t>(begin);
    auto last = finished_.begin() +
                static_cast<ptrdiff_t>(std::min(finished_.size(), begin + kCompletionsPerTask));
    std::vector<Finished> batch(std::make_move_iterator(first), std::make_move_iterator(last));
    scheduler_.Post([batch = std::move(batch)]() mutable {
      for (Finished& finished : batch) {
        if (finished.done) finished.done(std::move(finished.result));
      }
    });
  }
  finished_.clear();
}

void CurlIoLoop::UpdateInFlight() {
  counters_.in_flight.store(active_.size(), std::memory_order_relaxed);
}

}  // namespace flowhost::http
