#include "server/http/curl_http_client.h"

#include <utility>

#include "server/http/curl_io_loop.h"

namespace flowhost::http {

CurlHttpClient::CurlHttpClient(sdk::Scheduler& scheduler, CurlHttpClientOptions options)
    : loop_(std::make_shared<CurlIoLoop>(scheduler, std::move(options))) {
  loop_->Start();
}

CurlHttpClient::~CurlHttpClient() { loop_->Shutdown(); }

sdk::HttpCallPtr CurlHttpClient::Send(sdk::HttpRequest request, sdk::HttpDone done) {
  return loop_->Send(std::move(request), std::move(done));
}

HttpClientStats CurlHttpClient::stats() const { return loop_->stats(); }

}  // namespace flowhost::http
