#include "server/cli/offline_upstream.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string_view>
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

  std::vector<std::string> args = {*program, "--host",    "127.0.0.1", "--port",
                                   "0",      "--api-key", kFakeApiKey};
  if (fs::path catalogue = fs::path(*program).parent_path() / kCatalogueName;
      fs::is_regular_file(catalogue)) {
    args.push_back("--catalogue");
    args.push_back(catalogue.string());
  }
  absl::StatusOr<std::unique_ptr<common::ChildProcess>> child = common::ChildProcess::Spawn(
      std::move(args), {.own_process_group = true, .null_stdin = true});
  if (!child.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot start ", *program, ": ", child.status().message()));
  }
  std::unique_ptr<OfflineUpstream> upstream(new OfflineUpstream());
  upstream->program_ = *program;
  upstream->child_ = *std::move(child);  // from here on, the destructor stops it
  absl::StatusOr<std::string> line = upstream->child_->ReadLine(
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(start_timeout));
  constexpr std::string_view kListening = "LISTENING ";
  int port = 0;
  if (line.ok() && line->rfind(kListening, 0) == 0) {
    port = std::atoi(line->c_str() + kListening.size());
  }
  if (port <= 0) {
    std::string why;
    if (line.ok()) {
      why = "printed '" + *line + "' instead of LISTENING <port>";
    } else if (absl::IsUnavailable(line.status())) {
      // Its output closed: it is exiting. Stop reaps it and says how it ended.
      absl::Status ended = upstream->child_->Stop(kStopGraceMs);
      why = ended.ok() || absl::IsDeadlineExceeded(ended)
                ? "closed its output before listening"
                : absl::StrCat(ended.message(), " before listening");
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
  if (child_ != nullptr) child_->Stop(kStopGraceMs).IgnoreError();
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
