// fake_openrouter: a local stand-in for OpenRouter's API, faithful enough to test and benchmark a
// client against it, failures included. Loopback only; never reaches the internet.
//
//   fake_openrouter [--host 127.0.0.1] [--port N] [--catalogue FILE] [--api-key KEY]...
//                   [--threads N] [--latency-ms N] [--seed N]
//
// The first line on stdout is exactly `LISTENING <port>` (flushed), so scripts and tests can start
// it with --port 0 and read the port. Accepted keys default to `sk-or-v1-fake`.
//
// The answer is deterministic: content = "Fake answer to: " + <the last user message's text>
// (`{"answer": "<same text>"}` as JSON text when response_format asks for JSON); token counts are
// ceil(characters / 4) of all messages' text and of the answer; cost = tokens x the catalogue's
// per-token prices. The built-in `fake/*` model ids, the X-Fake-Behavior header, the control
// endpoints and every behavior field are documented in tests/fake_openrouter/README.md.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fake_openrouter/catalogue.h"
#include "tests/fake_openrouter/fake_state.h"
#include "tests/fake_openrouter/server.h"

#ifndef FAKE_OPENROUTER_DEFAULT_CATALOGUE
#define FAKE_OPENROUTER_DEFAULT_CATALOGUE "tests/fake_openrouter/data/openrouter-models.json"
#endif

namespace {

using flowhost::fake_openrouter::Catalogue;
using flowhost::fake_openrouter::FakeConfig;
using flowhost::fake_openrouter::FakeState;
using flowhost::fake_openrouter::Server;
using flowhost::fake_openrouter::ServerOptions;

constexpr char kUsage[] =
    "usage: fake_openrouter [--host 127.0.0.1] [--port N] [--catalogue FILE] [--api-key KEY]...\n"
    "                       [--threads N] [--latency-ms N] [--seed N]\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "fake_openrouter: %s\n%s", message.c_str(), kUsage);
  return 2;
}

bool ParseInt(const std::string& text, long long min, long long max, long long* out) {
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min || value > max) return false;
  *out = value;
  return true;
}

// Lets one process hold many thousands of connections.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  FakeConfig config;
  std::string catalogue_path = FAKE_OPENROUTER_DEFAULT_CATALOGUE;
  std::vector<std::string> keys;

  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    size_t equals = flag.find('=');
    if (equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Fail(flag + " needs a value");
    }
    long long number = 0;
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      if (!ParseInt(value, 0, 65535, &number)) return Fail("--port must be 0..65535");
      options.port = static_cast<int>(number);
    } else if (flag == "--catalogue") {
      catalogue_path = value;
    } else if (flag == "--api-key") {
      if (value.empty()) return Fail("--api-key must not be empty");
      keys.push_back(value);
    } else if (flag == "--threads") {
      if (!ParseInt(value, 1, 256, &number)) return Fail("--threads must be 1..256");
      options.threads = static_cast<int>(number);
    } else if (flag == "--latency-ms") {
      if (!ParseInt(value, 0, 3600 * 1000, &number)) return Fail("--latency-ms must be >= 0");
      config.latency_ms = number;
    } else if (flag == "--seed") {
      if (!ParseInt(value, 0, (1LL << 62), &number)) return Fail("--seed must be >= 0");
      config.seed = static_cast<uint64_t>(number);
    } else {
      return Fail("unknown flag " + flag);
    }
  }
  if (!keys.empty()) config.api_keys = keys;

  absl::StatusOr<Catalogue> catalogue = Catalogue::Load(catalogue_path);
  if (!catalogue.ok()) return Fail(std::string(catalogue.status().message()));

  std::signal(SIGPIPE, SIG_IGN);
  RaiseOpenFileLimit();
  FakeState state(*std::move(catalogue), config);
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(options, &state);
  if (!server.ok()) return Fail(std::string(server.status().message()));

  std::printf("LISTENING %d\n", (*server)->port());
  std::fflush(stdout);
  (*server)->Run();
  return 0;
}
