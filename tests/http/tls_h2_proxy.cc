#include "tests/http/tls_h2_proxy.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/http/http_test_support.h"

namespace flowhost::http::testing {
namespace {

bool OnPath(const char* program) {
  return std::system(absl::StrCat("command -v ", program, " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsH2Proxy>> TlsH2Proxy::Start(int backend_port) {
  for (const char* program : {"nghttpx", "openssl"}) {
    if (!OnPath(program)) {
      return absl::FailedPreconditionError(absl::StrCat(program, " is not installed"));
    }
  }
  std::unique_ptr<TlsH2Proxy> proxy(new TlsH2Proxy());
  std::string pattern = (std::filesystem::temp_directory_path() / "flowhost-h2-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  proxy->dir_ = pattern;
  proxy->ca_file_ = proxy->dir_ + "/cert.pem";
  const std::string key = proxy->dir_ + "/key.pem";
  std::string make_cert = absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 ",
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '", key, "' -out '",
      proxy->ca_file_, "' >/dev/null 2>&1");
  if (std::system(make_cert.c_str()) != 0) return absl::InternalError("openssl req failed");

  // nghttpx cannot listen on port 0; take a free port (a small race with other processes).
  proxy->port_ = UnusedPort();
  std::vector<std::string> args = {"nghttpx",
                                   "--conf=/dev/null",
                                   absl::StrCat("--frontend=127.0.0.1,", proxy->port_),
                                   absl::StrCat("--backend=127.0.0.1,", backend_port),
                                   "--workers=1",
                                   "--no-ocsp",
                                   "--backend-connections-per-host=256",
                                   "--errorlog-file=/dev/stderr",
                                   key,
                                   proxy->ca_file_};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int log_pipe[2];
  if (pipe2(log_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
    dup2(log_pipe[1], STDERR_FILENO);
    execvp("nghttpx", argv.data());
    _exit(127);
  }
  close(log_pipe[1]);
  proxy->pid_ = pid;
  proxy->log_reader_ = std::thread([raw = proxy.get(), fd = log_pipe[0]] { raw->ReadLog(fd); });

  // nghttpx logs "Listening on 127.0.0.1:<port>" once its socket is bound; connects then queue
  // until its worker accepts them.
  struct Wait {
    TlsH2Proxy* proxy;
    std::string line;
  } wait{proxy.get(), absl::StrCat("Listening on 127.0.0.1:", proxy->port_)};
  absl::MutexLock lock(&proxy->mu_);
  bool ready = proxy->mu_.AwaitWithTimeout(
      absl::Condition(
          +[](Wait* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return w->proxy->log_closed_ || w->proxy->log_.find(w->line) != std::string::npos;
          },
          &wait),
      absl::Seconds(30));
  if (!ready || proxy->log_.find(wait.line) == std::string::npos) {
    return absl::UnavailableError(absl::StrCat("nghttpx did not start: ", proxy->log_));
  }
  return proxy;
}

void TlsH2Proxy::ReadLog(int fd) {
  char buffer[4096];
  for (;;) {
    ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    absl::MutexLock lock(&mu_);
    log_.append(buffer, static_cast<size_t>(got));
  }
  close(fd);
  absl::MutexLock lock(&mu_);
  log_closed_ = true;
}

TlsH2Proxy::~TlsH2Proxy() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (log_reader_.joinable()) log_reader_.join();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string TlsH2Proxy::origin() const { return absl::StrCat("https://127.0.0.1:", port_); }

}  // namespace flowhost::http::testing
