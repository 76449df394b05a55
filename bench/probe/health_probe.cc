// flowhost_probe: waits until a gRPC server's standard health service (grpc.health.v1.Health/Check,
// whole server) answers SERVING, and says how long that took. With a command after `--`, it starts
// that command itself first, so the time is measured from the process start to SERVING (the
// start-up scenario); the command keeps running after the probe exits.
//
//   flowhost_probe --target 127.0.0.1:PORT [--timeout 30s] [--interval 1ms] [-- COMMAND ARGS...]
//
// Prints `SERVING_MS <ms>` (and `PID <pid>` for a started command) and exits 0; exits 1 when the
// server was not SERVING within the timeout or the command died first.
//
// The health messages are encoded by hand (an empty HealthCheckRequest asks about the whole server;
// the answer's field 1 is the status, 1 = SERVING) to need no generated health stubs.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"

namespace {

using Clock = std::chrono::steady_clock;

struct ProbeConfig {
  std::string target;
  absl::Duration timeout = absl::Seconds(30);
  absl::Duration interval = absl::Milliseconds(1);
  std::vector<std::string> command;
};

bool ParseArgs(int argc, char** argv, ProbeConfig& config) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--") {
      for (++i; i < argc; ++i) config.command.emplace_back(argv[i]);
      break;
    }
    if (i + 1 >= argc) return false;
    std::string value = argv[++i];
    if (flag == "--target") {
      config.target = value;
    } else if (flag == "--timeout") {
      if (!absl::ParseDuration(value, &config.timeout)) return false;
    } else if (flag == "--interval") {
      if (!absl::ParseDuration(value, &config.interval)) return false;
    } else {
      return false;
    }
  }
  return !config.target.empty();
}

// One Check call on a fresh channel (a channel that saw the port refused would wait out its
// reconnect back-off); true when the answer is SERVING.
bool IsServing(const std::string& target, grpc::CompletionQueue& cq) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  grpc::GenericStub stub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  // An empty HealthCheckRequest (the whole server): a buffer of one empty slice, since a
  // default-constructed ByteBuffer is not a message at all.
  grpc::Slice empty_message(std::string{});
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  if (!cq.Next(&tag, &ok) || !ok || !status.ok()) {
    if (getenv("FLOWHOST_PROBE_DEBUG") != nullptr) {
      std::fprintf(stderr, "check: ok=%d status=%d %s\n", ok, status.error_code(),
                   status.error_message().c_str());
    }
    return false;
  }
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes == std::string("\x08\x01", 2);  // status: SERVING
}

pid_t StartCommand(const std::vector<std::string>& command) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::perror("flowhost_probe: exec");
  _exit(127);
}

}  // namespace

int main(int argc, char** argv) {
  ProbeConfig config;
  if (!ParseArgs(argc, argv, config)) {
    std::fprintf(stderr,
                 "usage: flowhost_probe --target HOST:PORT [--timeout 30s] [--interval 1ms] "
                 "[-- COMMAND ARGS...]\n");
    return 2;
  }
  grpc::CompletionQueue cq;
  const Clock::time_point start = Clock::now();
  pid_t child = config.command.empty() ? 0 : StartCommand(config.command);
  if (child < 0) {
    std::perror("flowhost_probe: fork");
    return 1;
  }
  const Clock::time_point give_up = start + absl::ToChronoNanoseconds(config.timeout);
  int exit_code = 1;
  while (Clock::now() < give_up) {
    if (IsServing(config.target, cq)) {
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      std::printf("SERVING_MS %.1f\n", ms);
      exit_code = 0;
      break;
    }
    if (child > 0 && waitpid(child, nullptr, WNOHANG) == child) {
      std::fprintf(stderr, "flowhost_probe: the command exited before it was SERVING\n");
      child = 0;
      break;
    }
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(config.interval));
  }
  if (exit_code != 0 && child >= 0 && Clock::now() >= give_up) {
    std::fprintf(stderr, "flowhost_probe: %s not SERVING after %s\n", config.target.c_str(),
                 absl::FormatDuration(config.timeout).c_str());
  }
  if (child > 0) std::printf("PID %d\n", static_cast<int>(child));
  std::fflush(stdout);
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
  return exit_code;
}
