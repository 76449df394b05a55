// The workflows of one directory, compiled and kept current: what `flowhost serve` runs by name.
//
// Every `*.yaml` / `*.yml` file directly in the directory is loaded at Open. While watching, the
// directory is observed with inotify; any change triggers a rescan that reloads exactly the files
// whose content changed, one file at a time and atomically per file:
//   * a file that loads replaces its previous version (executions already running keep the old one:
//     workflows are immutable and shared);
//   * a file that does not load keeps serving its last good version (state STALE) and reports its
//     diagnostics, which are also logged; a file that never loaded is FAILED and cannot run;
//   * a deleted file's workflow is no longer served.
// After every rescan, the `execute_workflow` calls of each loaded workflow are checked against the
// workflows served (target names with did-you-mean, and inputs): what is wrong is a warning on the
// caller's entry and in the log, never a load failure, so that changing one file cannot stop the
// workflows that call it.
// A workflow is known by its `name` field; a file that serves nothing (FAILED) is listed under its
// file name without extension, which may be the name of another file's workflow: names are unique
// among the workflows served, not among broken files, so a broken file never hides a good one. Two
// files defining the same name: the first in file-name order wins, the other is FAILED.
//
// Ownership: the host owns the store; the store owns its watcher thread (the only thread that reads
// the directory while watching) and stops it in StopWatching or the destructor.
// Thread-safety: all methods may be called from any thread. Rescans are serialized.
#ifndef FLOWHOST_SERVER_SERVICE_WORKFLOW_STORE_H_
#define FLOWHOST_SERVER_SERVICE_WORKFLOW_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/sdk/logger.h"
#include "server/executor/executor.h"
#include "server/registry/node_type_registry.h"
#include "server/workflow/diagnostic.h"
#include "server/workflow/loader.h"
#include "server/workflow/workflow.h"

namespace flowhost::service {

class WorkflowStore : public executor::WorkflowResolver {
 public:
  // Compiles one file's text; `file` is the name diagnostics use. Must be reentrant.
  using LoadFunction =
      std::function<workflow::LoadResult(const std::string& file, std::string_view yaml)>;

  enum class LoadState {
    kLoaded,  // the file's current content is served
    kStale,   // the current content is broken; the last good version is served
    kFailed,  // broken and never loaded: nothing is served
  };

  // One file of the directory, as last seen.
  struct Entry {
    std::string name;                // the workflow's name, or the file stem when kFailed
    std::string file;                // relative to the directory
    workflow::WorkflowPtr workflow;  // the version served; null when kFailed
    LoadState state = LoadState::kFailed;
    std::vector<workflow::Diagnostic> diagnostics;  // of the latest load
    absl::Time loaded_at = absl::InfinitePast();    // when `workflow` was loaded

    // Where the entry sorts in List (by name, then file): unique, unlike names, so it is what a
    // page of ListWorkflows continues after.
    std::string list_key() const { return name + '\0' + file; }
  };

  struct Options {
    std::string directory;
    LoadFunction load;                        // required; see RegistryLoader
    sdk::Logger* logger = nullptr;            // optional; must outlive the store
    size_t max_file_bytes = 4 * 1024 * 1024;  // a larger file is reported broken, not read
  };

  // The usual LoadFunction: workflow::LoadWorkflow against `registry` (which must outlive it).
  static LoadFunction RegistryLoader(const registry::NodeTypeRegistry& registry,
                                     workflow::LoadLimits limits = {});

  // Loads every workflow file of `options.directory`. NOT_FOUND / FAILED_PRECONDITION when the
  // directory cannot be read; broken files are not an error (they are reported by List).
  static absl::StatusOr<std::unique_ptr<WorkflowStore>> Open(Options options);

  ~WorkflowStore() override;
  WorkflowStore(const WorkflowStore&) = delete;
  WorkflowStore& operator=(const WorkflowStore&) = delete;

  // Starts reloading on change (an inotify watcher thread). Idempotent.
  absl::Status StartWatching();
  // Stops the watcher thread. Idempotent; also done by the destructor.
  void StopWatching();

  // Reads the directory now and applies what changed. Returns how many files changed state.
  int Rescan();

  // Every file, sorted by list_key (workflow name, then file).
  std::vector<Entry> List() const;
  // The entry of the workflow called `name`, if any: the one served, else the first FAILED file
  // of that name.
  std::optional<Entry> Get(std::string_view name) const;
  // The served version of workflow `name`, or null (WorkflowResolver).
  workflow::WorkflowPtr Find(std::string_view name) const override;

  // Incremented each time a rescan changes anything. WaitForGeneration blocks until the generation
  // exceeds `after` or `timeout` passes, and returns whether it did (for tests and tools).
  uint64_t generation() const;
  bool WaitForGeneration(uint64_t after, absl::Duration timeout) const;

  const std::string& directory() const { return options_.directory; }

 private:
  explicit WorkflowStore(Options options);

  // One file as last read.
  struct FileState {
    std::string text;  // the content last read (compared to detect changes)
    bool read_failed = false;
    Entry entry;
  };

  void Log(sdk::LogLevel level, std::string_view message, const sdk::Json& fields) const;
  Entry LoadFile(const std::string& file, const std::string& text, const Entry* previous) const;
  void RebuildIndex() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds to each loaded entry of the index a warning for every execute_workflow call that names a
  // workflow not served or passes inputs its target does not accept (CheckSubWorkflowCalls).
  void CheckSubWorkflowCallsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The index's entries by file: what List reports for each file.
  std::map<std::string, Entry> IndexByFileLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WatchLoop(int inotify_fd, int stop_fd);

  const Options options_;
  absl::Mutex rescan_mu_;  // serializes Rescan; taken before mu_
  mutable absl::Mutex mu_;
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);  // by file name
  // What List/Get/Find see: files_ by workflow name (served names unique; FAILED files may share
  // one), in file-name order within a name.
  std::multimap<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex watch_mu_;
  std::thread watcher_ ABSL_GUARDED_BY(watch_mu_);
  int inotify_fd_ ABSL_GUARDED_BY(watch_mu_) = -1;
  int stop_fd_ ABSL_GUARDED_BY(watch_mu_) = -1;  // an eventfd; written to stop the watcher
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_WORKFLOW_STORE_H_
