// `flowhost run --offline` and `flowhost serve --offline`: the bundled fake OpenRouter is started
// on loopback, said so, used with no key, and never outlives flowhost (normal exit, SIGTERM, a
// kill, or a fake that will not start). The fake is started through a wrapper script named by
// FLOWHOST_FAKE_OPENROUTER that records its pid, so the tests can see it go.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/cli/commands.h"
#include "tests/cli/run_binary.h"
#include "tests/fake_openrouter/child_process.h"

namespace flowhost::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// No key and an unusable endpoint: whatever works below works offline.
const std::map<std::string, std::string> kNoUpstream = {
    {"OPENROUTER_API_KEY", ""}, {"OPENROUTER_BASE_URL", "http://127.0.0.1:1/api/v1"}};

// True while `pid` runs (not gone, not a zombie waiting to be reaped).
bool ProcessExists(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t end_of_name = text.rfind(')');
  if (end_of_name == std::string::npos || end_of_name + 2 >= text.size()) return false;
  char state = text[end_of_name + 2];
  return state != 'Z' && state != 'X';
}

// True once `pid` has exited, waiting at most `timeout` (on a pidfd: it becomes readable when the
// process exits).
bool GoneWithin(pid_t pid, std::chrono::milliseconds timeout) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return !ProcessExists(pid);  // ESRCH: already gone
  pollfd entry{pidfd, POLLIN, 0};
  poll(&entry, 1, static_cast<int>(timeout.count()));
  close(pidfd);
  return !ProcessExists(pid);
}

class OfflineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("flowhost_offline_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    pid_file_ = dir_ / "fake.pid";
    wrapper_ = dir_ / "fake_openrouter";
    std::ofstream(wrapper_) << "#!/bin/sh\necho $$ > '" << pid_file_.string() << "'\nexec '"
                            << FakeOpenRouterBinary() << "' \"$@\"\n";
    fs::permissions(wrapper_, fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::map<std::string, std::string> Env() const {
    std::map<std::string, std::string> env = kNoUpstream;
    env["FLOWHOST_FAKE_OPENROUTER"] = wrapper_.string();
    return env;
  }

  // The pid the wrapper recorded (the fake's, after exec), or -1.
  pid_t FakePid() const {
    std::ifstream in(pid_file_);
    pid_t pid = -1;
    in >> pid;
    return pid;
  }

  fs::path dir_;
  fs::path pid_file_;
  fs::path wrapper_;
};

TEST_F(OfflineTest, RunOfflineAnswersFromTheBundledFakeWithNoKeyAndSaysSo) {
  BinaryResult r = RunBinary({FlowhostBinary(), "run", SourcePath("workflows/ask.yaml"),
                              "--offline", "--input", R"({"question": "What is a monad?"})"},
                             Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json items = nlohmann::json::parse(r.out);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["content"], "Fake answer to: What is a monad?");
  EXPECT_THAT(r.err, HasSubstr("flowhost: offline: OpenRouter calls go to the bundled fake "
                               "OpenRouter at http://127.0.0.1:"));
  pid_t fake = FakePid();
  ASSERT_GT(fake, 0);
  EXPECT_FALSE(ProcessExists(fake)) << "the fake outlived flowhost run";
}

TEST_F(OfflineTest, RunOfflineFindsTheBuildTreesFakeWithNothingConfigured) {
  std::map<std::string, std::string> env = kNoUpstream;
  env["FLOWHOST_FAKE_OPENROUTER"] = "";
  BinaryResult r = RunBinary({FlowhostBinary(), "run", SourcePath("workflows/ask.yaml"),
                              "--offline", "--input", R"({"question": "hi"})"},
                             env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Fake answer to: hi"));
}

TEST_F(OfflineTest, WithoutOfflineTheMissingKeySaysToRunAgainOrGoOfflineNotToRestartAServer) {
  BinaryResult r = RunBinary({FlowhostBinary(), "run", SourcePath("workflows/ask.yaml"), "--input",
                              R"({"question": "hi"})"},
                             kNoUpstream);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("OPENROUTER_API_KEY"));
  EXPECT_THAT(r.err, HasSubstr("run again"));
  EXPECT_THAT(r.err, HasSubstr("--offline"));
  EXPECT_THAT(r.err, Not(HasSubstr("restart")));
}

TEST_F(OfflineTest, RunOfflineWithAFakeThatIsNotThereSaysWhereItLookedAndExitsTwo) {
  std::map<std::string, std::string> env = kNoUpstream;
  env["FLOWHOST_FAKE_OPENROUTER"] = (dir_ / "no-such-program").string();
  BinaryResult r = RunBinary(
      {FlowhostBinary(), "run", SourcePath("workflows/ask.yaml"), "--offline", "--input", "{}"},
      env, 30000);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("FLOWHOST_FAKE_OPENROUTER names"));
  EXPECT_THAT(r.err, HasSubstr("no-such-program"));
}

TEST_F(OfflineTest, RunOfflineWithAFakeThatExitsAtOnceFailsAtOnceWithoutHanging) {
  std::ofstream(wrapper_, std::ios::trunc) << "#!/bin/sh\necho broken >&2\nexit 3\n";
  BinaryResult r = RunBinary(
      {FlowhostBinary(), "run", SourcePath("workflows/ask.yaml"), "--offline", "--input", "{}"},
      Env(), 30000);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exited with status 3 before listening"));
  EXPECT_THAT(r.err, HasSubstr("broken"));  // its own message reaches stderr
}

TEST_F(OfflineTest, RunOfflineStopsTheFakeWhenInterrupted) {
  std::ofstream(dir_ / "slow.yaml") << "name: slow\nnodes:\n  - name: pause\n    type: wait\n"
                                       "    params: {duration: 60s}\n";
  std::vector<std::string> argv = {FlowhostBinary(), "run", (dir_ / "slow.yaml").string(),
                                   "--offline"};
  for (const auto& [key, value] : Env()) setenv(key.c_str(), value.c_str(), 1);
  auto child = fake_openrouter::ChildProcess::Spawn(argv);
  for (const auto& [key, value] : Env()) unsetenv(key.c_str());
  ASSERT_TRUE(child.ok()) << child.status();
  // The pid file appears once flowhost has started the fake (a file has no event to wait on here).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (FakePid() <= 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_t fake = FakePid();
  ASSERT_GT(fake, 0);
  absl::Status stopped = (*child)->Stop();  // SIGTERM
  EXPECT_TRUE(GoneWithin(fake, std::chrono::seconds(10))) << "the fake outlived flowhost run";
  (void)stopped;  // interrupted: exit 1 (cancelled) or killed by the signal before its handler
}

TEST_F(OfflineTest, ServeOfflineServesCallAndListWithNothingExtraAndStopsTheFakeOnSigterm) {
  for (const auto& [key, value] : Env()) setenv(key.c_str(), value.c_str(), 1);
  auto server = fake_openrouter::ChildProcess::Spawn(
      {FlowhostBinary(), "serve", "--offline", "--listen", "127.0.0.1:0", "--workflows",
       SourcePath("workflows"), "--store", "none", "--log-level", "warning"});
  for (const auto& [key, value] : Env()) unsetenv(key.c_str());
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> line =
      (*server)->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(60));
  ASSERT_TRUE(line.ok()) << line.status();
  ASSERT_THAT(*line, HasSubstr("LISTENING "));
  std::string target = "127.0.0.1:" + line->substr(std::string("LISTENING ").size());
  pid_t fake = FakePid();
  ASSERT_GT(fake, 0);
  EXPECT_TRUE(ProcessExists(fake));

  std::ostringstream out, err;
  EXPECT_EQ(
      cli::CallCommand({"ask", "--target", target, "--input", R"({"question": "hi"})"}, out, err),
      cli::kExitOk)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("Fake answer to: hi"));

  std::ostringstream list_out, list_err;
  EXPECT_EQ(cli::ListCommand({"--target", target}, list_out, list_err), cli::kExitOk)
      << list_err.str();
  EXPECT_THAT(list_out.str(), HasSubstr("ask "));
  EXPECT_THAT(list_out.str(), HasSubstr("loaded"));

  EXPECT_TRUE((*server)->Stop().ok());  // SIGTERM: drains and exits 0
  EXPECT_TRUE(GoneWithin(fake, std::chrono::seconds(10))) << "the fake outlived flowhost serve";
}

TEST_F(OfflineTest, AKilledServerTakesItsFakeWithIt) {
  for (const auto& [key, value] : Env()) setenv(key.c_str(), value.c_str(), 1);
  auto server = fake_openrouter::ChildProcess::Spawn(
      {FlowhostBinary(), "serve", "--offline", "--listen", "127.0.0.1:0", "--workflows",
       SourcePath("workflows"), "--store", "none", "--log-level", "error"});
  for (const auto& [key, value] : Env()) unsetenv(key.c_str());
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE(
      (*server)->ReadLine(std::chrono::steady_clock::now() + std::chrono::seconds(60)).ok());
  pid_t fake = FakePid();
  ASSERT_GT(fake, 0);
  kill((*server)->pid(), SIGKILL);
  (*server)->Stop().IgnoreError();  // reaps it
  EXPECT_TRUE(GoneWithin(fake, std::chrono::seconds(10))) << "the fake outlived a killed server";
}

}  // namespace
}  // namespace flowhost::testing
