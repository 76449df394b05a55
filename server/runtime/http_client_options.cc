#include "server/runtime/http_client_options.h"

#include <algorithm>
#include <cstdint>

namespace flowhost::runtime {

http::CurlHttpClientOptions HttpClientOptionsFor(const config::HttpConfig& http) {
  http::CurlHttpClientOptions options;
  options.max_host_connections = static_cast<int>(http.max_connections);
  options.max_total_connections = static_cast<int>(http.max_connections) * 4;
  options.max_queued = static_cast<int>(http.max_queued_requests);
  options.ca_file = http.ca_file;
  // Never let the client's in-flight cap sit below the connection cap the operator configured:
  // requests past it would queue although connections are free.
  const int64_t max_requests = std::min<int64_t>(http.max_requests_in_flight, 1 << 24);
  options.max_in_flight = std::max(static_cast<int>(max_requests), options.max_host_connections);
  return options;
}

}  // namespace flowhost::runtime
