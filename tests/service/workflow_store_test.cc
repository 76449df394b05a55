// The workflow store: a directory of workflow files, loaded at open and reloaded on change,
// atomically per file, keeping the last good version of a broken file.
#include "server/service/workflow_store.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/registry/builtin_nodes.h"
#include "tests/common/recording_logger.h"

namespace flowhost::service {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kEventTimeout = absl::Seconds(20);  // failure bound only

std::string Workflow(const std::string& name, const std::string& description) {
  return "name: " + name + "\ndescription: " + description + R"(
inputs:
  who: {type: string, default: world}
nodes:
  - name: greet
    type: set
    params:
      values:
        greeting: "Hello {{ $inputs.who }}"
)";
}

// A workflow whose second node has an unknown type (line 7, column 11).
constexpr char kBroken[] = R"(name: greeter
description: broken
nodes:
  - name: greet
    type: set
    params: {values: {a: 1}}
  - name: oops
    type: no.such.node
)";

using ::flowhost::testing::RecordingLogger;

// The state the latest line about `file` gave it, or "" when none did.
std::string LastStateOf(const RecordingLogger& logger, const std::string& file) {
  std::string state;
  for (const RecordingLogger::Line& line : logger.lines()) {
    if (line.fields.is_object() && line.fields.value("file", "") == file &&
        line.fields.contains("state")) {
      state = line.fields["state"].get<std::string>();
    }
  }
  return state;
}

class WorkflowStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(registry::RegisterBuiltinNodes(registry_).ok());
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("flowhost_store_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file, std::ios::binary | std::ios::trunc) << text;
  }
  // Writes a temporary file and renames it over `file`, as editors and config managers do.
  void WriteAtomically(const std::string& file, const std::string& text) {
    Write(".tmp-" + file, text);
    std::filesystem::rename(dir_ / (".tmp-" + file), dir_ / file);
  }

  WorkflowStore& Open() {
    WorkflowStore::Options options;
    options.directory = dir_.string();
    options.load = WorkflowStore::RegistryLoader(registry_);
    options.logger = &logger_;
    absl::StatusOr<std::unique_ptr<WorkflowStore>> store = WorkflowStore::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    return *store_;
  }

  // Waits, without sleeping, until `condition` holds after some reload.
  template <typename Condition>
  bool WaitUntil(Condition condition) {
    absl::Time deadline = absl::Now() + kEventTimeout;
    while (true) {
      uint64_t generation = store_->generation();
      if (condition()) return true;
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration() || !store_->WaitForGeneration(generation, left)) {
        return condition();
      }
    }
  }

  registry::NodeTypeRegistry registry_;
  std::filesystem::path dir_;
  RecordingLogger logger_;
  std::unique_ptr<WorkflowStore> store_;
};

TEST_F(WorkflowStoreTest, OpenLoadsEveryWorkflowFileAndIgnoresOthers) {
  Write("a.yaml", Workflow("alpha", "first"));
  Write("b.yml", Workflow("beta", "second"));
  Write("notes.txt", "not a workflow");
  Write(".hidden.yaml", "also ignored");
  WorkflowStore& store = Open();

  std::vector<WorkflowStore::Entry> entries = store.List();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "alpha");
  EXPECT_EQ(entries[0].file, "a.yaml");
  EXPECT_EQ(entries[0].state, WorkflowStore::LoadState::kLoaded);
  EXPECT_NE(entries[0].loaded_at, absl::InfinitePast());
  EXPECT_EQ(entries[1].name, "beta");
  ASSERT_NE(store.Find("beta"), nullptr);
  EXPECT_EQ(store.Find("beta")->description, "second");
  EXPECT_EQ(store.Find("gamma"), nullptr);
}

TEST_F(WorkflowStoreTest, MissingDirectoryIsNotFound) {
  WorkflowStore::Options options;
  options.directory = (dir_ / "absent").string();
  options.load = WorkflowStore::RegistryLoader(registry_);
  EXPECT_EQ(WorkflowStore::Open(std::move(options)).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WorkflowStoreTest, RescanWithoutChangesChangesNothing) {
  Write("a.yaml", Workflow("alpha", "first"));
  WorkflowStore& store = Open();
  workflow::WorkflowPtr before = store.Find("alpha");
  uint64_t generation = store.generation();
  EXPECT_EQ(store.Rescan(), 0);
  EXPECT_EQ(store.generation(), generation);
  EXPECT_EQ(store.Find("alpha"), before);  // not recompiled
}

TEST_F(WorkflowStoreTest, ChangedFileIsReloadedWhileRunningCopiesKeepTheOldVersion) {
  Write("a.yaml", Workflow("alpha", "first"));
  WorkflowStore& store = Open();
  ASSERT_TRUE(store.StartWatching().ok());
  workflow::WorkflowPtr running = store.Find("alpha");

  Write("a.yaml", Workflow("alpha", "changed"));
  ASSERT_TRUE(WaitUntil([&] {
    auto found = store.Find("alpha");
    return found != nullptr && found->description == "changed";
  }));
  EXPECT_EQ(running->description, "first");  // an execution holding it is unaffected
}

TEST_F(WorkflowStoreTest, AddedFileIsPickedUpIncludingAtomicRenames) {
  Write("a.yaml", Workflow("alpha", "first"));
  WorkflowStore& store = Open();
  ASSERT_TRUE(store.StartWatching().ok());

  Write("b.yaml", Workflow("beta", "new"));
  EXPECT_TRUE(WaitUntil([&] { return store.Find("beta") != nullptr; }));
  WriteAtomically("c.yaml", Workflow("gamma", "renamed into place"));
  EXPECT_TRUE(WaitUntil([&] { return store.Find("gamma") != nullptr; }));
  EXPECT_EQ(store.List().size(), 3u);  // the temporary file was never listed at the end
}

TEST_F(WorkflowStoreTest, DeletedFileIsNoLongerServed) {
  Write("a.yaml", Workflow("alpha", "first"));
  Write("b.yaml", Workflow("beta", "second"));
  WorkflowStore& store = Open();
  ASSERT_TRUE(store.StartWatching().ok());

  std::filesystem::remove(dir_ / "b.yaml");
  EXPECT_TRUE(WaitUntil([&] { return store.Find("beta") == nullptr; }));
  EXPECT_FALSE(store.Get("beta").has_value());
  EXPECT_NE(store.Find("alpha"), nullptr);
}

TEST_F(WorkflowStoreTest, BrokenFileKeepsItsLastGoodVersionAndReportsDiagnostics) {
  Write("greeter.yaml", Workflow("greeter", "good"));
  WorkflowStore& store = Open();
  ASSERT_TRUE(store.StartWatching().ok());

  Write("greeter.yaml", kBroken);
  ASSERT_TRUE(WaitUntil([&] {
    auto entry = store.Get("greeter");
    return entry.has_value() && entry->state == WorkflowStore::LoadState::kStale;
  }));
  std::optional<WorkflowStore::Entry> entry = store.Get("greeter");
  ASSERT_NE(entry->workflow, nullptr);
  EXPECT_EQ(entry->workflow->description, "good");  // still served
  EXPECT_EQ(store.Find("greeter")->description, "good");
  auto error_it = std::find_if(entry->diagnostics.begin(), entry->diagnostics.end(),
                               [](const workflow::Diagnostic& d) { return d.is_error(); });
  ASSERT_NE(error_it, entry->diagnostics.end());
  const workflow::Diagnostic& error = *error_it;
  EXPECT_EQ(error.location.file, "greeter.yaml");
  EXPECT_EQ(error.location.line, 8);
  EXPECT_THAT(error.message, HasSubstr("no.such.node"));

  Write("greeter.yaml", Workflow("greeter", "fixed"));  // fixing the file brings it back
  EXPECT_TRUE(WaitUntil([&] {
    auto fixed = store.Get("greeter");
    return fixed->state == WorkflowStore::LoadState::kLoaded &&
           fixed->workflow->description == "fixed" && fixed->diagnostics.empty();
  }));
}

TEST_F(WorkflowStoreTest, BrokenFileThatNeverLoadedIsFailedUnderItsFileName) {
  Write("greeter.yaml", kBroken);
  WorkflowStore& store = Open();
  std::optional<WorkflowStore::Entry> entry = store.Get("greeter");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->state, WorkflowStore::LoadState::kFailed);
  EXPECT_EQ(entry->workflow, nullptr);
  EXPECT_FALSE(entry->diagnostics.empty());
  EXPECT_EQ(store.Find("greeter"), nullptr);
}

TEST_F(WorkflowStoreTest, DuplicateNameFailsTheLaterFileUntilTheFirstGoesAway) {
  Write("a.yaml", Workflow("same", "from a"));
  Write("b.yaml", Workflow("same", "from b"));
  WorkflowStore& store = Open();
  EXPECT_EQ(store.Find("same")->description, "from a");
  // Listed under its file name without extension, as the API says of a file that serves nothing.
  std::optional<WorkflowStore::Entry> loser = store.Get("b");
  ASSERT_TRUE(loser.has_value());
  EXPECT_EQ(loser->file, "b.yaml");
  EXPECT_EQ(loser->state, WorkflowStore::LoadState::kFailed);
  EXPECT_THAT(loser->diagnostics.back().message, HasSubstr("already defined by a.yaml"));

  std::filesystem::remove(dir_ / "a.yaml");
  store.Rescan();
  EXPECT_EQ(store.Find("same")->description, "from b");
  EXPECT_EQ(store.List().size(), 1u);
}

// What the log says of each file is what ListWorkflows (List) says: a duplicate name is not
// logged as loaded, and a file that becomes served because the other one went away is logged.
TEST_F(WorkflowStoreTest, TheLogGivesEachFileTheLoadStateListGivesIt) {
  Write("a.yaml", Workflow("same", "from a"));
  Write("b.yaml", Workflow("same", "from b"));
  WorkflowStore& store = Open();
  auto expect_log_agrees_with_list = [&] {
    for (const WorkflowStore::Entry& entry : store.List()) {
      std::string listed = entry.state == WorkflowStore::LoadState::kLoaded  ? "loaded"
                           : entry.state == WorkflowStore::LoadState::kStale ? "stale"
                                                                             : "failed";
      EXPECT_EQ(LastStateOf(logger_, entry.file), listed) << entry.file;
    }
  };
  expect_log_agrees_with_list();
  EXPECT_EQ(LastStateOf(logger_, "b.yaml"), "failed");
  bool told_why = false;
  for (const RecordingLogger::Line& line : logger_.lines()) {
    if (line.fields.value("file", "") != "b.yaml") continue;
    EXPECT_NE(line.message, "workflow loaded");
    EXPECT_EQ(line.level, sdk::LogLevel::kError);
    told_why =
        told_why || line.fields.dump().find("already defined by a.yaml") != std::string::npos;
  }
  EXPECT_TRUE(told_why);

  std::filesystem::remove(dir_ / "a.yaml");
  store.Rescan();
  EXPECT_EQ(LastStateOf(logger_, "b.yaml"), "loaded");
  expect_log_agrees_with_list();
}

TEST_F(WorkflowStoreTest, ABrokenFileNamedLikeAnotherFilesWorkflowHidesNothing) {
  // greeter.yaml is broken (listed as "greeter"); hello.yaml serves the workflow named greeter.
  Write("greeter.yaml", "name: greeter\nnodes: [}\n");
  Write("hello.yaml", Workflow("greeter", "good"));
  WorkflowStore& store = Open();
  ASSERT_NE(store.Find("greeter"), nullptr);
  EXPECT_EQ(store.Find("greeter")->description, "good");
  EXPECT_EQ(store.Get("greeter")->file, "hello.yaml");  // the one served

  std::vector<WorkflowStore::Entry> entries = store.List();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "greeter");
  EXPECT_EQ(entries[0].file, "greeter.yaml");
  EXPECT_EQ(entries[0].state, WorkflowStore::LoadState::kFailed);
  EXPECT_EQ(entries[1].name, "greeter");
  EXPECT_EQ(entries[1].file, "hello.yaml");
  EXPECT_EQ(entries[1].state, WorkflowStore::LoadState::kLoaded);
  EXPECT_LT(entries[0].list_key(), entries[1].list_key());
}

constexpr char kSummarise[] = R"(name: summarise
inputs:
  text: {type: string, required: true}
nodes:
  - name: out
    type: set
    params: {values: {summary: "{{ $inputs.text }}"}}
)";

// Calls `target` with `inputs` (a YAML flow mapping) from line 5.
std::string Caller(const std::string& target, const std::string& inputs) {
  return "name: caller\nnodes:\n  - name: call\n    type: execute_workflow\n"
         "    params: {workflow: " + target + ", inputs: " + inputs + "}\n";
}

std::string WarningsLoggedFor(const RecordingLogger& logger, const std::string& file) {
  std::string warnings;
  for (const RecordingLogger::Line& line : logger.lines()) {
    if (line.fields.value("file", "") == file && line.fields.contains("warnings")) {
      EXPECT_EQ(line.level, sdk::LogLevel::kWarning);
      EXPECT_EQ(line.message, "workflow loaded with warnings");
      warnings = line.fields["warnings"].get<std::string>();
    }
  }
  return warnings;
}

// A call to a workflow the directory does not serve is found when the directory loads, at the
// parameter's line and column with a did-you-mean, as a warning: the caller is still served, and
// ListWorkflows and the log say the same.
TEST_F(WorkflowStoreTest, ACallToAMisspeltSubWorkflowIsAWarningAtItsLineAndColumn) {
  Write("summarise.yaml", kSummarise);
  Write("caller.yaml", Caller("sumarise", "{text: hi}"));
  WorkflowStore& store = Open();

  std::optional<WorkflowStore::Entry> caller = store.Get("caller");
  ASSERT_TRUE(caller.has_value());
  EXPECT_EQ(caller->state, WorkflowStore::LoadState::kLoaded);
  EXPECT_NE(store.Find("caller"), nullptr);
  const std::string expected =
      "caller.yaml:5:24: warning: no workflow named 'sumarise' among the loaded workflows (did "
      "you mean 'summarise'?)\n";
  EXPECT_EQ(workflow::FormatDiagnostics(caller->diagnostics), expected);
  EXPECT_EQ(WarningsLoggedFor(logger_, "caller.yaml"), expected);
  EXPECT_EQ(LastStateOf(logger_, "caller.yaml"), "loaded");
}

TEST_F(WorkflowStoreTest, InputsASubWorkflowDoesNotAcceptAreWarnings) {
  Write("summarise.yaml", kSummarise);
  Write("caller.yaml", Caller("summarise", "{txt: hi}"));
  WorkflowStore& store = Open();

  std::string diagnostics = workflow::FormatDiagnostics(store.Get("caller")->diagnostics);
  EXPECT_THAT(diagnostics, HasSubstr("caller.yaml:5:44: warning: workflow 'summarise' has no "
                                     "input 'txt' (did you mean 'text'?)"));
  EXPECT_THAT(diagnostics, HasSubstr("warning: workflow 'summarise' requires input 'text'"));
}

// The check follows the directory: removing the target warns on the caller, whose own file did
// not change, and bringing it back clears the warning. The caller is served throughout.
TEST_F(WorkflowStoreTest, RemovingACalledWorkflowWarnsOnItsCallerAndRestoringItClearsTheWarning) {
  Write("summarise.yaml", kSummarise);
  Write("caller.yaml", Caller("summarise", "{text: hi}"));
  WorkflowStore& store = Open();
  EXPECT_TRUE(store.Get("caller")->diagnostics.empty());

  std::filesystem::remove(dir_ / "summarise.yaml");
  store.Rescan();
  EXPECT_THAT(workflow::FormatDiagnostics(store.Get("caller")->diagnostics),
              HasSubstr("caller.yaml:5:24: warning: no workflow named 'summarise'"));
  EXPECT_THAT(WarningsLoggedFor(logger_, "caller.yaml"), HasSubstr("no workflow named"));
  EXPECT_NE(store.Find("caller"), nullptr);

  Write("summarise.yaml", kSummarise);
  store.Rescan();
  EXPECT_TRUE(store.Get("caller")->diagnostics.empty());
  EXPECT_EQ(LastStateOf(logger_, "caller.yaml"), "loaded");
  std::string last_about_caller;
  for (const RecordingLogger::Line& line : logger_.lines()) {
    if (line.fields.value("file", "") == "caller.yaml") last_about_caller = line.message;
  }
  EXPECT_EQ(last_about_caller, "workflow loaded");
}

}  // namespace
}  // namespace flowhost::service
