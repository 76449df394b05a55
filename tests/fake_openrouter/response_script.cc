#include "tests/fake_openrouter/response_script.h"

#include <algorithm>
#include <cstdio>

namespace flowhost::fake_openrouter {

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

ScriptBuilder::ScriptBuilder(const HttpRequest& request)
    : http10_(request.version_minor == 0), keep_alive_(request.keep_alive) {}

void ScriptBuilder::StartHead(int status, std::string_view content_type,
                              std::optional<int64_t> length, const Headers& extra) {
  script_.status = status;
  std::string head = "HTTP/1.1 ";
  head.append(std::to_string(status)).append(" ").append(ReasonPhrase(status)).append("\r\n");
  head.append("Content-Type: ").append(content_type).append("\r\n");
  for (const auto& [name, value] : extra)
    head.append(name).append(": ").append(value).append("\r\n");
  if (length.has_value()) {
    head.append("Content-Length: ").append(std::to_string(*length)).append("\r\n");
  } else if (!http10_) {
    chunked_ = true;
    head.append("Transfer-Encoding: chunked\r\n");
  } else {
    keep_alive_ = false;  // an HTTP/1.0 body of unknown length ends when the connection closes
  }
  if (!keep_alive_) {
    head.append("Connection: close\r\n");
  } else if (http10_) {
    head.append("Connection: keep-alive\r\n");
  }
  head.append("\r\n");
  script_.close_after = !keep_alive_;
  script_.steps.push_back({ScriptStep::Kind::kWrite, std::move(head), 0});
  MaybeReset();
}

void ScriptBuilder::StartFixed(int status, std::string_view content_type, int64_t content_length,
                               const Headers& extra) {
  StartHead(status, content_type, content_length, extra);
}

void ScriptBuilder::StartStream(int status, std::string_view content_type, const Headers& extra) {
  StartHead(status, content_type, std::nullopt, extra);
}

int64_t ScriptBuilder::TakeBudget(int64_t wanted) {
  if (!reset_budget_.has_value()) return wanted;
  int64_t granted = std::min(wanted, *reset_budget_);
  *reset_budget_ -= granted;
  return granted;
}

void ScriptBuilder::MaybeReset() {
  if (ended_ || !reset_budget_.has_value() || *reset_budget_ > 0) return;
  script_.steps.push_back({ScriptStep::Kind::kReset, {}, 0});
  ended_ = true;
}

void ScriptBuilder::Body(std::string_view bytes) {
  if (ended_ || bytes.empty()) return;
  bytes = bytes.substr(0, static_cast<size_t>(TakeBudget(static_cast<int64_t>(bytes.size()))));
  std::string framed;
  if (chunked_) {
    char size_line[32];
    int n = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", bytes.size());
    framed.reserve(bytes.size() + static_cast<size_t>(n) + 2);
    framed.append(size_line, static_cast<size_t>(n)).append(bytes).append("\r\n");
  } else {
    framed = std::string(bytes);
  }
  // Merge consecutive writes: fewer, larger socket writes.
  if (!script_.steps.empty() && script_.steps.back().kind == ScriptStep::Kind::kWrite) {
    script_.steps.back().bytes.append(framed);
  } else {
    script_.steps.push_back({ScriptStep::Kind::kWrite, std::move(framed), 0});
  }
  MaybeReset();
}

void ScriptBuilder::Filler(int64_t count) {
  if (ended_ || count <= 0) return;
  script_.steps.push_back({ScriptStep::Kind::kFill, {}, TakeBudget(count)});
  MaybeReset();
}

void ScriptBuilder::Wait(int64_t ms) {
  if (ended_ || ms <= 0) return;
  script_.steps.push_back({ScriptStep::Kind::kWait, {}, ms});
}

void ScriptBuilder::Hang() {
  if (ended_) return;
  script_.steps.push_back({ScriptStep::Kind::kHang, {}, 0});
  ended_ = true;
}

ResponseScript ScriptBuilder::Finish() {
  if (!ended_) {
    if (chunked_) {
      if (!script_.steps.empty() && script_.steps.back().kind == ScriptStep::Kind::kWrite) {
        script_.steps.back().bytes.append("0\r\n\r\n");
      } else {
        script_.steps.push_back({ScriptStep::Kind::kWrite, "0\r\n\r\n", 0});
      }
    }
    script_.steps.push_back({ScriptStep::Kind::kFinish, {}, 0});
    ended_ = true;
  }
  return std::move(script_);
}

ResponseScript ScriptBuilder::Simple(const HttpRequest& request, int status,
                                     std::string_view content_type, std::string_view body,
                                     const Headers& extra) {
  ScriptBuilder builder(request);
  builder.StartFixed(status, content_type, static_cast<int64_t>(body.size()), extra);
  builder.Body(body);
  return builder.Finish();
}

}  // namespace flowhost::fake_openrouter
