// The I/O thread of the pooled HTTP client and everything only it may touch: the libcurl multi
// handle (which holds the connection pool), a share handle for DNS and TLS sessions, the queue of
// transfers waiting for a slot, the active transfers, the idle-timeout timers and a cache of easy
// handles. Internal to server/http; CurlHttpClient is its public face.
//
// The loop drives libcurl with curl_multi_socket_action: libcurl says which sockets to watch and
// when its next timeout is due (socket and timer callbacks), a SocketPoller (epoll) waits for them,
// so an iteration costs what became ready, not what is in flight.
//
// Other threads talk to it through two short mutex-guarded inboxes (new transfers, cancellations)
// and SocketPoller::Wake. Completions leave through Scheduler::Post, gathered per loop iteration.
//
// Ownership: held by a shared_ptr from CurlHttpClient; transfers keep a weak_ptr so Cancel() stays
// safe after the client is gone. Shutdown() must run (the client's destructor does) before the last
// reference is dropped.
//
// Thread-safety: Send, RequestCancel, stats and Shutdown may be called from any thread except the
// I/O thread (Shutdown joins it); the rest is the I/O thread's.
#ifndef FLOWHOST_SERVER_HTTP_CURL_IO_LOOP_H_
#define FLOWHOST_SERVER_HTTP_CURL_IO_LOOP_H_

#include <curl/curl.h>

#include <list>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/scheduler.h"
#include "server/http/curl_http_client.h"
#include "server/http/curl_transfer.h"
#include "server/http/http_client_stats.h"
#include "server/http/socket_poller.h"

namespace flowhost::http {

class CurlIoLoop : public std::enable_shared_from_this<CurlIoLoop> {
 public:
  CurlIoLoop(sdk::Scheduler& scheduler, CurlHttpClientOptions options);
  ~CurlIoLoop();
  CurlIoLoop(const CurlIoLoop&) = delete;
  CurlIoLoop& operator=(const CurlIoLoop&) = delete;

  // Starts the I/O thread. Called once, right after construction.
  void Start();
  // Cancels every queued and active transfer (completions delivered) and joins the I/O thread.
  void Shutdown();

  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done);
  void RequestCancel(std::shared_ptr<CurlTransfer> transfer);
  HttpClientStats stats() const { return counters_.Snapshot(); }

 private:
  enum class Outcome { kResponse, kFailed, kCancelled };

  void Run();
  // libcurl's callbacks (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION); `userp` is the loop.
  static int OnSocket(CURL* easy, curl_socket_t socket, int what, void* userp, void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* userp);
  // Runs libcurl's timeout handling when the time it asked for has come (at once for a transfer
  // just added).
  void RunCurlTimerIfDue();
  // Moves new transfers to the queue and applies cancellations. Returns false once shutting down.
  bool DrainInboxes();
  void StartQueued(SteadyClock::time_point now);
  void HarvestCompletions();
  // Ends transfers silent past their idle timeout; returns when the next idle timer is due.
  std::optional<SteadyClock::time_point> CheckIdleTimeouts(SteadyClock::time_point now);
  void CancelEverything();
  // Takes `transfer` out of the queue or off the multi handle and posts its completion.
  void Complete(std::shared_ptr<CurlTransfer> transfer, absl::StatusOr<sdk::HttpResponse> result,
                Outcome outcome);
  void DetachEasy(CurlTransfer& transfer, Outcome outcome);
  void RecycleEasy(CURL* easy);
  void ScheduleIdleCheck(CurlTransfer& transfer, SteadyClock::time_point when);
  void Post(sdk::HttpDone done, absl::StatusOr<sdk::HttpResponse> result);
  // Hands the completions gathered in this loop iteration to the pool, up to
  // kCompletionsPerTask per task: one wake-up for a burst of answers instead of one each.
  void DeliverFinished();
  void UpdateInFlight();

  // A completion waiting for the end of the loop iteration.
  struct Finished {
    sdk::HttpDone done;
    absl::StatusOr<sdk::HttpResponse> result;
  };
  static constexpr size_t kCompletionsPerTask = 16;

  sdk::Scheduler& scheduler_;
  const CurlHttpClientOptions options_;
  const uint64_t admission_limit_;  // max_in_flight + max_queued
  CURLM* const multi_;
  CURLSH* const share_;
  HttpClientCounters counters_;
  std::thread thread_;

  absl::Mutex mu_;
  std::vector<std::shared_ptr<CurlTransfer>> incoming_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<CurlTransfer>> cancels_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool joined_ = false;  // Shutdown's caller only

  SocketPoller poller_;  // Wake() from any thread; the rest I/O thread only

  // ---- I/O thread only ----
  std::optional<SteadyClock::time_point> curl_timer_;  // libcurl's next timeout, if it set one
  std::list<std::shared_ptr<CurlTransfer>> queued_;
  std::list<std::shared_ptr<CurlTransfer>> active_;
  std::multimap<SteadyClock::time_point, CurlTransfer*> idle_checks_;
  std::vector<CURL*> free_easy_;
  std::vector<Finished> finished_;
};

}  // namespace flowhost::http

#endif  // FLOWHOST_SERVER_HTTP_CURL_IO_LOOP_H_
