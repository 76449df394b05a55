#include "tests/fake_openrouter/fake_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"

#ifndef FAKE_OPENROUTER_BINARY
#error "FAKE_OPENROUTER_BINARY must name the built fake_openrouter program"
#endif

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kStopGraceMs = 10000;

// Waits up to `timeout_ms` for the child to exit; true (with its wait status) when it was reaped.
bool ReapWithin(pid_t pid, int timeout_ms, int* status) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd entry{pidfd, POLLIN, 0};
    poll(&entry, 1, timeout_ms);
    close(pidfd);
  }
  return waitpid(pid, status, pidfd >= 0 ? WNOHANG : 0) == pid;
}

// Reads the first line the child prints, waiting at most until `deadline`.
absl::StatusOr<std::string> ReadFirstLine(int fd, Clock::time_point deadline) {
  std::string line;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return absl::DeadlineExceededError("fake_openrouter did not start in time");
    pollfd entry{fd, POLLIN, 0};
    int ready = poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return absl::UnavailableError(
          absl::StrCat("fake_openrouter exited before listening; got \"", line, "\""));
    if (c == '\n') return line;
    line.push_back(c);
  }
}

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
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(pipe_fds[1], STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);

  std::unique_ptr<FakeProcess> process(new FakeProcess());
  process->pid_ = pid;
  process->stdout_fd_ = pipe_fds[0];
  process->api_key_ = options.api_key;
  absl::StatusOr<std::string> line = ReadFirstLine(
      pipe_fds[0], Clock::now() + std::chrono::milliseconds(options.start_timeout_ms));
  if (!line.ok()) return line.status();  // the destructor stops and reaps the child
  constexpr std::string_view kListening = "LISTENING ";
  if (line->rfind(kListening, 0) != 0) {
    return absl::InternalError(absl::StrCat("unexpected first line from fake_openrouter: ", *line));
  }
  process->port_ = std::atoi(line->c_str() + kListening.size());
  if (process->port_ <= 0) return absl::InternalError(absl::StrCat("bad port in: ", *line));
  return process;
}

absl::Status FakeProcess::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  int status = 0;
  kill(pid_, SIGTERM);
  if (!ReapWithin(pid_, kStopGraceMs, &status)) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return absl::DeadlineExceededError("fake_openrouter ignored SIGTERM and was killed");
  }
  pid_ = -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(
      WIFEXITED(status) ? absl::StrCat("fake_openrouter exited with status ", WEXITSTATUS(status))
                        : absl::StrCat("fake_openrouter died of signal ", WTERMSIG(status)));
}

FakeProcess::~FakeProcess() {
  Stop().IgnoreError();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

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
