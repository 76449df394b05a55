#include "tests/fake_openrouter/h2_front.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string_view>

#include "absl/strings/str_cat.h"

#ifndef FAKE_OPENROUTER_H2_FRONT_SCRIPT
#error "FAKE_OPENROUTER_H2_FRONT_SCRIPT must name tests/fake_openrouter/h2_front.sh"
#endif

namespace flowhost::fake_openrouter {
namespace {

constexpr int kStartTimeoutMs = 60000;

bool NghttpxInstalled() {
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string candidate = path.substr(start, end - start) + "/nghttpx";
    if (end > start && access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// The value after `prefix` on `line`, or "" when the line does not start with it.
std::string After(const std::string& line, std::string_view prefix) {
  return line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : std::string();
}

}  // namespace

absl::StatusOr<std::unique_ptr<H2Front>> H2Front::Start(int backend_port) {
  if (!NghttpxInstalled()) {
    return absl::NotFoundError("nghttpx is not installed (Debian package nghttp2-proxy)");
  }
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn(
      {"/bin/bash", FAKE_OPENROUTER_H2_FRONT_SCRIPT, std::to_string(backend_port)});
  if (!child.ok()) return child.status();

  std::unique_ptr<H2Front> front(new H2Front());
  front->child_ = *std::move(child);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  absl::StatusOr<std::string> listening = front->child_->ReadLine(deadline);
  if (!listening.ok()) return listening.status();
  absl::StatusOr<std::string> ca = front->child_->ReadLine(deadline);
  if (!ca.ok()) return ca.status();
  front->port_ = std::atoi(After(*listening, "LISTENING ").c_str());
  front->ca_file_ = After(*ca, "CA ");
  if (front->port_ <= 0 || front->ca_file_.empty()) {
    return absl::InternalError(
        absl::StrCat("unexpected output from h2_front.sh: ", *listening, " / ", *ca));
  }
  return front;
}

std::string H2Front::origin() const { return absl::StrCat("https://127.0.0.1:", port_); }

}  // namespace flowhost::fake_openrouter
