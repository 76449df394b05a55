#include "tests/fake_openrouter/fake_process.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"

#ifndef FAKE_OPENROUTER_BINARY
#error "FAKE_OPENROUTER_BINARY must name the built fake_openrouter program"
#endif

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

}  // namespace

absl::StatusOr<std::unique_ptr<FakeProcess>> FakeProcess::Start(Options options) {
  std::vector<std::string> args = {
      options.binary.empty() ? std::string(FAKE_OPENROUTER_BINARY) : options.binary,
      "--port",
      "0",
      "--api-key",
      options.api_key,
      "--threads",
      std::to_string(options.threads),
      "--latency-ms",
      std::to_string(options.latency_ms)};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn(std::move(args));
  if (!child.ok()) return child.status();

  std::unique_ptr<FakeProcess> process(new FakeProcess());
  process->child_ = *std::move(child);
  process->api_key_ = options.api_key;
  absl::StatusOr<std::string> line =
      process->child_->ReadLine(Clock::now() + std::chrono::milliseconds(options.start_timeout_ms));
  if (!line.ok()) {
    return absl::UnavailableError(
        absl::StrCat("fake_openrouter did not start listening: ", line.status().message()));
  }
  constexpr std::string_view kListening = "LISTENING ";
  if (line->rfind(kListening, 0) != 0) {
    return absl::InternalError(absl::StrCat("unexpected first line from fake_openrouter: ", *line));
  }
  process->port_ = std::atoi(line->c_str() + kListening.size());
  if (process->port_ <= 0) return absl::InternalError(absl::StrCat("bad port in: ", *line));
  return process;
}

absl::Status FakeProcess::Stop() { return child_->Stop(); }

FakeProcess::~FakeProcess() = default;

std::string FakeProcess::origin() const { return absl::StrCat("http://127.0.0.1:", port_); }

absl::StatusOr<Json> FakeProcess::Control(const std::string& method, const std::string& path,
                                          const std::string& body) {
  HttpCall call;
  call.method = method;
  call.url = origin() + path;
  call.body = body;
  if (!body.empty()) call.headers.push_back("Content-Type: application/json");
  absl::StatusOr<HttpResponse> response;
  {
    absl::MutexLock lock(&mu_);
    response = control_.SendOk(call);
  }
  if (!response.ok()) return response.status();
  Json parsed = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InternalError(absl::StrCat(method, " ", path, " answered invalid JSON"));
  }
  return parsed;
}

absl::StatusOr<Json> FakeProcess::Stats() { return Control("GET", "/_control/stats", ""); }

absl::StatusOr<Json> FakeProcess::WaitForStats(const std::function<bool(const Json&)>& done,
                                               int timeout_ms) {
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    absl::StatusOr<Json> stats = Stats();
    if (!stats.ok() || done(*stats)) return stats;
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("fake_openrouter stats never matched; last: ", stats->dump()));
    }
    // The fake has no push channel; re-ask a little later (the deadline bounds the wait).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

absl::Status FakeProcess::AddRules(const Json& rules) {
  Json body = rules.is_array() ? Json{{"rules", rules}} : rules;
  return Control("PUT", "/_control/rules",
                 body.dump(-1, ' ', false, Json::error_handler_t::replace))
      .status();
}

absl::Status FakeProcess::ClearRules() { return Control("DELETE", "/_control/rules", "").status(); }

absl::Status FakeProcess::ResetStats() {
  return Control("POST", "/_control/stats/reset", "").status();
}

absl::StatusOr<Json> FakeProcess::Requests(int limit) {
  return Control("GET", absl::StrCat("/_control/requests?limit=", limit), "");
}

}  // namespace flowhost::fake_openrouter
