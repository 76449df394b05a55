// The host's shared, pooled, asynchronous HTTP client, as seen by nodes.
//
// The host owns one client for the whole process: one I/O thread drives a libcurl multi handle that
// holds the connection pool (HTTP/2 multiplexing where offered, HTTP/1.1 keep-alive otherwise, DNS and
// TLS-session reuse). Nodes never create their own connections. Send() queues the request and returns a
// handle at once; the completion runs later on the host's worker pool. Cancel() aborts the transfer and
// frees its connection slot immediately.
//
// Errors (as classified absl::Status, see error.h):
//   DEADLINE_EXCEEDED/"timeout"     connect, total or idle-between-bytes timeout, or the request deadline
//   UNAVAILABLE/"network"           DNS, connect refused, reset, TLS failure
//   RESOURCE_EXHAUSTED/"queue_full" the client's bounded queue is full (returned at once, never waits)
//   RESOURCE_EXHAUSTED/"response_too_large"  the body exceeded max_response_bytes
//   CANCELLED/"cancelled"           Cancel() was called
// An HTTP error status (4xx, 5xx) is not an error here: it is a response; the caller classifies it.
//
// Thread-safety: Send and Cancel may be called from any thread.
#ifndef FLOWHOST_SDK_HTTP_CLIENT_H_
#define FLOWHOST_SDK_HTTP_CLIENT_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowhost::sdk {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Returns the first header named `name` (case-insensitive), if any.
std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name);

// The status line and headers of a response, known before its body.
struct HttpResponseHead {
  int status = 0;
  HttpHeaders headers;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  std::string body;

  // Time allowed to establish the connection (TCP + TLS).
  absl::Duration connect_timeout = absl::Seconds(10);
  // Time allowed for the whole transfer. The effective limit is the earlier of this and `deadline`.
  absl::Duration total_timeout = absl::InfiniteDuration();
  // Longest silence allowed between received bytes (for streams); InfiniteDuration for none.
  absl::Duration idle_timeout = absl::InfiniteDuration();
  // The caller's deadline (usually the node's cancellation deadline).
  absl::Time deadline = absl::InfiniteFuture();
  // Largest body accepted; a larger one fails the request with "response_too_large".
  size_t max_response_bytes = 32 << 20;

  // Optional streaming: when set and the response status is 2xx, each body chunk is passed here as it
  // arrives and is not accumulated in HttpResponse::body. Runs on the client's I/O thread: it must be
  // quick and must never block. Non-2xx bodies are always accumulated (they carry the error).
  absl::AnyInvocable<void(const HttpResponseHead& head, std::string_view chunk)> on_body_chunk;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;  // empty when streamed through on_body_chunk
  absl::Duration total_time;  // from Send() to the last byte
  absl::Duration time_to_first_byte;

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// A request in flight. Destroying the handle does not cancel the request.
class HttpCall {
 public:
  virtual ~HttpCall() = default;
  // Aborts the transfer if it has not completed; its completion then runs with CANCELLED.
  // Safe to call more than once and after completion (then it does nothing).
  virtual void Cancel() = 0;
};

using HttpCallPtr = std::shared_ptr<HttpCall>;
using HttpDone = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>)>;

class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Queues `request`; `done` runs exactly once on the host's worker pool (never inline, never on the
  // I/O thread). Returns a handle to cancel it.
  virtual HttpCallPtr Send(HttpRequest request, HttpDone done) = 0;
};

}  // namespace flowhost::sdk

#endif  // FLOWHOST_SDK_HTTP_CLIENT_H_
