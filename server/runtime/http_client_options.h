// The pooled HTTP client's options from the host configuration's `http` section: how a
// configured connection cap, queue and in-flight cap become libcurl's limits. Used by the Runtime
// (and by bench/floor/relay_floor, which must run the client exactly as flowhost does).
#ifndef FLOWHOST_SERVER_RUNTIME_HTTP_CLIENT_OPTIONS_H_
#define FLOWHOST_SERVER_RUNTIME_HTTP_CLIENT_OPTIONS_H_

#include "server/config/host_config.h"
#include "server/http/curl_http_client.h"

namespace flowhost::runtime {

http::CurlHttpClientOptions HttpClientOptionsFor(const config::HttpConfig& http);

}  // namespace flowhost::runtime

#endif  // FLOWHOST_SERVER_RUNTIME_HTTP_CLIENT_OPTIONS_H_
