#include "server/cli/offline_upstream.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/config/credential_config.h"

namespace flowhost::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kProgramName[] = "fake_openrouter";
constexpr char kCatalogueName[] = "openrouter-models.json";
// The variable the offline `openrouter` credential reads; only Environment() answers it.
constexpr char kKeyVariable[] = "FLOWHOST_OFFLINE_OPENROUTER_KEY";
constexpr int kStopGraceMs = 5000;

bool IsExecutable(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error) && access(path.c_str(), X_OK) == 0;
}

// The directory of the running binary, or empty.
fs::path OwnDirectory() {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : self.parent_path();
}

// Waits up to `timeout_ms` for `pid` to exit and reaps it; true when it was reaped.
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

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("died of signal ", WTERMSIG(status));
  return "stopped";
}

enum class LineRead { kLine, kClosed, kTimedOut };

// Reads one line from `fd` (without its newline) until `deadline`.
LineRead ReadLine(int fd, absl::Time deadline, std::string& line) {
  while (true) {
    int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) return LineRead::kTimedOut;
    pollfd entry{fd, POLLIN, 0};
    int ready = poll(&entry, 1, static_cast<int>(left_ms));
    if (ready < 0 && errno != EINTR) return LineRead::kClosed;
    if (ready <= 0) continue;
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return LineRead::kClosed;
    if (c == '\n') return LineRead::kLine;
    line.push_back(c);
  }
}

}  // namespace

absl::StatusOr<std::string> OfflineUpstream::FindProgram(const config::GetEnvFunction& getenv) {
  std::vector<std::string> looked;
  if (std::optional<std::string> named = getenv ? getenv(kProgramVariable) : std::nullopt;
      named.has_value() && !named->empty()) {
    if (IsExecutable(*named)) return *named;
    return absl::NotFoundError(
        absl::StrCat(kProgramVariable, " names '", *named, "', which is not an executable file"));
  }
  looked.push_back(absl::StrCat(kProgramVariable, " (unset)"));
  if (fs::path own = OwnDirectory(); !own.empty()) {
    fs::path beside = own / kProgramName;
    if (IsExecutable(beside)) return beside.string();
    looked.push_back(beside.string());
  }
#ifdef FLOWHOST_BUILD_TREE_FAKE_OPENROUTER
  if (IsExecutable(FLOWHOST_BUILD_TREE_FAKE_OPENROUTER)) return FLOWHOST_BUILD_TREE_FAKE_OPENROUTER;
  looked.push_back(FLOWHOST_BUILD_TREE_FAKE_OPENROUTER);
#endif
  return absl::NotFoundError(absl::StrCat(
      "--offline needs the bundled fake OpenRouter (", kProgramName,
      "), and it is not built or installed; looked at: ", absl::StrJoin(looked, ", "),
      ". Build it (cmake --build --preset dev --target fake_openrouter), put it next to flowhost, "
      "or set ",
      kProgramVariable, " to its path"));
}

absl::StatusOr<std::unique_ptr<OfflineUpstream>> OfflineUpstream::Start(
    const config::GetEnvFunction& getenv, absl::Duration start_timeout) {
  absl::StatusOr<std::string> program = FindProgram(getenv);
  if (!program.ok()) return program.status();

  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = {*program, "--host",    "127.0.0.1", "--port",
                                   "0",      "--api-key", kFakeApiKey};
  if (fs::path catalogue = fs::path(*program).parent_path() / kCatalogueName;
      fs::is_regular_file(catalogue)) {
    args.push_back("--catalogue");
    args.push_back(catalogue.string());
  }
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
    int error = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return absl::UnavailableError(
        absl::StrCat("cannot start ", *program, ": fork: ", std::strerror(error)));
  }
  if (pid == 0) {
    // `serve` blocks SIGTERM and SIGINT in every thread; the mask survives exec, so unblock them.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(pipe_fds[1], STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);

  std::unique_ptr<OfflineUpstream> upstream(new OfflineUpstream());
  upstream->program_ = *program;
  upstream->pid_ = pid;  // from here on, the destructor stops it
  std::string line;
  LineRead read = ReadLine(pipe_fds[0], absl::Now() + start_timeout, line);
  close(pipe_fds[0]);  // the fake prints nothing more on stdout (and ignores SIGPIPE)
  constexpr std::string_view kListening = "LISTENING ";
  int port = 0;
  if (read == LineRead::kLine && line.rfind(kListening, 0) == 0) {
    port = std::atoi(line.c_str() + kListening.size());
  }
  if (port <= 0) {
    int status = 0;
    std::string why;
    // Its output closed: it is exiting, so it is reaped soon (the destructor stops it otherwise).
    if (ReapWithin(pid, read == LineRead::kClosed ? kStopGraceMs : 0, &status)) {
      upstream->pid_ = -1;
      why = DescribeExit(status) + " before listening";
    } else if (read == LineRead::kLine) {
      why = "printed '" + line + "' instead of LISTENING <port>";
    } else if (read == LineRead::kClosed) {
      why = "closed its output before listening";
    } else {
      why = "did not say LISTENING within " + absl::FormatDuration(start_timeout);
    }
    return absl::UnavailableError(absl::StrCat("the bundled fake OpenRouter (", *program, ") ", why,
                                               "; its messages are above"));
  }
  upstream->base_url_ = absl::StrCat("http://127.0.0.1:", port, "/api/v1");
  return upstream;
}

OfflineUpstream::~OfflineUpstream() {
  if (pid_ <= 0) return;
  int status = 0;
  kill(pid_, SIGTERM);
  if (!ReapWithin(pid_, kStopGraceMs, &status)) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
}

void OfflineUpstream::Apply(config::HostConfig& config) const {
  config::CredentialConfig& openrouter = config.credentials[config::kDefaultCredentialName];
  openrouter.from_file.clear();
  openrouter.from_env = kKeyVariable;
  openrouter.attributes["base_url"] = base_url_;
}

config::GetEnvFunction OfflineUpstream::Environment(config::GetEnvFunction base) const {
  return [base = std::move(base)](const std::string& name) -> std::optional<std::string> {
    if (name == kKeyVariable) return std::string(kFakeApiKey);
    return base ? base(name) : std::nullopt;
  };
}

}  // namespace flowhost::cli
