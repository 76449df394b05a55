// The real `flowhost serve` binary with TLS on its HTTP listener (http_server.tls.*): JSON calls
// and a Server-Sent Events stream over HTTPS with libcurl trusting the test's self-signed
// certificate, a plain-HTTP request to the TLS port closed without an answer (and the server going
// on), a client that leaves a TLS call cancelling it, mutual TLS, and bad TLS files stopping the
// start with a message naming the setting and the file.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli/run_binary.h"
#include "tests/fake_openrouter/blocking_http.h"
#include "tests/fake_openrouter/child_process.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/fake_openrouter/self_signed_certificate.h"

namespace flowhost::http_api {
namespace {

using fake_openrouter::BlockingHttp;
using fake_openrouter::HttpCall;
using fake_openrouter::HttpResponse;
using fake_openrouter::SelfSignedCertificate;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kTlsAsk[] = R"(name: ask
inputs:
  question: {type: string, required: true}
  model: {type: string, default: fake/ok}
nodes:
  - name: answer
    type: openrouter.chat
    params: {model: "{{ $inputs.model }}", prompt: "{{ $inputs.question }}"}
)";

// Sends `bytes` on a new plain TCP connection to `port` and reads until the server closes it or
// `timeout` passes. Sets `closed` when it closed.
std::string PlainExchange(int port, const std::string& bytes, std::chrono::milliseconds timeout,
                          bool& closed) {
  closed = false;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string received;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return received;
  }
  if (!bytes.empty()) send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd poll_fd{fd, POLLIN, 0};
    if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      closed = true;
      break;
    }
    received.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return received;
}

class HttpApiTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = fake_openrouter::FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("flowhost_http_tls_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "workflows");
    std::ofstream(dir_ / "workflows" / "ask.yaml") << kTlsAsk;
    std::ofstream(dir_ / "key.txt") << fake_->api_key() << "\n";
    auto server = fake_openrouter::MakeSelfSignedCertificate(dir_, "server");
    ASSERT_TRUE(server.ok()) << server.status();
    server_cert_ = *server;
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Stop().IgnoreError();
    std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> ServeArgs(std::vector<std::string> extra) const {
    std::vector<std::string> argv = {FLOWHOST_BINARY,
                                     "serve",
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--http-listen",
                                     "127.0.0.1:0",
                                     "--store",
                                     "none",
                                     "--workflows",
                                     (dir_ / "workflows").string(),
                                     "--openrouter-base-url",
                                     fake_->base_url(),
                                     "--openrouter-api-key-file",
                                     (dir_ / "key.txt").string(),
                                     "--log-level",
                                     "warning"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // Starts the server with TLS on the HTTP listener, and `extra` flags.
  void StartTlsServer(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--http-tls-cert-file", server_cert_.cert_file,
                                 "--http-tls-key-file", server_cert_.key_file});
    auto child = fake_openrouter::ChildProcess::Spawn(ServeArgs(std::move(extra)));
    ASSERT_TRUE(child.ok()) << child.status();
    server_ = *std::move(child);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    absl::StatusOr<std::string> grpc_line = server_->ReadLine(deadline);
    ASSERT_TRUE(grpc_line.ok()) << grpc_line.status();
    absl::StatusOr<std::string> http_line = server_->ReadLine(deadline);
    ASSERT_TRUE(http_line.ok()) << http_line.status();
    ASSERT_THAT(*http_line, HasSubstr("HTTP LISTENING "));
    http_port_ = std::stoi(http_line->substr(std::string("HTTP LISTENING ").size()));
  }

  // A call over HTTPS trusting the server's certificate.
  HttpCall Https(const std::string& method, const std::string& path,
                 const std::string& body = "") const {
    HttpCall call;
    call.method = method;
    call.url = "https://127.0.0.1:" + std::to_string(http_port_) + path;
    call.body = body;
    call.ca_file = server_cert_.cert_file;
    if (!body.empty()) call.headers.push_back("Content-Type: application/json");
    return call;
  }

  std::unique_ptr<fake_openrouter::FakeProcess> fake_;
  std::filesystem::path dir_;
  SelfSignedCertificate server_cert_;
  std::unique_ptr<fake_openrouter::ChildProcess> server_;
  int http_port_ = 0;
};

TEST_F(HttpApiTlsTest, JsonCallsAndAnSseStreamWorkOverHttpsForAClientTrustingTheCertificate) {
  StartTlsServer();
  BlockingHttp client;
  HttpResponse run =
      client.Send(Https("POST", "/v1/workflows/ask:run", R"({"input": {"question": "over tls"}})"));
  ASSERT_TRUE(run.completed()) << run.error;
  EXPECT_EQ(run.status, 200) << run.body;
  Json body = Json::parse(run.body, nullptr, false);
  EXPECT_EQ(body["outputItems"][0]["content"], "Fake answer to: over tls");

  // The same connection serves the next request (keep-alive over TLS).
  HttpResponse list = client.Send(Https("GET", "/v1/workflows"));
  EXPECT_EQ(list.status, 200) << list.body;

  HttpResponse stream = client.Send(
      Https("POST", "/v1/workflows/ask:stream", R"({"input": {"question": "stream over tls"}})"));
  ASSERT_TRUE(stream.completed()) << stream.error;
  EXPECT_EQ(stream.status, 200);
  ASSERT_NE(stream.Header("Content-Type"), nullptr);
  EXPECT_EQ(*stream.Header("Content-Type"), "text/event-stream");
  EXPECT_EQ(stream.body.rfind("event: executionStarted\n", 0), 0u) << stream.body;
  std::string text;
  for (size_t at = stream.body.find("event: tokenDelta\ndata: "); at != std::string::npos;
       at = stream.body.find("event: tokenDelta\ndata: ", at + 1)) {
    size_t data = at + std::string("event: tokenDelta\ndata: ").size();
    Json delta = Json::parse(stream.body.substr(data, stream.body.find('\n', data) - data));
    text += delta["tokenDelta"]["text"].get<std::string>();
  }
  EXPECT_EQ(text, "Fake answer to: stream over tls");  // the deltas, in order, over TLS
  EXPECT_THAT(stream.body, HasSubstr("event: executionFinished\n"));

  // An answer to a request that asks to close the connection arrives whole before the close.
  HttpCall closing = Https("GET", "/v1/workflows/ask?view=WORKFLOW_VIEW_FULL");
  closing.headers.push_back("Connection: close");
  HttpResponse closed = BlockingHttp().Send(closing);
  ASSERT_TRUE(closed.completed()) << closed.error;
  EXPECT_EQ(closed.status, 200);
  EXPECT_TRUE(Json::parse(closed.body, nullptr, false).contains("workflow")) << closed.body;

  // A client that does not trust the certificate gets no answer.
  HttpCall untrusted = Https("GET", "/v1/workflows");
  untrusted.ca_file.clear();
  HttpResponse refused = BlockingHttp().Send(untrusted);
  EXPECT_FALSE(refused.completed());
  EXPECT_EQ(refused.status, 0);
}

TEST_F(HttpApiTlsTest, APlainHttpRequestToTheTlsPortIsClosedUnansweredAndTheServerGoesOn) {
  StartTlsServer({"--http-server-request-timeout", "2s"});
  bool closed = false;
  std::string received = PlainExchange(http_port_, "GET /v1/workflows HTTP/1.1\r\nHost: x\r\n\r\n",
                                       std::chrono::seconds(10), closed);
  EXPECT_TRUE(closed) << "the plain connection was still open after 10 s";
  EXPECT_THAT(received, ::testing::Not(HasSubstr("HTTP/1.1"))) << received;
  EXPECT_THAT(received, ::testing::Not(HasSubstr("workflows")));

  // A connection that never starts its handshake is cut at the request timeout.
  auto start = std::chrono::steady_clock::now();
  PlainExchange(http_port_, "", std::chrono::seconds(10), closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(6));

  HttpResponse after = BlockingHttp().Send(Https("GET", "/v1/workflows"));
  EXPECT_EQ(after.status, 200) << after.error;
}

TEST_F(HttpApiTlsTest, AClientThatLeavesATlsCallCancelsTheExecutionAndAbortsTheUpstreamCall) {
  StartTlsServer();
  HttpCall hang = Https("POST", "/v1/workflows/ask:run",
                        R"({"input": {"question": "q", "model": "fake/hang"}})");
  hang.timeout_ms = 1500;  // the client gives up and closes the connection
  std::thread caller([&] { BlockingHttp().Send(hang); });
  auto hanging = fake_->WaitForStats([](const Json& s) { return s["in_flight"] == 1; });
  caller.join();
  ASSERT_TRUE(hanging.ok()) << hanging.status();
  auto aborted = fake_->WaitForStats([](const Json& s) { return s["requests_aborted"] == 1; });
  EXPECT_TRUE(aborted.ok()) << aborted.status();
}

TEST_F(HttpApiTlsTest, WithAClientCaOnlyClientsPresentingACertificateItSignsAreServed) {
  auto client = fake_openrouter::MakeSelfSignedCertificate(dir_, "client");
  ASSERT_TRUE(client.ok()) << client.status();
  auto stranger = fake_openrouter::MakeSelfSignedCertificate(dir_, "stranger");
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  StartTlsServer({"--http-tls-client-ca-file", client->cert_file});

  HttpResponse anonymous = BlockingHttp().Send(Https("GET", "/v1/workflows"));
  EXPECT_FALSE(anonymous.completed());
  EXPECT_EQ(anonymous.status, 0);

  HttpCall unknown = Https("GET", "/v1/workflows");
  unknown.client_cert_file = stranger->cert_file;
  unknown.client_key_file = stranger->key_file;
  HttpResponse refused = BlockingHttp().Send(unknown);
  EXPECT_FALSE(refused.completed());
  EXPECT_EQ(refused.status, 0);

  HttpCall known = Https("GET", "/v1/workflows");
  known.client_cert_file = client->cert_file;
  known.client_key_file = client->key_file;
  HttpResponse served = BlockingHttp().Send(known);
  EXPECT_EQ(served.status, 200) << served.error;
}

TEST_F(HttpApiTlsTest, ABadTlsFileStopsTheStartWithAMessageNamingTheSettingAndTheFile) {
  auto other = fake_openrouter::MakeSelfSignedCertificate(dir_, "other");
  ASSERT_TRUE(other.ok()) << other.status();
  std::string missing = (dir_ / "missing.pem").string();
  std::string not_pem = (dir_ / "workflows" / "ask.yaml").string();
  struct Case {
    std::vector<std::string> flags;
    std::string expected;
  };
  std::vector<Case> cases = {
      {{"--http-tls-cert-file", missing, "--http-tls-key-file", server_cert_.key_file},
       "http_server.tls.cert_file: cannot read '" + missing + "'"},
      {{"--http-tls-cert-file", server_cert_.cert_file, "--http-tls-key-file", missing},
       "http_server.tls.key_file: cannot read '" + missing + "'"},
      {{"--http-tls-cert-file", not_pem, "--http-tls-key-file", server_cert_.key_file},
       "http_server.tls.cert_file: '" + not_pem + "' holds no usable PEM certificate"},
      {{"--http-tls-cert-file", server_cert_.cert_file, "--http-tls-key-file", not_pem},
       "http_server.tls.key_file: '" + not_pem + "' holds no usable PEM private key"},
      {{"--http-tls-cert-file", server_cert_.cert_file, "--http-tls-key-file", other->key_file},
       "http_server.tls.key_file: the key in '" + other->key_file +
           "' does not match the certificate in '" + server_cert_.cert_file + "'"},
      {{"--http-tls-cert-file", server_cert_.cert_file, "--http-tls-key-file",
        server_cert_.key_file, "--http-tls-client-ca-file", missing},
       "http_server.tls.client_ca_file: cannot read '" + missing + "'"},
      {{"--http-tls-cert-file", server_cert_.cert_file},
       "http_server.tls: cert_file and key_file must be set together"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    flowhost::testing::BinaryResult result =
        flowhost::testing::RunBinary(ServeArgs(c.flags), {}, 60000);
    EXPECT_NE(result.exit_code, 0);
    EXPECT_EQ(result.out.find("LISTENING"), std::string::npos) << result.out;
    EXPECT_THAT(result.err, HasSubstr(c.expected));
  }
}

}  // namespace
}  // namespace flowhost::http_api
