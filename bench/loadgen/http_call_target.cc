#include "bench/loadgen/http_call_target.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/http_client.h"
#include "server/common/thread_pool_scheduler.h"
#include "server/http/curl_http_client.h"

namespace flowhost::bench {
namespace {

// True when `line` is an SSE `data:` line of a chat chunk whose first choice's delta has content.
bool CarriesContent(std::string_view line) {
  constexpr std::string_view kData = "data:";
  if (line.substr(0, kData.size()) != kData) return false;
  line.remove_prefix(kData.size());
  nlohmann::json event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object()) return false;
  auto choices = event.find("choices");
  if (choices == event.end() || !choices->is_array() || choices->empty()) return false;
  const nlohmann::json& choice = (*choices)[0];
  if (!choice.is_object()) return false;
  auto delta = choice.find("delta");
  if (delta == choice.end() || !delta->is_object()) return false;
  auto content = delta->find("content");
  return content != delta->end() && content->is_string() &&
         !content->get_ref<const std::string&>().empty();
}

class HttpCallTarget final : public CallTarget {
 public:
  explicit HttpCallTarget(const LoadgenConfig& config)
      : scheduler_(2), client_(scheduler_, ClientOptions(config)), deadline_(config.deadline) {
    prototype_.method = config.method;
    prototype_.url = config.url;
    prototype_.headers = config.headers;
    prototype_.body = config.body;
    prototype_.total_timeout = config.deadline;
  }

  void StartCall(CallDone done) override {
    sdk::HttpRequest request;
    request.method = prototype_.method;
    request.url = prototype_.url;
    request.headers = prototype_.headers;
    request.body = prototype_.body;
    request.total_timeout = deadline_;
    // Written on the client's I/O thread while the body arrives, read in the completion, which the
    // client runs after the last chunk.
    auto first_token = std::make_shared<std::optional<LoadClock::time_point>>();
    request.on_body_chunk = [detector = FirstContentDetector(), first_token](
                                const sdk::HttpResponseHead&, std::string_view chunk) mutable {
      if (!first_token->has_value() && detector.Feed(chunk)) *first_token = LoadClock::now();
    };
    client_.Send(std::move(request), [done = std::move(done), first_token](
                                         absl::StatusOr<sdk::HttpResponse> response) mutable {
      CallOutcome outcome;
      if (response.ok()) {
        outcome.code = absl::StrCat("HTTP_", response->status);
        outcome.ok = response->status >= 200 && response->status < 300;
      } else {
        outcome.code = absl::StatusCodeToString(response.status().code());
      }
      outcome.first_token_at = *first_token;
      std::move(done)(std::move(outcome));
    });
  }

 private:
  static http::CurlHttpClientOptions ClientOptions(const LoadgenConfig& config) {
    http::CurlHttpClientOptions options;
    options.max_total_connections = config.http_connections;
    options.max_host_connections = config.http_connections;
    options.max_in_flight = std::max(4096, config.max_outstanding);
    options.max_queued = std::max(16384, config.max_outstanding);
    options.user_agent = "flowhost-loadgen";
    return options;
  }

  common::ThreadPoolScheduler scheduler_;
  http::CurlHttpClient client_;
  sdk::HttpRequest prototype_;
  const absl::Duration deadline_;
};

}  // namespace

bool FirstContentDetector::Feed(std::string_view chunk) {
  if (seen_) return true;
  for (char c : chunk) {
    if (c != '\n') {
      if (c != '\r') line_.push_back(c);
      continue;
    }
    if (CarriesContent(line_)) {
      seen_ = true;
      line_.clear();
      return true;
    }
    line_.clear();
  }
  return false;
}

std::unique_ptr<CallTarget> MakeHttpCallTarget(const LoadgenConfig& config) {
  return std::make_unique<HttpCallTarget>(config);
}

}  // namespace flowhost::bench
