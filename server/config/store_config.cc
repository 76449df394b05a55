#include "server/config/store_config.h"

namespace flowhost::config {

std::string DefaultDataDir(
    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  if (std::optional<std::string> state = getenv("XDG_STATE_HOME")) return *state + "/flowhost";
  if (std::optional<std::string> home = getenv("HOME")) return *home + "/.local/state/flowhost";
  return "flowhost-data";
}

std::vector<std::string> StoreConfigProblems(const StoreConfig& store) {
  std::vector<std::string> problems;
  bool sqlite = store.backend == "sqlite";
  bool postgres = store.backend == "postgres";
  if (!sqlite && !postgres && store.backend != "none") {
    problems.push_back("store.backend: expected sqlite, postgres or none, got '" + store.backend +
                       "'");
  }
  if (store.sqlite_synchronous != "normal" && store.sqlite_synchronous != "full") {
    problems.push_back("store.sqlite.synchronous: expected normal or full, got '" +
                       store.sqlite_synchronous + "'");
  }
  if (store.save != "all" && store.save != "failed" && store.save != "none") {
    problems.push_back("store.save: expected all, failed or none, got '" + store.save + "'");
  }
  if (sqlite && store.data_dir.empty()) problems.push_back("store.data_dir: must not be empty");
  if (postgres && store.url.empty()) {
    problems.push_back(
        "store.url: the postgres store needs a connection URL (FLOWHOST_STORE_URL), such as "
        "postgresql://flowhost@db.internal/flowhost");
  }
  if (sqlite && store.replicas > 1) {
    problems.push_back("store.replicas: " + std::to_string(store.replicas) +
                       " replicas cannot share the sqlite store, which serves one process; set "
                       "store.backend: postgres and store.url to run several");
  }
  if (store.lease <= absl::ZeroDuration()) problems.push_back("store.lease: must be more than 0s");
  if (store.poll_interval <= absl::ZeroDuration()) {
    problems.push_back("store.poll_interval: must be more than 0s");
  }
  if (store.prune_interval <= absl::ZeroDuration()) {
    problems.push_back("store.prune_interval: must be more than 0s");
  }
  if (store.retention_max_age <= absl::ZeroDuration()) {
    problems.push_back("store.retention.max_age: must be more than 0s");
  }
  return problems;
}

}  // namespace flowhost::config
