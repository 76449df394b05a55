#include "server/common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flowhost::common {
namespace {

using Clock = std::chrono::steady_clock;

// Waits up to `timeout_ms` for the child to exit; true (with its wait status) when it was reaped.
bool ReapWithin(pid_t pid, int timeout_ms, int* status) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd entry{pidfd, POLLIN, 0};
    while (poll(&entry, 1, timeout_ms) < 0 && errno == EINTR) {
    }
    close(pidfd);
  }
  return waitpid(pid, status, pidfd >= 0 ? WNOHANG : 0) == pid;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(std::vector<std::string> args,
                                                                  Options options) {
  if (args.empty()) return absl::InvalidArgumentError("no program to run");
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
    // Only async-signal-safe calls until exec. A parent such as `serve` blocks SIGTERM and SIGINT
    // in every thread, and the mask survives exec: unblock them.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    if (options.own_process_group) setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (options.null_stdin) {
      int null_fd = open("/dev/null", O_RDONLY);
      if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    }
    dup2(pipe_fds[1], STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->name_ = args[0].substr(args[0].rfind('/') + 1);
  child->pid_ = pid;
  child->stdout_fd_ = pipe_fds[0];
  return child;
}

ChildProcess::~ChildProcess() {
  Stop().IgnoreError();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

absl::StatusOr<std::string> ChildProcess::ReadLine(Clock::time_point deadline) {
  std::string line;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " printed no full line in time; got \"", line, "\""));
    }
    pollfd entry{stdout_fd_, POLLIN, 0};
    int ready = poll(&entry, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;  // EINTR or time-out: the loop re-checks the deadline
    char c;
    ssize_t n = read(stdout_fd_, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat(name_, " closed its output (exited?) after \"", line, "\""));
    }
    if (c == '\n') return line;
    line.push_back(c);
  }
}

absl::Status ChildProcess::Stop(int grace_ms) {
  if (pid_ <= 0) return absl::OkStatus();
  int status = 0;
  kill(pid_, SIGTERM);
  const bool reaped = ReapWithin(pid_, grace_ms, &status);
  if (!reaped) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (!reaped) return absl::DeadlineExceededError(absl::StrCat(name_, " ignored SIGTERM; killed"));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(WIFEXITED(status)
                                 ? absl::StrCat(name_, " exited with status ", WEXITSTATUS(status))
                                 : absl::StrCat(name_, " died of signal ", WTERMSIG(status)));
}

}  // namespace flowhost::common
