// example.fetch_json: for each item, GETs a URL (usually built from the item with an expression)
// and stores the JSON it returns in a field of the item. A complete node that touches the whole
// SDK: a parameter schema, load-time checks, parameters evaluated per item, a credential, the
// host's HTTP client with the node's deadline, cancellation, classified errors with Retry-After,
// usage records, logs, and registration (also as a plugin entry point).
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/plugin/plugin.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/node_context.h"
#include "flowhost/sdk/registry.h"
#include "flowhost/sdk/retry.h"

namespace example {

namespace sdk = flowhost::sdk;
using sdk::Json;

// An HTTP response as a classified error, or OK for a 2xx.
absl::Status Classify(const sdk::HttpResponse& response, absl::Time now) {
  int status = response.status;
  if (status >= 200 && status < 300) return absl::OkStatus();
  std::optional<absl::Duration> retry_after;
  if (auto header = response.Header("Retry-After")) {
    retry_after = sdk::ParseRetryAfter(*header, now);
  }
  std::string message = absl::StrCat("the server answered HTTP ", status);
  if (status == 429) {
    return sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kRateLimited,
                          message, nullptr, retry_after);
  }
  if (status == 401 || status == 403) {
    return sdk::NodeError(absl::StatusCode::kPermissionDenied, sdk::error_class::kAuth, message);
  }
  if (status == 404) {
    return sdk::NodeError(absl::StatusCode::kNotFound, sdk::error_class::kNotFound, message);
  }
  if (status >= 500) {
    return sdk::NodeError(absl::StatusCode::kUnavailable, sdk::error_class::kUpstream, message,
                          nullptr, retry_after);
  }
  return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kBadRequest, message);
}

// One execution of the node. It fetches the items one after another and lives (through the
// callbacks that hold it) until it has called `done`. `context` is valid until then.
class FetchRun : public std::enable_shared_from_this<FetchRun> {
 public:
  FetchRun(sdk::NodeContext& context, sdk::NodeDone done)
      : context_(context), done_(std::move(done)) {}

  void Start() {
    // On cancellation, abort the request in flight; its completion then reports CANCELLED.
    sdk::CancellationToken::CallbackId id =
        context_.cancellation().OnCancel([self = shared_from_this()] { self->Abort(); });
    {
      absl::MutexLock lock(&mu_);
      cancel_callback_ = id;
    }
    Next();
  }

 private:
  const sdk::Items& Input() const { return context_.inputs().front(); }

  void Next() {
    if (context_.cancellation().cancelled()) return Finish(context_.cancellation().reason());
    if (index_ == Input().size()) {
      sdk::NodeResult result;
      result.outputs.push_back(std::move(output_));
      return Finish(std::move(result));
    }
    absl::StatusOr<Json> params = context_.params().ForItem(index_);
    if (!params.ok()) return Finish(params.status());
    field_ = sdk::StringField(*params, "field", "body");

    sdk::HttpRequest request;
    request.url = sdk::StringField(*params, "url");
    request.deadline = context_.cancellation().deadline();
    request.headers.emplace_back("Accept", "application/json");
    if (std::string name = sdk::StringField(*params, "credential"); !name.empty()) {
      absl::StatusOr<sdk::Credential> credential = context_.credential(name);
      if (!credential.ok()) return Finish(credential.status());
      request.headers.emplace_back("Authorization",
                                   absl::StrCat("Bearer ", credential->secret.reveal()));
    }
    context_.logger().Log(sdk::LogLevel::kDebug, "fetching", {{"url", request.url}});
    absl::Time sent = context_.scheduler().clock().Now();
    sdk::HttpCallPtr call = context_.http().Send(
        std::move(request), [self = shared_from_this(), sent](absl::StatusOr<sdk::HttpResponse> r) {
          self->Received(std::move(r), sent);
        });
    absl::MutexLock lock(&mu_);
    if (!finished_) call_ = std::move(call);
  }

  void Received(absl::StatusOr<sdk::HttpResponse> response, absl::Time sent) {
    {
      absl::MutexLock lock(&mu_);
      call_ = nullptr;
    }
    absl::Time now = context_.scheduler().clock().Now();
    // Transport errors arrive already classified (timeout, network, cancelled...).
    absl::Status error = response.ok() ? Classify(*response, now) : response.status();
    Json body;
    if (error.ok()) {
      body = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) {
        error = sdk::NodeError(absl::StatusCode::kUnavailable, sdk::error_class::kMalformedResponse,
                               "the response is not JSON");
      }
    }
    sdk::AttemptRecord record;
    record.outcome = error.ok() ? "ok" : "error";
    record.error_class = sdk::ErrorClassOf(error);
    record.error_message = std::string(error.message());
    record.latency = now - sent;
    record.item_index = index_;
    context_.RecordAttempt(record);
    if (!error.ok()) return Finish(sdk::Annotate(error, absl::StrCat("item ", index_)));

    Json item = Input()[index_];
    if (!item.is_object()) item = Json::object();
    item[field_] = std::move(body);
    output_.push_back(std::move(item));
    ++index_;
    Next();
  }

  void Abort() {
    sdk::HttpCallPtr call;
    {
      absl::MutexLock lock(&mu_);
      call = call_;
    }
    if (call != nullptr) call->Cancel();
  }

  void Finish(absl::StatusOr<sdk::NodeResult> result) {
    sdk::CancellationToken::CallbackId id;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
      id = cancel_callback_;
    }
    context_.cancellation().Unregister(id);
    std::move(done_)(std::move(result));  // `context_` must not be used after this
  }

  sdk::NodeContext& context_;
  sdk::NodeDone done_;
  size_t index_ = 0;  // touched only by the one step running at a time
  std::string field_;
  sdk::Items output_;
  absl::Mutex mu_;
  sdk::HttpCallPtr call_ ABSL_GUARDED_BY(mu_);
  sdk::CancellationToken::CallbackId cancel_callback_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// The configured node: immutable, shared by every execution of its workflow.
class FetchJsonNode : public sdk::Node {
 public:
  void Execute(sdk::NodeContext& context, sdk::NodeDone done) const override {
    if (context.inputs().empty()) return done(sdk::NodeResult{});
    std::make_shared<FetchRun>(context, std::move(done))->Start();
  }
};

class FetchJsonType : public sdk::NodeType {
 public:
  FetchJsonType() {
    info_.type = "example.fetch_json";
    info_.description = "GETs a URL per item and stores the JSON response in a field of the item.";
    info_.parameter_schema = Json::parse(R"({
      "type": "object",
      "properties": {
        "url": {"type": "string", "description": "The URL to GET, usually an expression."},
        "field": {"type": "string", "default": "body", "description": "Where the JSON goes."},
        "credential": {"type": "string", "x-credential": true,
                       "description": "A credential sent as a bearer token."}
      },
      "required": ["url"],
      "additionalProperties": false
    })",
                                         nullptr, /*allow_exceptions=*/false);
    info_.inputs = {{"main", "The items to fetch for."}};
    info_.outputs = {{"main", "The items, each with the fetched JSON in `field`."}};
  }

  const sdk::NodeTypeInfo& info() const override { return info_; }

  // Checks what can be checked once, when the workflow loads: a URL written out literally.
  std::unique_ptr<sdk::Node> Create(sdk::NodeConfig& config) const override {
    std::string url = sdk::StringField(config.params(), "url");
    if (!config.IsDynamic("/url") && url.rfind("http://", 0) != 0 &&
        url.rfind("https://", 0) != 0) {
      config.Error("/url", "the URL must start with http:// or https://");
      return nullptr;
    }
    return std::make_unique<FetchJsonNode>();
  }

 private:
  sdk::NodeTypeInfo info_;
};

absl::Status RegisterExampleNodes(sdk::NodeRegistry& registry) {
  return registry.Register(std::make_shared<FetchJsonType>());
}

}  // namespace example

// Built as a shared library, this makes the family a plugin the host can load.
FLOWHOST_PLUGIN("example", "1.0.0", registry) { return example::RegisterExampleNodes(registry); }
