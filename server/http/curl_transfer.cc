#include "server/http/curl_transfer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "server/common/contained_task.h"
#include "server/http/curl_io_loop.h"

namespace flowhost::http {
namespace {

// libcurl's minimum for CURLOPT_UPLOAD_BUFFERSIZE.
constexpr long kUploadBufferBytes = 16 * 1024;

using sdk::AsAbsl;
using std::chrono::ceil;
using std::chrono::milliseconds;

// Far enough to mean "no limit", near enough that steady_clock arithmetic cannot overflow.
constexpr absl::Duration kNoLimit = absl::Hours(24 * 365 * 10);

std::optional<SteadyClock::time_point> Earlier(std::optional<SteadyClock::time_point> a,
                                               SteadyClock::time_point b) {
  return a.has_value() ? std::min(*a, b) : b;
}

absl::Duration ToAbsl(SteadyClock::duration d) { return absl::FromChrono(d); }

}  // namespace

CurlTransfer::CurlTransfer(std::weak_ptr<CurlIoLoop> loop, sdk::HttpRequest request,
                           sdk::HttpDone done)
    : loop_(std::move(loop)),
      request_(std::move(request)),
      done_(std::move(done)),
      send_time_(SteadyClock::now()) {
  if (request_.total_timeout < kNoLimit) {
    limit_ = send_time_ +
             absl::ToChronoNanoseconds(std::max(request_.total_timeout, absl::ZeroDuration()));
  }
  if (request_.deadline != absl::InfiniteFuture()) {
    absl::Duration remaining =
        std::clamp(request_.deadline - absl::Now(), absl::ZeroDuration(), kNoLimit);
    SteadyClock::time_point deadline = send_time_ + absl::ToChronoNanoseconds(remaining);
    if (!limit_.has_value() || deadline < *limit_) limit_is_deadline_ = true;
    limit_ = Earlier(limit_, deadline);
  }
}

CurlTransfer::~CurlTransfer() {
  // The loop resets the easy handle before the last reference goes, so nothing points at these.
  if (header_list_ != nullptr) curl_slist_free_all(header_list_);
}

void CurlTransfer::Cancel() {
  if (cancel_requested_.exchange(true)) return;
  if (std::shared_ptr<CurlIoLoop> loop = loop_.lock()) loop->RequestCancel(shared_from_this());
}

sdk::HttpDone CurlTransfer::Refuse() {
  cancel_requested_ = true;
  state = State::kDone;
  return std::move(done_);
}

std::string CurlTransfer::Describe() const {
  std::string_view url = request_.url;
  url = url.substr(0, url.find('?'));
  // Leave out "user:password@" too: messages end up in logs and execution records.
  size_t authority = url.find("://");
  authority = authority == std::string_view::npos ? 0 : authority + 3;
  size_t at = url.find('@', authority);
  if (at != std::string_view::npos && at < url.find('/', authority)) {
    return absl::StrCat(AsAbsl(request_.method), " ", AsAbsl(url.substr(0, authority)),
                        AsAbsl(url.substr(at + 1)));
  }
  return absl::StrCat(AsAbsl(request_.method), " ", AsAbsl(url));
}

absl::Status CurlTransfer::Start(CURL* easy, CURLSH* share, const CurlHttpClientOptions& options,
                                 SteadyClock::time_point now) {
  started_ = now;
  last_activity_ = now;
  if (limit_.has_value()) {
    if (*limit_ <= now) {
      return sdk::NodeError(absl::StatusCode::kDeadlineExceeded, sdk::error_class::kTimeout,
                            absl::StrCat(limit_is_deadline_ ? "deadline exceeded" : "total timeout",
                                         ": ran out while queued for a slot: ", Describe()));
    }
    limit_ms_at_start_ = ceil<milliseconds>(*limit_ - now);
  }
  // Refused only by a handle still holding a receive buffer of another size (CurlIoLoop::RecycleEasy
  // never caches one): libcurl would read past that buffer.
  if (curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, static_cast<long>(options.receive_buffer_bytes)) !=
      CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("libcurl refused the receive buffer size: ", Describe()));
  }
  easy_ = easy;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy, CURLOPT_URL, request_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy, CURLOPT_SHARE, share);
  // Over HTTP/2 libcurl copies a request body through an upload buffer per transfer, 64 KiB by
  // default: 640 MB of heap at 10,000 in flight (mostly untouched, so not resident). LLM request
  // bodies are a few KiB; the smallest buffer libcurl accepts does.
  curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // Over TLS, wait for the first connection to say whether it multiplexes rather than opening one
  // connection per request; plain HTTP is HTTP/1.1 here and never multiplexes.
  if (request_.url.starts_with("https:")) curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &CurlTransfer::OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &CurlTransfer::OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request_.max_response_bytes));

  if (request_.connect_timeout < kNoLimit) {
    connect_timeout_ms_ = std::max(
        milliseconds(1), ceil<milliseconds>(absl::ToChronoNanoseconds(request_.connect_timeout)));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(connect_timeout_ms_.count()));
  }
  if (limit_.has_value()) {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(limit_ms_at_start_.count()));
  }

  const std::string& method = request_.method;
  if (method == "GET" && request_.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    if (method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST" || !request_.body.empty()) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request_.body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request_.body.data());
    }
  }

  bool has_expect = false;
  for (const auto& [name, value] : request_.headers) {
    has_expect = has_expect || absl::EqualsIgnoreCase(name, "expect");
    // libcurl drops "Name:" with an empty value; "Name;" sends it empty.
    std::string line = value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value);
    header_list_ = curl_slist_append(header_list_, line.c_str());
  }
  // No "Expect: 100-continue" round trip on large bodies: our upstreams answer straight away.
  if (!has_expect) header_list_ = curl_slist_append(header_list_, "Expect:");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list_);
  return absl::OkStatus();
}

CURL* CurlTransfer::ReleaseEasy() { return std::exchange(easy_, nullptr); }

std::optional<SteadyClock::time_point> CurlTransfer::IdleDeadline() const {
  if (request_.idle_timeout >= kNoLimit) return std::nullopt;
  return last_activity_ + absl::ToChronoNanoseconds(request_.idle_timeout);
}

size_t CurlTransfer::OnHeader(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<CurlTransfer*>(self);
  const size_t n = size * count;
  const SteadyClock::time_point now = SteadyClock::now();
  transfer->last_activity_ = now;
  if (!transfer->first_byte_.has_value()) transfer->first_byte_ = now;
  if (transfer->body_started_) return n;  // trailers: the head was already delivered

  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  sdk::HttpResponseHead& head = transfer->head_;
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 1xx, say): the headers that follow belong to it.
    head.headers.clear();
    std::string_view rest = line.substr(std::min(line.size(), line.find(' ') + 1));
    int status = 0;
    if (absl::SimpleAtoi(AsAbsl(rest.substr(0, 3)), &status)) head.status = status;
    return n;
  }
  size_t colon = line.find(':');
  if (line.empty() || colon == std::string_view::npos) return n;
  absl::string_view name = absl::StripAsciiWhitespace(AsAbsl(line.substr(0, colon)));
  absl::string_view value = absl::StripAsciiWhitespace(AsAbsl(line.substr(colon + 1)));
  head.headers.emplace_back(std::string(name), std::string(value));
  return n;
}

size_t CurlTransfer::OnBody(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<CurlTransfer*>(self);
  const size_t n = size * count;
  const SteadyClock::time_point now = SteadyClock::now();
  transfer->last_activity_ = now;
  if (!transfer->first_byte_.has_value()) transfer->first_byte_ = now;
  if (!transfer->body_started_) {
    transfer->body_started_ = true;
    long status = 0;
    if (curl_easy_getinfo(transfer->easy_, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
        status != 0) {
      transfer->head_.status = static_cast<int>(status);
    }
    int code = transfer->head_.status;
    transfer->streaming_ = transfer->request_.on_body_chunk && code >= 200 && code < 300;
  }
  if (n > transfer->request_.max_response_bytes - transfer->body_bytes_) {
    transfer->too_large_ = true;
    return 0;  // anything but n makes libcurl end the transfer with CURLE_WRITE_ERROR
  }
  transfer->body_bytes_ += n;
  if (transfer->streaming_) {
    // The callback is node code on the I/O thread: an exception must not reach libcurl or end the
    // thread. The transfer fails instead (Result), and the node hears of it through its `done`.
    try {
      transfer->request_.on_body_chunk(transfer->head_, std::string_view(data, n));
    } catch (...) {
      transfer->callback_fault_ = common::DescribeCurrentException();
      return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
    }
  } else {
    transfer->body_.append(data, n);
  }
  return n;
}

absl::Status CurlTransfer::TimeoutError(SteadyClock::time_point now) const {
  // libcurl reports both its timeouts as CURLE_OPERATION_TIMEDOUT. The connect timeout is the one
  // that fired when it is the shorter limit and we are nearer to it than to the total limit.
  const milliseconds elapsed = ceil<milliseconds>(now - started_);
  bool connect =
      connect_timeout_ms_.count() > 0 &&
      (!limit_.has_value() || (connect_timeout_ms_ < limit_ms_at_start_ &&
                               elapsed < (connect_timeout_ms_ + limit_ms_at_start_) / 2));
  std::string message;
  if (connect) {
    message = absl::StrCat("connect timeout: no connection within ",
                           absl::FormatDuration(request_.connect_timeout));
  } else if (limit_is_deadline_) {
    message = "deadline exceeded: the request's deadline passed before the response completed";
  } else {
    message = absl::StrCat("total timeout: no complete response within ",
                           absl::FormatDuration(request_.total_timeout));
  }
  return sdk::NodeError(absl::StatusCode::kDeadlineExceeded, sdk::error_class::kTimeout,
                        absl::StrCat(message, ": ", Describe()));
}

absl::Status CurlTransfer::IdleTimeoutError() const {
  return sdk::NodeError(
      absl::StatusCode::kDeadlineExceeded, sdk::error_class::kTimeout,
      absl::StrCat("idle timeout: no bytes received for ",
                   absl::FormatDuration(request_.idle_timeout), ": ", Describe()));
}

absl::Status CurlTransfer::CancelledError(std::string_view why) const {
  return sdk::NodeError(absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
                        absl::StrCat(AsAbsl(why), ": ", Describe()));
}

absl::StatusOr<sdk::HttpResponse> CurlTransfer::Result(CURLcode code, SteadyClock::time_point now) {
  auto too_large = [this]() {
    return sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kResponseTooLarge,
                          absl::StrCat("response too large: the body exceeds max_response_bytes (",
                                       request_.max_response_bytes, "): ", Describe()));
  };
  std::string detail = error_[0] != '\0' ? std::string(error_) : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OK: {
      sdk::HttpResponse response;
      long status = 0;
      curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
      response.status = static_cast<int>(status);
      response.headers = std::move(head_.headers);
      response.body = std::move(body_);
      response.total_time = ToAbsl(now - send_time_);
      response.time_to_first_byte = ToAbsl(first_byte_.value_or(now) - send_time_);
      return response;
    }
    case CURLE_OPERATION_TIMEDOUT:
      return TimeoutError(now);
    case CURLE_FILESIZE_EXCEEDED:
      return too_large();
    case CURLE_WRITE_ERROR:
      if (too_large_) return too_large();
      if (!callback_fault_.empty()) {
        return absl::InternalError(absl::StrCat(
            "the request's on_body_chunk callback threw an exception (a bug in the node that sent "
            "it): ",
            callback_fault_, ": ", Describe()));
      }
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kInvalidInput,
                            absl::StrCat("invalid request: ", Describe(), ": ", detail));
    default:
      break;
  }
  return sdk::NodeError(absl::StatusCode::kUnavailable, sdk::error_class::kNetwork,
                        absl::StrCat("network error: ", Describe(), ": ", detail));
}

}  // namespace flowhost::http
