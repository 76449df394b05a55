// The host's pooled, asynchronous HTTP client: sdk::HttpClient on one libcurl multi handle.
//
// Built the way libcurl's authors recommend for threads (libcurl-thread(3)): ONE multi handle,
// owned by ONE I/O thread, holds the connection pool, the DNS cache and TLS sessions; it is never
// touched by another thread. Send() and Cancel() put work on a queue and wake the loop (an
// eventfd); the loop adds, removes and drives transfers (curl_multi_socket_action on the sockets
// epoll reports ready, so its cost follows activity, not the number in flight). HTTP/2 is
// negotiated over TLS and multiplexed (CURLPIPE_MULTIPLEX); plain HTTP uses HTTP/1.1 keep-alive.
// Completions are posted to the Scheduler's pool: never run inline, never on the I/O thread.
//
// Bounds: at most max_in_flight transfers on the multi handle; up to max_queued more wait in a
// queue; beyond that Send() fails at once with RESOURCE_EXHAUSTED "queue_full" (the completion
// still arrives through the pool). Connections are capped in total and per host by libcurl, which
// holds transfers over those caps until a connection frees.
//
// Ownership: the client owns the I/O thread and every libcurl handle; `scheduler` is borrowed and
// must outlive the client. A returned HttpCall may outlive the client (Cancel() then does nothing).
// Destruction cancels everything still queued or in flight (each completion runs with CANCELLED)
// and joins the I/O thread; it must not run on the I/O thread (that is, not from on_body_chunk).
//
// Thread-safety: Send, stats and HttpCall::Cancel may be called from any thread.
#ifndef FLOWHOST_SERVER_HTTP_CURL_HTTP_CLIENT_H_
#define FLOWHOST_SERVER_HTTP_CURL_HTTP_CLIENT_H_

#include <memory>
#include <string>

#include "flowhost/sdk/http_client.h"
#include "flowhost/sdk/scheduler.h"
#include "server/http/http_client_stats.h"

namespace flowhost::http {

struct CurlHttpClientOptions {
  // Connection caps (CURLMOPT_MAX_TOTAL_CONNECTIONS / CURLMOPT_MAX_HOST_CONNECTIONS); 0 = no cap.
  // With HTTP/1.1 one connection carries one request at a time, so these also cap concurrency per
  // upstream; with HTTP/2 one connection carries many streams.
  int max_total_connections = 1024;
  int max_host_connections = 1024;
  // Transfers driven by the multi handle at once, and how many more may wait for a slot.
  int max_in_flight = 4096;
  int max_queued = 16384;
  // Idle connections kept open for reuse (CURLMOPT_MAXCONNECTS); 0 = max_total_connections.
  int max_idle_connections = 0;
  // Easy handles kept for reuse after a transfer (saves allocating and configuring them).
  int easy_handle_cache = 256;
  // libcurl's receive buffer per transfer (CURLOPT_BUFFERSIZE, 1,024 to 512 KiB). libcurl's 16 KiB
  // default is sized for file downloads; an LLM answer is a few KiB and a bigger body just takes
  // more reads. 5,000 transfers in flight: 113 -> 97 MB peak RSS (bench/http_client_bench).
  // libcurl allocates one byte more than this (7.88: malloc(size + 1)), so 4,095 takes one 4 KiB
  // allocation where 4,096 would take the allocator's next size, 5 KiB.
  int receive_buffer_bytes = 4095;
  std::string user_agent = "flowhost/0.1";
  // A PEM file of certificate authorities to trust instead of the system's (CURLOPT_CAINFO); empty
  // for the system bundle. Peers are always verified.
  std::string ca_file;
};

class CurlIoLoop;

class CurlHttpClient final : public sdk::HttpClient {
 public:
  explicit CurlHttpClient(sdk::Scheduler& scheduler, CurlHttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done) override;

  // A snapshot of the client's counters and latency histogram. Cheap; never blocks the I/O thread.
  HttpClientStats stats() const;

 private:
  std::shared_ptr<CurlIoLoop> loop_;
};

}  // namespace flowhost::http

#endif  // FLOWHOST_SERVER_HTTP_CURL_HTTP_CLIENT_H_
