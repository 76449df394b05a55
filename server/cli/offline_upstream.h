// `--offline` for `flowhost run` and `flowhost serve`: the bundled fake OpenRouter
// (tests/fake_openrouter, the `fake_openrouter` program) started as a child process on a free
// loopback port, and the host configuration pointed at it, so a workflow runs with no key and no
// network. Its answers are canned ("Fake answer to: ...") and its catalogue is the project's copy
// (tests/fake_openrouter/data/openrouter-models.json).
//
// The program is found, in this order: the FLOWHOST_FAKE_OPENROUTER environment variable (a path);
// `fake_openrouter` in the directory of the running flowhost binary (an installed layout); the
// build tree's tests/fake_openrouter/fake_openrouter (compiled in when the tests are built). When a
// file `openrouter-models.json` sits next to the program it is served as the catalogue; otherwise
// the program's own default.
//
// The fake is a separate, event-driven process: flowhost talks to it through its one HTTP client
// like to OpenRouter, so nothing about the host's threading changes. It runs in a process group of
// its own (a terminal's Ctrl-C reaches flowhost, which then stops it in order) and dies with
// flowhost's main thread (PR_SET_PDEATHSIG) if flowhost is killed.
//
// Ownership: the object owns the child; the destructor stops it (SIGTERM, then SIGKILL after a
// grace period) and reaps it. Thread-safety: create, use and destroy from one thread (the verb's
// main thread, which must outlive the child: PR_SET_PDEATHSIG follows the creating thread).
#ifndef FLOWHOST_SERVER_CLI_OFFLINE_UPSTREAM_H_
#define FLOWHOST_SERVER_CLI_OFFLINE_UPSTREAM_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/child_process.h"
#include "server/config/host_config.h"

namespace flowhost::cli {

class OfflineUpstream {
 public:
  // The environment variable naming the fake's program, and the key the fake accepts.
  static constexpr char kProgramVariable[] = "FLOWHOST_FAKE_OPENROUTER";
  static constexpr char kFakeApiKey[] = "sk-or-v1-fake";

  // Finds the program (see above). NOT_FOUND naming every place looked at.
  static absl::StatusOr<std::string> FindProgram(const config::GetEnvFunction& getenv);

  // Finds and starts the fake, and waits (at most `start_timeout`) for its `LISTENING <port>`
  // line. NOT_FOUND when there is no program; UNAVAILABLE when it does not start.
  static absl::StatusOr<std::unique_ptr<OfflineUpstream>> Start(
      const config::GetEnvFunction& getenv, absl::Duration start_timeout = absl::Seconds(30));

  ~OfflineUpstream();
  OfflineUpstream(const OfflineUpstream&) = delete;
  OfflineUpstream& operator=(const OfflineUpstream&) = delete;

  // Points the `openrouter` credential of `config` at the fake: its base_url, and its secret read
  // from a variable that only Environment() answers (so a real OPENROUTER_API_KEY or key file is
  // never sent, not even to the fake).
  void Apply(config::HostConfig& config) const;
  // `base` plus that variable, holding the fake's key.
  config::GetEnvFunction Environment(config::GetEnvFunction base) const;

  // "http://127.0.0.1:<port>/api/v1"
  const std::string& base_url() const { return base_url_; }
  const std::string& program() const { return program_; }
  pid_t pid() const { return child_ != nullptr ? child_->pid() : -1; }

 private:
  OfflineUpstream() = default;

  std::string program_;
  std::string base_url_;
  std::unique_ptr<common::ChildProcess> child_;
};

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_OFFLINE_UPSTREAM_H_
