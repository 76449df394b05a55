// A tiny blocking HTTP/1.1 client on libcurl's easy interface, for tests and benchmark set-up
// talking to the fake (and for the fake's harness itself). Not for production code: the host's
// client is the asynchronous one in server/http.
//
// One BlockingHttp keeps one easy handle, so consecutive calls reuse one keep-alive connection;
// make a new BlockingHttp for a new connection. Thread-compatible: one thread at a time per object.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_BLOCKING_HTTP_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_BLOCKING_HTTP_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace flowhost::fake_openrouter {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  long timeout_ms = 30000;  // total time allowed for the call
  // For https: the PEM CA file to trust instead of the system's store, and the client
  // certificate and key to present (mutual TLS); empty: none.
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
};

struct HttpResponse {
  int curl_code = 0;  // CURLcode of the transfer; 0 (CURLE_OK) when it completed
  std::string error;  // libcurl's message when curl_code != 0
  long status = 0;    // 0 when no response head arrived
  std::vector<std::pair<std::string, std::string>> headers;  // of the final response
  std::string body;  // what arrived, even when the transfer failed part-way

  bool completed() const { return curl_code == 0; }

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
};

class BlockingHttp {
 public:
  BlockingHttp();
  ~BlockingHttp();
  BlockingHttp(const BlockingHttp&) = delete;
  BlockingHttp& operator=(const BlockingHttp&) = delete;

  // Performs the call. A transport failure (refused, reset, timed out, ...) is reported in the
  // response's curl_code and error, with whatever had arrived before it.
  HttpResponse Send(const HttpCall& call);

  // Send(), with any transport failure or a status other than 2xx turned into an error status.
  absl::StatusOr<HttpResponse> SendOk(const HttpCall& call);

 private:
  void* curl_;  // CURL*
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_BLOCKING_HTTP_H_
