#include "tests/nodes/testing/fake_http_client.h"

#include <utility>

#include "flowhost/sdk/error.h"

namespace flowhost::node_testing {

FakeResponse FakeResponse::Json(int status, std::string body, sdk::HttpHeaders headers) {
  FakeResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  response.headers.emplace_back("Content-Type", "application/json");
  return response;
}

FakeResponse FakeResponse::Sse(std::vector<std::string> chunks) {
  FakeResponse response;
  response.status = 200;
  response.chunks = std::move(chunks);
  response.headers.emplace_back("Content-Type", "text/event-stream");
  return response;
}

FakeResponse FakeResponse::Error(absl::Status status) {
  FakeResponse response;
  response.transport = std::move(status);
  return response;
}

struct FakeHttpClient::Call {
  sdk::HttpRequest request;
  sdk::HttpDone done;
  bool completed = false;  // guarded by the client's mu_
};

class FakeHttpClient::Handle : public sdk::HttpCall {
 public:
  Handle(FakeHttpClient* client, std::shared_ptr<Call> call)
      : client_(client), call_(std::move(call)) {}
  void Cancel() override {
    {
      absl::MutexLock lock(&client_->mu_);
      if (call_->completed) return;
      ++client_->cancelled_;
    }
    client_->Complete(call_, FakeResponse::Error(sdk::NodeError(absl::StatusCode::kCancelled,
                                                                sdk::error_class::kCancelled,
                                                                "request cancelled")));
  }

 private:
  FakeHttpClient* client_;
  std::shared_ptr<Call> call_;
};

sdk::HttpCallPtr FakeHttpClient::Send(sdk::HttpRequest request, sdk::HttpDone done) {
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->done = std::move(done);
  Handler handler;
  {
    absl::MutexLock lock(&mu_);
    calls_.push_back(call);
    handler = handler_;
  }
  if (handler) {
    if (std::optional<FakeResponse> response = handler(call->request)) {
      Complete(call, *std::move(response));
    }
  }
  return std::make_shared<Handle>(this, call);
}

void FakeHttpClient::SetHandler(Handler handler) {
  absl::MutexLock lock(&mu_);
  handler_ = std::move(handler);
}

bool FakeHttpClient::Respond(size_t index, FakeResponse response) {
  std::shared_ptr<Call> call;
  {
    absl::MutexLock lock(&mu_);
    if (index >= calls_.size() || calls_[index]->completed) return false;
    call = calls_[index];
  }
  Complete(call, std::move(response));
  return true;
}

void FakeHttpClient::Complete(const std::shared_ptr<Call>& call, FakeResponse response) {
  {
    absl::MutexLock lock(&mu_);
    if (call->completed) return;
    call->completed = true;
  }
  scheduler_.Post([call, response = std::move(response)]() mutable {
    if (!response.transport.ok()) {
      call->done(response.transport);
      return;
    }
    sdk::HttpResponse out;
    out.status = response.status;
    out.headers = response.headers;
    bool success = response.status >= 200 && response.status <= 299;
    if (success && call->request.on_body_chunk) {
      sdk::HttpResponseHead head{response.status, response.headers};
      for (const std::string& chunk : response.chunks) call->request.on_body_chunk(head, chunk);
      if (!response.body.empty()) call->request.on_body_chunk(head, response.body);
    } else {
      out.body = response.body;
      for (const std::string& chunk : response.chunks) out.body += chunk;
    }
    call->done(std::move(out));
  });
}

std::vector<sdk::HttpRequest> FakeHttpClient::requests() const {
  absl::MutexLock lock(&mu_);
  std::vector<sdk::HttpRequest> out;
  for (const auto& call : calls_) {
    sdk::HttpRequest copy;
    copy.method = call->request.method;
    copy.url = call->request.url;
    copy.headers = call->request.headers;
    copy.body = call->request.body;
    copy.deadline = call->request.deadline;
    copy.idle_timeout = call->request.idle_timeout;
    copy.total_timeout = call->request.total_timeout;
    copy.max_response_bytes = call->request.max_response_bytes;
    out.push_back(std::move(copy));
  }
  return out;
}

size_t FakeHttpClient::request_count() const {
  absl::MutexLock lock(&mu_);
  return calls_.size();
}

size_t FakeHttpClient::pending() const {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& call : calls_) n += call->completed ? 0 : 1;
  return n;
}

int FakeHttpClient::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

}  // namespace flowhost::node_testing
