#include "server/remote/managed_workers.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/thread_name.h"

extern char** environ;

namespace flowhost::remote {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(500);
constexpr absl::Duration kMaxBackoff = absl::Seconds(30);
// A child that ran this long was working: its next restart waits kFirstBackoff again.
constexpr absl::Duration kHealthyRun = absl::Minutes(1);

std::string ExitText(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("died of signal ", WTERMSIG(status));
  return absl::StrCat("ended (wait status ", status, ")");
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C", so the system call is made directly. -1 when the
// kernel has none (before 5.3): the supervisor then polls waitpid.
int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int MillisUntil(absl::Time when) {
  return static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(when - absl::Now()) + 1, 0, 60'000));
}

}  // namespace

struct ManagedWorkers::Child {
  ManagedWorkerSpec spec;
  pid_t pid = 0;
  int pidfd = -1;
  absl::Time started;
  absl::Time restart_at;
  absl::Duration backoff = kFirstBackoff;
};

absl::StatusOr<std::unique_ptr<ManagedWorkers>> ManagedWorkers::Start(
    std::vector<ManagedWorkerSpec> specs, std::string address, std::string token,
    sdk::Logger& logger) {
  std::unique_ptr<ManagedWorkers> workers(
      new ManagedWorkers(std::move(specs), std::move(address), std::move(token), logger));
  workers->wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (workers->wake_fd_ < 0) {
    return absl::InternalError(
        absl::StrCat("cannot supervise managed workers: eventfd: ", std::strerror(errno)));
  }
  workers->supervisor_ = std::thread([raw = workers.get()] { raw->Supervise(); });
  return workers;
}

ManagedWorkers::ManagedWorkers(std::vector<ManagedWorkerSpec> specs, std::string address,
                               std::string token, sdk::Logger& logger)
    : address_(std::move(address)), token_(std::move(token)), logger_(logger) {
  for (ManagedWorkerSpec& spec : specs) {
    auto child = std::make_unique<Child>();
    child->spec = std::move(spec);
    children_.push_back(std::move(child));
  }
}

ManagedWorkers::~ManagedWorkers() {
  Stop(absl::Seconds(2));
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::map<std::string, pid_t> ManagedWorkers::Pids() const {
  absl::MutexLock lock(&mu_);
  return pids_;
}

void ManagedWorkers::Stop(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  if (!supervisor_.joinable()) return;
  stop_grace_ = grace;
  uint64_t one = 1;
  ssize_t written = write(wake_fd_, &one, sizeof one);
  (void)written;  // an eventfd write of 1 cannot fail short of overflow
  supervisor_.join();
}

void ManagedWorkers::Launch(Child& child) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> env_strings = {absl::StrCat("FLOWHOST_WORKER_ADDRESS=", address_),
                                          absl::StrCat("FLOWHOST_WORKER_TOKEN=", token_),
                                          absl::StrCat("FLOWHOST_WORKER_ID=", child.spec.name)};
  std::vector<char*> envp;
  for (char** var = environ; *var != nullptr; ++var) {
    if (!absl::StartsWith(*var, "FLOWHOST_WORKER_")) envp.push_back(*var);
  }
  for (std::string& var : env_strings) envp.push_back(var.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const std::string& arg : child.spec.command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // flowhost died before the line above
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // serve blocks SIGTERM and SIGINT in every thread
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(2, 1);  // the worker's output joins flowhost's stderr
    execvpe(argv[0], argv.data(), envp.data());
    const char message[] = "flowhost: cannot run a managed worker's command\n";
    ssize_t ignored = write(2, message, sizeof message - 1);
    (void)ignored;
    _exit(127);
  }
  if (pid < 0) {
    logger_.Log(sdk::LogLevel::kError,
                absl::StrCat("cannot start managed worker '", child.spec.name,
                             "': fork: ", std::strerror(errno)),
                sdk::Json{{"worker", child.spec.name}});
    child.restart_at = absl::Now() + child.backoff;
    child.backoff = std::min(child.backoff * 2, kMaxBackoff);
    return;
  }
  child.pid = pid;
  child.pidfd = PidfdOpen(pid);
  child.started = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    pids_[child.spec.name] = pid;
  }
  logger_.Log(sdk::LogLevel::kInfo,
              absl::StrCat("started managed worker '", child.spec.name, "' (pid ", pid,
                           "): ", child.spec.command.front()),
              sdk::Json{{"worker", child.spec.name}, {"pid", pid}});
}

void ManagedWorkers::Reap(Child& child) {
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (child.pidfd >= 0) close(child.pidfd);
  const absl::Time now = absl::Now();
  if (now - child.started >= kHealthyRun) child.backoff = kFirstBackoff;
  child.restart_at = now + child.backoff;
  logger_.Log(sdk::LogLevel::kWarning,
              absl::StrCat(
                  "managed worker '", child.spec.name, "' (pid ", child.pid, ") ", ExitText(status),
                  restarting_.load()
                      ? absl::StrCat("; starting it again in ", absl::FormatDuration(child.backoff))
                      : std::string("; not started again: the host is "
                                    "shutting down")),
              sdk::Json{{"worker", child.spec.name}, {"pid", child.pid}});
  child.backoff = std::min(child.backoff * 2, kMaxBackoff);
  child.pid = 0;
  child.pidfd = -1;
  absl::MutexLock lock(&mu_);
  pids_[child.spec.name] = 0;
}

void ManagedWorkers::Supervise() {
  NameCurrentThread("fh-workers");
  for (auto& child : children_) Launch(*child);
  while (true) {
    std::vector<pollfd> fds = {{wake_fd_, POLLIN, 0}};
    std::vector<Child*> watched;
    int timeout_ms = -1;
    for (auto& child : children_) {
      if (child->pid > 0 && child->pidfd >= 0) {
        fds.push_back({child->pidfd, POLLIN, 0});
        watched.push_back(child.get());
      } else if (child->pid == 0 && restarting_.load()) {
        const int wait = MillisUntil(child->restart_at);
        timeout_ms = timeout_ms < 0 ? wait : std::min(timeout_ms, wait);
      } else {
        timeout_ms = timeout_ms < 0 ? 100 : std::min(timeout_ms, 100);  // no pidfd: poll waitpid
      }
    }
    if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;  // Stop
    for (size_t i = 0; i < watched.size(); ++i) {
      if (fds[i + 1].revents != 0) Reap(*watched[i]);
    }
    for (auto& child : children_) {
      if (child->pid > 0 && child->pidfd < 0 && waitpid(child->pid, nullptr, WNOHANG) != 0) {
        child->pidfd = -1;
        Reap(*child);
      }
      if (child->pid == 0 && restarting_.load() && absl::Now() >= child->restart_at) {
        Launch(*child);
      }
    }
  }

  // Stopping: SIGTERM, the grace, SIGKILL; every child reaped.
  for (auto& child : children_) {
    if (child->pid > 0) kill(child->pid, SIGTERM);
  }
  const absl::Time deadline = absl::Now() + stop_grace_;
  for (auto& child : children_) {
    while (child->pid > 0) {
      int status = 0;
      pid_t done = waitpid(child->pid, &status, WNOHANG);
      if (done == child->pid || (done < 0 && errno != EINTR)) break;
      if (absl::Now() >= deadline) {
        kill(child->pid, SIGKILL);
        while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      if (child->pidfd >= 0) {
        pollfd fd = {child->pidfd, POLLIN, 0};
        poll(&fd, 1, MillisUntil(deadline));
      } else {
        absl::SleepFor(absl::Milliseconds(10));
      }
    }
    if (child->pidfd >= 0) close(child->pidfd);
    if (child->pid > 0) {
      logger_.Log(
          sdk::LogLevel::kInfo,
          absl::StrCat("stopped managed worker '", child->spec.name, "' (pid ", child->pid, ")"),
          sdk::Json{{"worker", child->spec.name}});
    }
    child->pid = 0;
    child->pidfd = -1;
  }
  absl::MutexLock lock(&mu_);
  pids_.clear();
}

}  // namespace flowhost::remote
