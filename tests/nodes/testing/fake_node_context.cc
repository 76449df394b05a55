#include "tests/nodes/testing/fake_node_context.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/json_schema.h"

namespace flowhost::node_testing {

absl::StatusOr<Json> FakeParameters::ForItem(size_t item_index) const {
  auto it = per_item.find(item_index);
  Json params = it != per_item.end() ? it->second : common;
  if (!schema.is_null()) params = sdk::ApplySchemaDefaults(params, schema);
  return params;
}

absl::StatusOr<Json> FakeParameters::EvaluateDeferred(std::string_view pointer, size_t item_index,
                                                      const Json& json) const {
  if (!deferred) {
    return absl::NotFoundError(absl::StrCat("no deferred parameter ", sdk::AsAbsl(pointer)));
  }
  return deferred(pointer, item_index, json);
}

void RecordingLogger::Log(sdk::LogLevel level, std::string_view message, const Json& fields) {
  absl::MutexLock lock(&mu_);
  lines_.push_back(Json{
      {"level", static_cast<int>(level)}, {"message", std::string(message)}, {"fields", fields}});
}

std::vector<Json> RecordingLogger::lines() const {
  absl::MutexLock lock(&mu_);
  return lines_;
}

void RecordingEventSink::TokenDelta(size_t item_index, std::string_view text,
                                    std::string_view kind) {
  absl::MutexLock lock(&mu_);
  deltas_.push_back({item_index, std::string(text), std::string(kind)});
}

std::vector<RecordingEventSink::Delta> RecordingEventSink::deltas() const {
  absl::MutexLock lock(&mu_);
  return deltas_;
}

std::string RecordingEventSink::Text(size_t item, std::string_view kind) const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const Delta& delta : deltas_) {
    if (delta.item == item && delta.kind == kind) out += delta.text;
  }
  return out;
}

FakeNodeContext::FakeNodeContext()
    : source_(std::make_unique<sdk::CancellationSource>()), token_(source_->token()) {}

FakeNodeContext::~FakeNodeContext() {
  // Let callbacks the node left behind (a late HTTP completion) run while everything still exists.
  scheduler_.RunUntilIdle();
}

void FakeNodeContext::SetInput(sdk::Items items) { inputs_ = {std::move(items)}; }

void FakeNodeContext::SetCredential(std::string name, std::string key, Json attributes) {
  sdk::Credential credential;
  credential.name = name;
  credential.secret = sdk::Secret(std::move(key));
  credential.attributes = std::move(attributes);
  credentials_[std::move(name)] = std::move(credential);
}

void FakeNodeContext::SetDeadline(absl::Time deadline) {
  source_ = std::make_unique<sdk::CancellationSource>(deadline);
  token_ = source_->token();
}

void FakeNodeContext::Start(const sdk::Node& node) {
  node.Execute(*this, [this](absl::StatusOr<sdk::NodeResult> result) {
    absl::MutexLock lock(&mu_);
    ++done_calls_;
    result_ = std::move(result);
  });
}

bool FakeNodeContext::RunUntilDone() {
  while (!finished()) {
    if (scheduler_.RunUntilIdle() == 0) break;
  }
  return finished();
}

absl::StatusOr<sdk::NodeResult> FakeNodeContext::Run(const sdk::Node& node) {
  Start(node);
  if (!RunUntilDone()) {
    return absl::InternalError("the node did not finish (a request is still pending?)");
  }
  return result();
}

bool FakeNodeContext::finished() const {
  absl::MutexLock lock(&mu_);
  return result_.has_value();
}

absl::StatusOr<sdk::NodeResult> FakeNodeContext::result() const {
  absl::MutexLock lock(&mu_);
  if (!result_.has_value()) return absl::InternalError("not finished");
  return *result_;
}

int FakeNodeContext::done_calls() const {
  absl::MutexLock lock(&mu_);
  return done_calls_;
}

void FakeNodeContext::Cancel(absl::Status reason) { source_->Cancel(std::move(reason)); }

std::vector<sdk::AttemptRecord> FakeNodeContext::attempts() const {
  absl::MutexLock lock(&mu_);
  return attempts_;
}

absl::StatusOr<sdk::Credential> FakeNodeContext::credential(std::string_view name) const {
  auto it = credentials_.find(name);
  if (it == credentials_.end()) {
    return absl::NotFoundError(absl::StrCat("no credential named '", sdk::AsAbsl(name), "'"));
  }
  return it->second;
}

void FakeNodeContext::RecordAttempt(const sdk::AttemptRecord& attempt) {
  absl::MutexLock lock(&mu_);
  attempts_.push_back(attempt);
}

void FakeNodeContext::RunWorkflow(std::string_view workflow, Json inputs,
                                  absl::AnyInvocable<void(absl::StatusOr<sdk::Items>)> done) {
  scheduler_.Post([done = std::move(done)]() mutable {
    done(absl::UnimplementedError("FakeNodeContext does not run workflows"));
  });
}

void FakeNodeContext::InvokeNode(std::string_view node, sdk::Items input,
                                 absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)> done) {
  if (!invoke_) {
    scheduler_.Post([done = std::move(done)]() mutable {
      done(absl::UnimplementedError("no InvokeNode handler set"));
    });
    return;
  }
  invoke_(node, std::move(input), std::move(done));
}

FakeNodeConfig::FakeNodeConfig(Json params, const Json& schema, std::vector<std::string> dynamic)
    : params_(schema.is_null() ? std::move(params) : sdk::ApplySchemaDefaults(params, schema)),
      dynamic_(std::move(dynamic)) {}

bool FakeNodeConfig::IsDynamic(std::string_view pointer) const {
  // `pointer` is dynamic when it is a dynamic value, lies inside one, or contains one.
  auto within = [](std::string_view inner, std::string_view outer) {
    return outer.empty() || inner == outer ||
           (inner.size() > outer.size() && inner.substr(0, outer.size()) == outer &&
            inner[outer.size()] == '/');
  };
  for (const std::string& d : dynamic_) {
    if (within(d, pointer) || within(pointer, d)) return true;
  }
  return false;
}

void FakeNodeConfig::Error(std::string_view pointer, std::string_view message) {
  errors.push_back(absl::StrCat(sdk::AsAbsl(pointer), ": ", sdk::AsAbsl(message)));
}

void FakeNodeConfig::Warning(std::string_view pointer, std::string_view message) {
  warnings.push_back(absl::StrCat(sdk::AsAbsl(pointer), ": ", sdk::AsAbsl(message)));
}

}  // namespace flowhost::node_testing
