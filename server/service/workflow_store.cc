#include "server/service/workflow_store.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/common/thread_name.h"
#include "server/workflow/sub_workflow_checks.h"

namespace flowhost::service {
namespace {

namespace fs = std::filesystem;

bool IsWorkflowFile(const fs::directory_entry& entry) {
  std::error_code error;
  if (!entry.is_regular_file(error)) return false;
  std::string name = entry.path().filename().string();
  if (name.empty() || name[0] == '.') return false;  // hidden files and editors' swap files
  std::string extension = entry.path().extension().string();
  return extension == ".yaml" || extension == ".yml";
}

std::string StateName(WorkflowStore::LoadState state) {
  switch (state) {
    case WorkflowStore::LoadState::kLoaded:
      return "loaded";
    case WorkflowStore::LoadState::kStale:
      return "stale";
    case WorkflowStore::LoadState::kFailed:
      return "failed";
  }
  return "failed";
}

workflow::Diagnostic FileDiagnostic(const std::string& file, std::string message) {
  workflow::Diagnostic diagnostic;
  diagnostic.location.file = file;
  diagnostic.message = std::move(message);
  return diagnostic;
}

// Reads `path` whole, refusing files larger than `max_bytes`.
absl::StatusOr<std::string> ReadFile(const fs::path& path, size_t max_bytes) {
  std::error_code error;
  uintmax_t size = fs::file_size(path, error);
  if (error) return absl::NotFoundError("cannot read the file: " + error.message());
  if (size > max_bytes) {
    return absl::InvalidArgumentError("the file is " + std::to_string(size) +
                                      " bytes, more than the limit of " +
                                      std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(std::string("cannot open the file: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

WorkflowStore::LoadFunction WorkflowStore::RegistryLoader(
    const registry::NodeTypeRegistry& registry, workflow::LoadLimits limits) {
  return [&registry, limits](const std::string& file, std::string_view yaml) {
    return workflow::LoadWorkflow(file, yaml, registry, limits);
  };
}

absl::StatusOr<std::unique_ptr<WorkflowStore>> WorkflowStore::Open(Options options) {
  if (!options.load) return absl::InvalidArgumentError("WorkflowStore needs a load function");
  std::error_code error;
  if (!fs::is_directory(options.directory, error)) {
    return absl::NotFoundError("the workflows directory '" + options.directory +
                               "' does not exist or is not a directory");
  }
  std::unique_ptr<WorkflowStore> store(new WorkflowStore(std::move(options)));
  store->Rescan();
  return store;
}

WorkflowStore::WorkflowStore(Options options) : options_(std::move(options)) {}

WorkflowStore::~WorkflowStore() { StopWatching(); }

void WorkflowStore::Log(sdk::LogLevel level, std::string_view message,
                        const sdk::Json& fields) const {
  if (options_.logger != nullptr && options_.logger->Enabled(level)) {
    options_.logger->Log(level, message, fields);
  }
}

WorkflowStore::Entry WorkflowStore::LoadFile(const std::string& file, const std::string& text,
                                             const Entry* previous) const {
  workflow::LoadResult result = options_.load(file, text);
  Entry entry;
  entry.file = file;
  entry.diagnostics = std::move(result.diagnostics);
  if (result.ok()) {
    entry.name = result.workflow->name;
    entry.workflow = std::move(result.workflow);
    entry.state = LoadState::kLoaded;
    entry.loaded_at = absl::Now();
  } else if (previous != nullptr && previous->workflow != nullptr) {
    entry.name = previous->name;
    entry.workflow = previous->workflow;
    entry.state = LoadState::kStale;
    entry.loaded_at = previous->loaded_at;
  } else {
    entry.name = fs::path(file).stem().string();
    entry.state = LoadState::kFailed;
  }
  return entry;
}

int WorkflowStore::Rescan() {
  absl::MutexLock rescan_lock(&rescan_mu_);

  // Read the directory without holding mu_: lookups go on while files load.
  std::map<std::string, std::string> texts;          // file -> content
  std::map<std::string, std::string> read_failures;  // file -> why
  std::error_code error;
  for (const auto& dir_entry : fs::directory_iterator(options_.directory, error)) {
    if (!IsWorkflowFile(dir_entry)) continue;
    std::string file = dir_entry.path().filename().string();
    absl::StatusOr<std::string> text = ReadFile(dir_entry.path(), options_.max_file_bytes);
    if (text.ok()) {
      texts[file] = *std::move(text);
    } else {
      read_failures[file] = std::string(sdk::AsStd(text.status().message()));
    }
  }
  if (error) {
    Log(sdk::LogLevel::kError, "cannot read the workflows directory",
        {{"directory", options_.directory}, {"error", error.message()}});
    return 0;
  }

  std::map<std::string, FileState> previous;
  {
    absl::MutexLock lock(&mu_);
    previous = files_;
  }

  std::map<std::string, FileState> changed;  // new states of the files that changed
  std::set<std::string> removed;
  for (const auto& [file, state] : previous) {
    if (!texts.contains(file) && !read_failures.contains(file)) removed.insert(file);
  }
  for (const auto& [file, text] : texts) {
    auto old = previous.find(file);
    if (old != previous.end() && !old->second.read_failed && old->second.text == text) continue;
    FileState state;
    state.text = text;
    state.entry = LoadFile(file, text, old != previous.end() ? &old->second.entry : nullptr);
    changed[file] = std::move(state);
  }
  for (const auto& [file, why] : read_failures) {
    auto old = previous.find(file);
    FileState state;
    state.read_failed = true;
    const Entry* last = old != previous.end() ? &old->second.entry : nullptr;
    state.entry.file = file;
    state.entry.diagnostics.push_back(FileDiagnostic(file, why));
    if (last != nullptr && last->workflow != nullptr) {
      state.entry.name = last->name;
      state.entry.workflow = last->workflow;
      state.entry.loaded_at = last->loaded_at;
      state.entry.state = LoadState::kStale;
    } else {
      state.entry.name = fs::path(file).stem().string();
      state.entry.state = LoadState::kFailed;
    }
    if (old != previous.end() && old->second.read_failed &&
        old->second.entry.diagnostics.front().message == why) {
      continue;  // still failing the same way: nothing new to report
    }
    changed[file] = std::move(state);
  }
  if (changed.empty() && removed.empty()) return 0;

  // What the index says of each file before and after: a file's state can change because another
  // file changed (a duplicate name that is now the only one), and what is logged must be what
  // List reports (a duplicate name is FAILED there, so it is not logged as loaded).
  std::map<std::string, Entry> indexed_before;
  std::map<std::string, Entry> indexed;
  std::set<std::string> shadowed;  // files that load but whose name another file serves
  {
    absl::MutexLock lock(&mu_);
    indexed_before = IndexByFileLocked();
    for (const std::string& file : removed) files_.erase(file);
    for (auto& [file, state] : changed) files_[file] = state;
    RebuildIndex();
    indexed = IndexByFileLocked();
    for (const auto& [file, entry] : indexed) {
      if (entry.state == LoadState::kFailed && files_[file].entry.workflow != nullptr) {
        shadowed.insert(file);
      }
    }
    ++generation_;
  }

  for (const std::string& file : removed) {
    Log(sdk::LogLevel::kInfo, "workflow file removed",
        {{"file", file}, {"workflow", previous[file].entry.name}});
  }
  for (const auto& [file, entry] : indexed) {
    if (!changed.contains(file)) {
      auto before = indexed_before.find(file);
      if (before != indexed_before.end() && before->second.state == entry.state &&
          before->second.name == entry.name &&
          before->second.diagnostics.size() == entry.diagnostics.size() &&
          workflow::FormatDiagnostics(before->second.diagnostics) ==
              workflow::FormatDiagnostics(entry.diagnostics)) {
        continue;  // neither its content nor its standing changed (nor what its calls find)
      }
    }
    sdk::Json fields = {
        {"file", file}, {"workflow", entry.name}, {"state", StateName(entry.state)}};
    if (entry.state == LoadState::kLoaded) {
      if (entry.diagnostics.empty()) {
        Log(sdk::LogLevel::kInfo, "workflow loaded", fields);
      } else {
        fields["warnings"] = workflow::FormatDiagnostics(entry.diagnostics);
        Log(sdk::LogLevel::kWarning, "workflow loaded with warnings", fields);
      }
    } else {
      fields["diagnostics"] = workflow::FormatDiagnostics(entry.diagnostics);
      Log(sdk::LogLevel::kError,
          shadowed.contains(file)
              ? "workflow file is not served: another file defines the same workflow name"
          : entry.state == LoadState::kStale
              ? "workflow file is broken; its last good version is still served"
              : "workflow file is broken and cannot be run",
          fields);
    }
  }
  return static_cast<int>(changed.size() + removed.size());
}

std::map<std::string, WorkflowStore::Entry> WorkflowStore::IndexByFileLocked() const {
  std::map<std::string, Entry> by_file;
  for (const auto& [name, entry] : entries_) by_file.emplace(entry.file, entry);
  return by_file;
}

void WorkflowStore::RebuildIndex() {
  entries_.clear();
  std::map<std::string, std::string, std::less<>> served_by;  // workflow name -> file
  for (const auto& [file, state] :
       files_) {  // file-name order: the first file defining a name wins
    Entry entry = state.entry;
    if (entry.workflow != nullptr) {
      auto [it, inserted] = served_by.emplace(entry.name, file);
      if (!inserted) {
        // A duplicate name: this file cannot be served under it. Its own state is kept, so it
        // comes back once the other file goes away.
        entry.diagnostics.push_back(FileDiagnostic(
            file, "workflow name '" + entry.name + "' is already defined by " + it->second));
        entry.state = LoadState::kFailed;
        entry.workflow = nullptr;
        entry.name = fs::path(file).stem().string();
      }
    }
    entries_.emplace(entry.name, std::move(entry));
  }
  CheckSubWorkflowCallsLocked();
}

void WorkflowStore::CheckSubWorkflowCallsLocked() {
  workflow::WorkflowSet set;
  std::map<std::string, workflow::WorkflowPtr, std::less<>> served;
  for (const auto& [name, entry] : entries_) {
    if (entry.workflow != nullptr && served.emplace(name, entry.workflow).second) {
      set.names.push_back(name);
    }
  }
  set.find = [&served](std::string_view name) -> workflow::WorkflowPtr {
    auto it = served.find(name);
    return it == served.end() ? nullptr : it->second;
  };
  for (auto& [name, entry] : entries_) {
    if (entry.state != LoadState::kLoaded) continue;  // a broken file already says what is wrong
    std::vector<workflow::Diagnostic> calls = workflow::CheckSubWorkflowCalls(*entry.workflow, set);
    if (calls.empty()) continue;
    // Warnings, not errors: the caller still loads, so that a change to one file never stops the
    // workflows that call it. The call itself fails when it runs, as it would have anyway.
    for (workflow::Diagnostic& diagnostic : calls) {
      diagnostic.severity = workflow::Diagnostic::Severity::kWarning;
    }
    entry.diagnostics.insert(entry.diagnostics.end(), calls.begin(), calls.end());
    workflow::SortDiagnostics(entry.diagnostics);
  }
}

std::vector<WorkflowStore::Entry> WorkflowStore::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Entry> entries;
  entries.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) entries.push_back(entry);
  return entries;
}

std::optional<WorkflowStore::Entry> WorkflowStore::Get(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto [begin, end] = entries_.equal_range(name);
  if (begin == end) return std::nullopt;
  for (auto it = begin; it != end; ++it) {
    if (it->second.workflow != nullptr) return it->second;
  }
  return begin->second;
}

workflow::WorkflowPtr WorkflowStore::Find(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto [begin, end] = entries_.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    if (it->second.workflow != nullptr) return it->second.workflow;
  }
  return nullptr;
}

uint64_t WorkflowStore::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

bool WorkflowStore::WaitForGeneration(uint64_t after, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto passed = [this, after]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return generation_ > after; };
  return mu_.AwaitWithTimeout(absl::Condition(&passed), timeout);
}

absl::Status WorkflowStore::StartWatching() {
  absl::MutexLock lock(&watch_mu_);
  if (watcher_.joinable()) return absl::OkStatus();
  int inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd < 0) {
    return absl::InternalError(std::string("inotify_init1: ") + std::strerror(errno));
  }
  // Close-after-write and renames cover editors (write in place, or write a temporary file and
  // rename it over the old one) without reading half-written files.
  constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                             IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB;
  if (inotify_add_watch(inotify_fd, options_.directory.c_str(), kMask) < 0) {
    int error = errno;
    close(inotify_fd);
    return absl::FailedPreconditionError("cannot watch the workflows directory '" +
                                         options_.directory + "': " + std::strerror(error));
  }
  int stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) {
    int error = errno;
    close(inotify_fd);
    return absl::InternalError(std::string("eventfd: ") + std::strerror(error));
  }
  inotify_fd_ = inotify_fd;
  stop_fd_ = stop_fd;
  watcher_ = std::thread([this, inotify_fd, stop_fd] {
    NameCurrentThread("fh-watcher");
    WatchLoop(inotify_fd, stop_fd);
  });
  return absl::OkStatus();
}

void WorkflowStore::StopWatching() {
  absl::MutexLock lock(&watch_mu_);
  if (!watcher_.joinable()) return;
  uint64_t one = 1;
  ssize_t written = write(stop_fd_, &one, sizeof one);
  (void)written;  // an eventfd write of 1 cannot fail short of overflow
  watcher_.join();
  close(inotify_fd_);
  close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
}

void WorkflowStore::WatchLoop(int inotify_fd, int stop_fd) {
  alignas(inotify_event) char buffer[16 * 1024];
  while (true) {
    pollfd fds[2] = {{inotify_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    int ready = poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      Log(sdk::LogLevel::kError, "workflow watcher stopped",
          {{"directory", options_.directory}, {"error", std::strerror(errno)}});
      return;
    }
    if (fds[1].revents != 0) return;
    // Drain every queued event: one rescan covers them all (and an overflowed queue too).
    bool directory_gone = false;
    while (true) {
      ssize_t length = read(inotify_fd, buffer, sizeof buffer);
      if (length <= 0) break;
      for (ssize_t at = 0; at < length;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        directory_gone |= (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    if (directory_gone) {
      Log(sdk::LogLevel::kError,
          "the workflows directory was removed or moved; the loaded workflows stay served",
          {{"directory", options_.directory}});
      return;
    }
    Rescan();
  }
}

}  // namespace flowhost::service
