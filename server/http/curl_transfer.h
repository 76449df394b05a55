// One request on the pooled client, from Send() to its completion: the request, its libcurl easy
// handle while it runs, the response being received, and the mapping of how it ended to a response
// or a classified error. Internal to server/http.
//
// Ownership: the CurlIoLoop holds a shared_ptr while the transfer is queued or active; the caller's
// HttpCall handle is another. The easy handle is borrowed from the loop between Start() and the
// loop removing it.
//
// Thread-safety: Cancel() may be called from any thread. Everything else runs on the I/O thread
// only; the fields under "loop bookkeeping" belong to the CurlIoLoop.
#ifndef FLOWHOST_SERVER_HTTP_CURL_TRANSFER_H_
#define FLOWHOST_SERVER_HTTP_CURL_TRANSFER_H_

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "flowhost/sdk/http_client.h"
#include "server/http/curl_http_client.h"

namespace flowhost::http {

using SteadyClock = std::chrono::steady_clock;

class CurlTransfer final : public sdk::HttpCall, public std::enable_shared_from_this<CurlTransfer> {
 public:
  enum class State { kNew, kQueued, kActive, kDone };

  CurlTransfer(std::weak_ptr<CurlIoLoop> loop, sdk::HttpRequest request, sdk::HttpDone done);
  ~CurlTransfer() override;

  // HttpCall: asks the loop to abort this transfer (once; later calls and calls after the client is
  // gone do nothing).
  void Cancel() override;

  // Marks the transfer as not cancellable (it was refused at Send); returns its completion.
  sdk::HttpDone Refuse();

  // ---- I/O thread only ----

  // Configures `easy` for this request and takes it. Fails without taking `easy`: with
  // DEADLINE_EXCEEDED when the total timeout or deadline ran out while the request was queued, with
  // INTERNAL when `easy` refuses the receive buffer size (it still holds a buffer of another size).
  absl::Status Start(CURL* easy, CURLSH* share, const CurlHttpClientOptions& options,
                     SteadyClock::time_point now);

  // How the transfer ended, as the response or a classified error. `code` is libcurl's result.
  absl::StatusOr<sdk::HttpResponse> Result(CURLcode code, SteadyClock::time_point now);

  // The errors the loop itself ends a transfer with.
  absl::Status IdleTimeoutError() const;
  absl::Status CancelledError(std::string_view why) const;

  CURL* easy() const { return easy_; }
  // Hands the easy handle back (after the loop removed it from the multi handle).
  CURL* ReleaseEasy();
  sdk::HttpDone TakeDone() { return std::move(done_); }

  // When the idle-between-bytes timer fires next, if the request has one.
  std::optional<SteadyClock::time_point> IdleDeadline() const;

  // ---- loop bookkeeping ----
  State state = State::kNew;
  std::list<std::shared_ptr<CurlTransfer>>::iterator position;  // in the queued or active list
  std::multimap<SteadyClock::time_point, CurlTransfer*>::iterator idle_check;
  bool has_idle_check = false;

 private:
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);

  // "POST http://host/path": the query and any user:password are left out (they may carry secrets).
  std::string Describe() const;
  absl::Status TimeoutError(SteadyClock::time_point now) const;

  const std::weak_ptr<CurlIoLoop> loop_;
  sdk::HttpRequest request_;
  sdk::HttpDone done_;
  std::atomic<bool> cancel_requested_{false};
  const SteadyClock::time_point send_time_;
  // The earlier of send_time_ + total_timeout and the request's deadline, if either is finite.
  std::optional<SteadyClock::time_point> limit_;
  bool limit_is_deadline_ = false;

  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
  SteadyClock::time_point started_;
  SteadyClock::time_point last_activity_;
  std::optional<SteadyClock::time_point> first_byte_;
  std::chrono::milliseconds connect_timeout_ms_{0};
  std::chrono::milliseconds limit_ms_at_start_{0};

  sdk::HttpResponseHead head_;
  bool body_started_ = false;
  bool streaming_ = false;
  bool too_large_ = false;
  std::string callback_fault_;  // what on_body_chunk threw, when it did
  size_t body_bytes_ = 0;
  std::string body_;
};

}  // namespace flowhost::http

#endif  // FLOWHOST_SERVER_HTTP_CURL_TRANSFER_H_
