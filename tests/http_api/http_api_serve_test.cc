// The real `flowhost serve` binary with --http-listen, against the fake OpenRouter: every JSON
// endpoint and its status mapping, Server-Sent Events in order, a client that leaves (its
// execution is cancelled and the upstream call aborted), a slowloris connection cut by the request
// deadline, an oversized body refused, keep-alive, caller authentication, and a drain on SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fake_openrouter/blocking_http.h"
#include "tests/fake_openrouter/child_process.h"
#include "tests/fake_openrouter/fake_process.h"

namespace flowhost::http_api {
namespace {

using fake_openrouter::BlockingHttp;
using fake_openrouter::HttpCall;
using fake_openrouter::HttpResponse;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kAsk[] = R"(name: ask
inputs:
  question: {type: string, required: true}
  model: {type: string, default: fake/ok}
nodes:
  - name: answer
    type: openrouter.chat
    params: {model: "{{ $inputs.model }}", prompt: "{{ $inputs.question }}"}
)";

// Offered as the OpenAI model "chat" (docs/http.md): the last user message is the question.
constexpr char kChat[] = R"(name: chat
description: Answers the last user message.
expose: openai
inputs:
  question: {type: string, required: true}
  temperature: {type: number}
nodes:
  - name: answer
    type: openrouter.chat
    params: {model: fake/ok, prompt: "{{ $inputs.question }}", temperature: "{{ $inputs.temperature }}"}
)";

// The default workflow of the OpenAI endpoint: the requested model first, then fake/ok.
constexpr char kOpenRouter[] = R"(name: openrouter
inputs:
  model: {type: string, required: true}
  messages: {type: array, required: true}
nodes:
  - name: answer
    type: router.fallback
    params:
      messages: "{{ $inputs.messages }}"
      routes:
        - model: "{{ $inputs.model }}"
        - model: fake/ok
)";

constexpr char kSlow[] = R"(name: slow
nodes:
  - name: pause
    type: wait
    params: {duration: 1s}
)";

// A raw connection to the HTTP port, for what a well-behaved client does not do.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { Close(); }

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  // Reads what arrives until `done` holds for it, the peer closes, or `timeout` passes. Sets
  // `closed` when the peer closed.
  std::string ReadUntil(const std::function<bool(const std::string&)>& done,
                        std::chrono::milliseconds timeout, bool* closed = nullptr) {
    std::string received;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    if (closed != nullptr) *closed = false;
    while (!done(received)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd poll_fd{fd_, POLLIN, 0};
      if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[4096];
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        if (closed != nullptr) *closed = true;
        break;
      }
      received.append(buffer, static_cast<size_t>(n));
    }
    return received;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Whether `text` holds a whole response with a Content-Length body.
bool WholeResponse(const std::string& text) {
  size_t head_end = text.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  size_t length_at = text.find("Content-Length: ");
  if (length_at == std::string::npos || length_at > head_end) return true;
  size_t length = std::stoul(text.substr(length_at + 16));
  return text.size() >= head_end + 4 + length;
}

class HttpApiServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = fake_openrouter::FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("flowhost_http_api_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "workflows");
    std::ofstream(dir_ / "workflows" / "ask.yaml") << kAsk;
    std::ofstream(dir_ / "workflows" / "slow.yaml") << kSlow;
    std::ofstream(dir_ / "key.txt") << fake_->api_key() << "\n";
  }

  // Starts the server with `extra` flags.
  void StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        FLOWHOST_BINARY, "serve", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--store",
        store_, "--data-dir", (dir_ / "data").string(),
        "--workflows", (dir_ / "workflows").string(), "--openrouter-base-url", fake_->base_url(),
        "--openrouter-api-key-file", (dir_ / "key.txt").string(), "--log-level", "warning"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto child = fake_openrouter::ChildProcess::Spawn(argv);
    ASSERT_TRUE(child.ok()) << child.status();
    server_ = *std::move(child);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    absl::StatusOr<std::string> grpc_line = server_->ReadLine(deadline);
    ASSERT_TRUE(grpc_line.ok()) << grpc_line.status();
    ASSERT_THAT(*grpc_line, HasSubstr("LISTENING "));
    absl::StatusOr<std::string> http_line = server_->ReadLine(deadline);
    ASSERT_TRUE(http_line.ok()) << http_line.status();
    ASSERT_THAT(*http_line, HasSubstr("HTTP LISTENING "));
    http_port_ = std::stoi(http_line->substr(std::string("HTTP LISTENING ").size()));
    origin_ = "http://127.0.0.1:" + std::to_string(http_port_);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Stop().IgnoreError();
    std::filesystem::remove_all(dir_);
  }

  HttpResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                    std::vector<std::string> headers = {}) {
    HttpCall call;
    call.method = method;
    call.url = origin_ + path;
    call.body = body;
    call.headers = std::move(headers);
    if (!body.empty()) call.headers.push_back("Content-Type: application/json");
    return BlockingHttp().Send(call);
  }

  static Json BodyOf(const HttpResponse& response) {
    return Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  }

  std::unique_ptr<fake_openrouter::FakeProcess> fake_;
  std::filesystem::path dir_;
  std::unique_ptr<fake_openrouter::ChildProcess> server_;
  std::string store_ = "none";  // the execution history: none, or sqlite under dir_/data
  int http_port_ = 0;
  std::string origin_;
};

TEST_F(HttpApiServeTest, RunAnswersWithTheRunWorkflowResponseInJson) {
  StartServer();
  HttpResponse response =
      Call("POST", "/v1/workflows/ask:run", R"({"input": {"question": "hi"}})");
  ASSERT_TRUE(response.completed()) << response.error;
  EXPECT_EQ(response.status, 200) << response.body;
  ASSERT_NE(response.Header("Content-Type"), nullptr);
  EXPECT_EQ(*response.Header("Content-Type"), "application/json");
  Json body = BodyOf(response);
  EXPECT_EQ(body["workflow"], "ask");
  EXPECT_THAT(body["executionId"].get<std::string>(), HasSubstr("ex-"));
  EXPECT_EQ(body["outputItems"][0]["content"], "Fake answer to: hi");
  EXPECT_EQ(body["summary"]["nodes"][0]["status"], "NODE_STATUS_SUCCEEDED");
  ASSERT_NE(response.Header("x-flowhost-execution-id"), nullptr);
  EXPECT_EQ(*response.Header("x-flowhost-execution-id"), body["executionId"]);

  // A caller's trace context continues into the execution (docs/observability.md).
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  HttpResponse traced = Call("POST", "/v1/workflows/ask:run", R"({"input": {"question": "t"}})",
                             {"traceparent: 00-" + trace_id + "-00f067aa0ba902b7-01"});
  EXPECT_EQ(traced.status, 200);
  ASSERT_NE(traced.Header("traceparent"), nullptr);
  EXPECT_THAT(*traced.Header("traceparent"), HasSubstr(trace_id));

  // Without a name in the path, the body names the workflow, or carries it as YAML.
  HttpResponse named = Call("POST", "/v1/workflows:run",
                            R"({"workflow": "ask", "input": {"question": "again"}})");
  EXPECT_EQ(named.status, 200) << named.body;
  EXPECT_EQ(BodyOf(named)["outputItems"][0]["content"], "Fake answer to: again");
  Json inline_yaml = {{"yaml", "name: inline\nnodes:\n  - name: a\n    type: noop\n"}};
  HttpResponse yaml = Call("POST", "/v1/workflows:run", inline_yaml.dump());
  EXPECT_EQ(yaml.status, 200) << yaml.body;
  EXPECT_EQ(BodyOf(yaml)["workflow"], "inline");
}

TEST_F(HttpApiServeTest, StreamSendsOneServerSentEventPerMessageInOrder) {
  StartServer();
  HttpResponse response =
      Call("POST", "/v1/workflows/ask:stream", R"({"input": {"question": "stream me"}})");
  ASSERT_TRUE(response.completed()) << response.error;
  EXPECT_EQ(response.status, 200);
  ASSERT_NE(response.Header("Content-Type"), nullptr);
  EXPECT_EQ(*response.Header("Content-Type"), "text/event-stream");

  std::vector<std::string> names;
  std::string text;
  std::string execution_id;
  size_t at = 0;
  while (true) {
    size_t end = response.body.find("\n\n", at);
    if (end == std::string::npos) break;
    std::string event = response.body.substr(at, end - at);
    at = end + 2;
    ASSERT_EQ(event.rfind("event: ", 0), 0u) << event;
    size_t newline = event.find('\n');
    std::string name = event.substr(7, newline - 7);
    ASSERT_EQ(event.compare(newline + 1, 6, "data: "), 0) << event;
    Json data = Json::parse(event.substr(newline + 7));
    ASSERT_TRUE(data.contains(name)) << event;  // the event is named after its oneof case
    names.push_back(name);
    if (name == "executionStarted") execution_id = data[name]["executionId"];
    if (name == "tokenDelta") text += data[name]["text"].get<std::string>();
    if (name == "executionFinished") {
      EXPECT_EQ(data[name]["status"], "EXECUTION_STATUS_SUCCEEDED");
      EXPECT_EQ(data[name]["outputItems"][0]["content"], "Fake answer to: stream me");
    }
  }
  EXPECT_EQ(at, response.body.size()) << "a partial event at the end: " << response.body;
  ASSERT_GE(names.size(), 4u);
  EXPECT_EQ(names.front(), "executionStarted");
  EXPECT_EQ(names[1], "nodeStarted");
  EXPECT_EQ(names[names.size() - 2], "nodeFinished");
  EXPECT_EQ(names.back(), "executionFinished");
  EXPECT_THAT(execution_id, HasSubstr("ex-"));
  EXPECT_EQ(text, "Fake answer to: stream me");  // the deltas, in order, make the answer
}

TEST_F(HttpApiServeTest, AStreamRefusedBeforeItsFirstEventGetsItsOwnHttpStatus) {
  StartServer();
  HttpResponse missing = Call("POST", "/v1/workflows/nope:stream", "{}");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(BodyOf(missing)["code"], 5);

  // A failure after the first event is the stream's last event.
  HttpResponse failed = Call("POST", "/v1/workflows/ask:stream",
                             R"({"input": {"question": "q", "model": "fake/fail402"}})");
  EXPECT_EQ(failed.status, 200);
  EXPECT_THAT(failed.body, HasSubstr("event: executionFinished\n"));
  size_t error_at = failed.body.rfind("event: error\ndata: ");
  ASSERT_NE(error_at, std::string::npos) << failed.body;
  Json status = Json::parse(failed.body.substr(error_at + 19));
  EXPECT_EQ(status["code"], 9);  // FAILED_PRECONDITION
  EXPECT_EQ(status["details"][0]["errorClass"], "insufficient_credits");
}

TEST_F(HttpApiServeTest, ValidateListGetAndNodeTypesMirrorTheGrpcMethods) {
  StartServer();
  Json validate_request = {{"yaml", "name: v\nnodes: []\n"}, {"fileName", "v.yaml"}};
  HttpResponse validated = Call("POST", "/v1/workflows:validate", validate_request.dump());
  EXPECT_EQ(validated.status, 200);
  Json validation = BodyOf(validated);
  EXPECT_EQ(validation["valid"], false);
  EXPECT_EQ(validation["diagnostics"][0]["file"], "v.yaml");

  HttpResponse listed = Call("GET", "/v1/workflows");
  EXPECT_EQ(listed.status, 200);
  Json list = BodyOf(listed);
  EXPECT_EQ(list["totalSize"], 2);
  EXPECT_EQ(list["workflows"][0]["name"], "ask");

  HttpResponse paged = Call("GET", "/v1/workflows?page_size=1");
  Json page = BodyOf(paged);
  EXPECT_EQ(page["workflows"].size(), 1u);
  ASSERT_FALSE(page["nextPageToken"].get<std::string>().empty());
  HttpResponse next = Call("GET", "/v1/workflows?pageSize=1&pageToken=" +
                                      page["nextPageToken"].get<std::string>());
  EXPECT_EQ(BodyOf(next)["workflows"][0]["name"], "slow");

  HttpResponse got = Call("GET", "/v1/workflows/ask?view=WORKFLOW_VIEW_FULL");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(BodyOf(got)["workflow"]["name"], "ask");

  HttpResponse types = Call("GET", "/v1/nodeTypes?pageSize=2");
  EXPECT_EQ(types.status, 200);
  Json type_page = BodyOf(types);
  EXPECT_EQ(type_page["nodeTypes"].size(), 2u);
  EXPECT_GT(type_page["totalSize"].get<int>(), 10);
  EXPECT_FALSE(type_page["nodeTypes"][0]["type"].get<std::string>().empty());

  // This server keeps no history (--store none): the execution endpoints say so.
  HttpResponse no_history = Call("GET", "/v1/executions");
  EXPECT_EQ(no_history.status, 400) << no_history.body;
  EXPECT_EQ(BodyOf(no_history)["code"], 9);  // FAILED_PRECONDITION
}

// The events of a Server-Sent Events body: each one's id (-1 without), name and data.
struct SseEvent {
  int64_t id = -1;
  std::string name;
  Json data;
};
std::vector<SseEvent> ParseSse(const std::string& body) {
  std::vector<SseEvent> events;
  size_t at = 0;
  for (size_t end; (end = body.find("\n\n", at)) != std::string::npos; at = end + 2) {
    SseEvent event;
    std::istringstream lines(body.substr(at, end - at));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("id: ", 0) == 0) event.id = std::stoll(line.substr(4));
      if (line.rfind("event: ", 0) == 0) event.name = line.substr(7);
      if (line.rfind("data: ", 0) == 0) event.data = Json::parse(line.substr(6));
    }
    events.push_back(std::move(event));
  }
  return events;
}

TEST_F(HttpApiServeTest, BackgroundExecutionsCanBeStartedWatchedReadListedRetriedAndCancelled) {
  store_ = "sqlite";
  StartServer();
  // Started: an id at once; the same idempotency key gives the same execution back.
  const std::string start = R"({"input": {"question": "later"}, "idempotencyKey": "k-1"})";
  HttpResponse started = Call("POST", "/v1/workflows/ask:start", start);
  ASSERT_EQ(started.status, 200) << started.body;
  const std::string id = BodyOf(started)["executionId"];
  EXPECT_THAT(id, HasSubstr("ex-"));
  EXPECT_EQ(BodyOf(started)["created"], true);
  HttpResponse again = Call("POST", "/v1/workflows/ask:start", start);
  EXPECT_EQ(BodyOf(again)["executionId"], id);
  EXPECT_EQ(BodyOf(again)["created"], false);

  // Watched to its end: StreamWorkflow's events, each with its sequence number as the SSE id.
  HttpResponse watched = Call("GET", "/v1/executions/" + id + ":watch");
  ASSERT_EQ(watched.status, 200) << watched.body;
  EXPECT_EQ(*watched.Header("Content-Type"), "text/event-stream");
  std::vector<SseEvent> events = ParseSse(watched.body);
  ASSERT_GE(events.size(), 3u) << watched.body;
  EXPECT_EQ(events.front().name, "executionStarted");
  EXPECT_EQ(events.back().name, "executionFinished");
  EXPECT_EQ(events.back().data["executionFinished"]["status"], "EXECUTION_STATUS_SUCCEEDED");
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id, static_cast<int64_t>(i + 1)) << watched.body;
    EXPECT_TRUE(events[i].data.contains(events[i].name)) << watched.body;
  }
  // A client that reconnects with Last-Event-ID gets what follows it, and nothing past the end.
  const int64_t last = events.back().id;
  HttpResponse resumed = Call("GET", "/v1/executions/" + id + ":watch", "",
                              {"Last-Event-ID: " + std::to_string(last - 1)});
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  std::vector<SseEvent> tail = ParseSse(resumed.body);
  ASSERT_EQ(tail.size(), 1u) << resumed.body;
  EXPECT_EQ(tail[0].id, last);
  HttpResponse past_the_end = Call("GET", "/v1/executions/" + id + ":watch?from_sequence=" +
                                              std::to_string(last + 1));
  EXPECT_EQ(past_the_end.status, 200);
  EXPECT_EQ(past_the_end.body, "");
  EXPECT_EQ(Call("GET", "/v1/executions/" + id + ":watch", "", {"Last-Event-ID: soon"}).status,
            400);

  // Read back with its nodes and items, and found in the list by workflow and state.
  HttpResponse got = Call("GET", "/v1/executions/" + id + "?include_nodes=true&includeItems=true");
  ASSERT_EQ(got.status, 200) << got.body;
  Json execution = BodyOf(got)["execution"];
  EXPECT_EQ(execution["state"], "EXECUTION_STATE_SUCCEEDED");
  EXPECT_EQ(execution["nodes"][0]["name"], "answer");
  EXPECT_EQ(execution["outputItems"][0]["content"], "Fake answer to: later");
  HttpResponse listed =
      Call("GET", "/v1/executions?workflow=ask&states=EXECUTION_STATE_FAILED"
                  "&states=EXECUTION_STATE_SUCCEEDED");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(BodyOf(listed)["executions"][0]["id"], id);
  HttpResponse none_failed = Call("GET", "/v1/executions?states=EXECUTION_STATE_FAILED");
  EXPECT_EQ(BodyOf(none_failed)["executions"].size(), 0u) << none_failed.body;

  // Retried: a new execution linked to the first.
  HttpResponse retried = Call("POST", "/v1/executions/" + id + ":retry", "");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(BodyOf(retried)["retryOf"], id);
  EXPECT_NE(BodyOf(retried)["executionId"], id);
  // From the failed node: this one did not fail, and the service's refusal maps to 400.
  HttpResponse refused = Call("POST", "/v1/executions/" + id + ":retry", R"({"fromFailedNode": true})");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_THAT(BodyOf(refused)["message"].get<std::string>(), HasSubstr("succeeded"));

  // Cancelled while it waits; its watch ends with the cancellation.
  HttpResponse slow = Call("POST", "/v1/workflows/slow:start", "{}");
  ASSERT_EQ(slow.status, 200) << slow.body;
  const std::string slow_id = BodyOf(slow)["executionId"];
  HttpResponse cancelled = Call("POST", "/v1/executions/" + slow_id + ":cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(BodyOf(cancelled)["executionId"], slow_id);
  std::vector<SseEvent> slow_events = ParseSse(Call("GET", "/v1/executions/" + slow_id + ":watch").body);
  ASSERT_FALSE(slow_events.empty());
  EXPECT_EQ(slow_events.back().data["executionFinished"]["status"], "EXECUTION_STATUS_CANCELLED");

  // An execution that is not there, and an id the body contradicts.
  HttpResponse missing = Call("GET", "/v1/executions/ex-nope");
  EXPECT_EQ(missing.status, 404) << missing.body;
  HttpResponse contradicted =
      Call("POST", "/v1/executions/" + id + ":cancel", R"({"executionId": "ex-other"})");
  EXPECT_EQ(contradicted.status, 400) << contradicted.body;
}

TEST_F(HttpApiServeTest, ErrorsCarryTheMappedHttpStatusAndAGoogleRpcStatusBody) {
  StartServer();
  struct Case {
    std::string method, path, body;
    int http_status;
    int grpc_code;
    std::string message_part;
  };
  const Case cases[] = {
      {"POST", "/v1/workflows/nope:run", "{}", 404, 5, "no workflow named 'nope'"},
      {"GET", "/v1/workflows/nope", "", 404, 5, "nope"},
      {"POST", "/v1/workflows/ask:run", R"({"input": {}})", 400, 3, "question"},
      {"POST", "/v1/workflows/ask:run", R"({"input": )", 400, 3,
       "the request body does not fit flowhost.v1.RunWorkflowRequest"},
      {"POST", "/v1/workflows/ask:run", R"({"inptu": {}})", 400, 3, "inptu"},
      {"POST", "/v1/workflows/ask:run", R"({"workflow": "slow"})", 400, 3,
       "the path names the workflow"},
      {"POST", "/v1/workflows:run", "{}", 400, 3, "names no workflow"},
      {"GET", "/v1/workflows?bogus=1", "", 400, 3, "bogus"},
      {"GET", "/v1/nope", "", 404, 5, "no API at '/v1/nope'"},
      {"POST", "/v1/workflows/caf%C3:run", "{}", 400, 3,
       "the workflow name in the path is not UTF-8 once percent-decoded (byte 0xC3 at offset 3)"},
      {"POST", "/v1/workflows/ask:run", R"({"input": {"question": "q", "model": "fake/fail503"}})",
       503, 14, ""},
      {"POST", "/v1/workflows/ask:run", R"({"input": {"question": "q", "model": "fake/fail429"}})",
       429, 8, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path + " " + c.body);
    HttpResponse response = Call(c.method, c.path, c.body);
    ASSERT_TRUE(response.completed()) << response.error;
    EXPECT_EQ(response.status, c.http_status) << response.body;
    Json body = BodyOf(response);
    ASSERT_TRUE(body.is_object()) << response.body;
    EXPECT_EQ(body["code"], c.grpc_code);
    EXPECT_THAT(body["message"].get<std::string>(), HasSubstr(c.message_part));
    ASSERT_TRUE(body["details"].is_array());
  }
  // The service's ErrorDetails travel as the one entry of details.
  HttpResponse upstream = Call("POST", "/v1/workflows/ask:run",
                               R"({"input": {"question": "q", "model": "fake/fail503"}})");
  Json details = BodyOf(upstream)["details"][0];
  EXPECT_EQ(details["@type"], "type.googleapis.com/flowhost.v1.ErrorDetails");
  EXPECT_EQ(details["errorClass"], "upstream");
  EXPECT_EQ(details["node"], "answer");

  HttpResponse wrong_method = Call("DELETE", "/v1/workflows");
  EXPECT_EQ(wrong_method.status, 405);
  ASSERT_NE(wrong_method.Header("Allow"), nullptr);
  EXPECT_EQ(*wrong_method.Header("Allow"), "GET");
  EXPECT_EQ(BodyOf(wrong_method)["code"], 12);
}

TEST_F(HttpApiServeTest, AClientThatLeavesCancelsTheExecutionAndAbortsTheUpstreamCall) {
  StartServer();
  for (const char* verb : {"run", "stream"}) {
    SCOPED_TRACE(verb);
    ASSERT_TRUE(fake_->ResetStats().ok());
    RawConnection connection(http_port_);
    ASSERT_TRUE(connection.connected());
    std::string body = R"({"input": {"question": "q", "model": "fake/hang"}})";
    ASSERT_TRUE(connection.Send("POST /v1/workflows/ask:" + std::string(verb) +
                                " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body));
    auto hanging = fake_->WaitForStats([](const Json& s) { return s["in_flight"] == 1; });
    ASSERT_TRUE(hanging.ok()) << hanging.status();
    connection.Close();
    auto aborted = fake_->WaitForStats([](const Json& s) { return s["requests_aborted"] == 1; });
    EXPECT_TRUE(aborted.ok()) << aborted.status();
  }
  // The server is fine afterwards.
  EXPECT_EQ(Call("POST", "/v1/workflows/ask:run", R"({"input": {"question": "hi"}})").status,
            200);
}

// GET /metrics after a known workload: Prometheus' text format, counting what ran, HTTP calls
// included (they are calls of the same gRPC service).
TEST_F(HttpApiServeTest, MetricsCountAKnownWorkloadInPrometheusTextFormat) {
  StartServer();
  for (int i = 0; i < 2; ++i) {
    HttpResponse run = Call("POST", "/v1/workflows/ask:run", R"({"input": {"question": "n"}})");
    ASSERT_EQ(run.status, 200) << run.body;
  }
  HttpResponse metrics = Call("GET", "/metrics", "");
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  ASSERT_NE(metrics.Header("Content-Type"), nullptr);
  EXPECT_THAT(*metrics.Header("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(metrics.body, HasSubstr("flowhost_executions_total{status=\"ok\",workflow=\"ask\"} 2\n"));
  EXPECT_THAT(metrics.body, HasSubstr("flowhost_grpc_server_requests_total{code=\"OK\",method=\""
                                      "/flowhost.v1.WorkflowService/RunWorkflow\"} 2\n"));
  EXPECT_THAT(metrics.body, HasSubstr("flowhost_router_routes{state=\"open\"} 0\n"));
  EXPECT_EQ(Call("POST", "/metrics", "").status, 405);
}

TEST_F(HttpApiServeTest, ASlowlorisConnectionIsCutAtTheRequestTimeout) {
  StartServer({"--http-server-request-timeout", "2s"});
  RawConnection slow(http_port_);
  ASSERT_TRUE(slow.connected());
  std::string head = "GET /v1/workflows HTTP/1.1\r\nHost: x\r\nX-Padding: ";
  auto start = std::chrono::steady_clock::now();
  bool cut = false;
  // One byte every 200 ms: never idle long enough for an inactivity timeout.
  for (int i = 0; i < 40 && !cut; ++i) {
    if (!slow.Send(std::string(1, i < static_cast<int>(head.size()) ? head[i] : 'a'))) cut = true;
    bool closed = false;
    slow.ReadUntil([](const std::string&) { return false; }, std::chrono::milliseconds(200),
                   &closed);
    cut |= closed;
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(cut) << "the dripping connection was still open after 8 s";
  EXPECT_GE(elapsed, std::chrono::milliseconds(1800));
  EXPECT_LT(elapsed, std::chrono::seconds(6));

  // A connection that sends nothing is cut too, and one that behaves is served.
  RawConnection idle(http_port_);
  bool idle_closed = false;
  idle.ReadUntil([](const std::string&) { return false; }, std::chrono::seconds(5), &idle_closed);
  EXPECT_TRUE(idle_closed);
  EXPECT_EQ(Call("GET", "/v1/workflows").status, 200);

  // The deadline counts from the previous answer: a connection that keeps asking (even for paths
  // that do not exist) outlives it.
  RawConnection busy(http_port_);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(busy.Send(i % 2 == 0 ? "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                                     : "GET /v1/workflows/ask HTTP/1.1\r\nHost: x\r\n\r\n"))
        << "request " << i;
    bool closed = false;
    std::string answer = busy.ReadUntil(WholeResponse, std::chrono::seconds(5), &closed);
    EXPECT_THAT(answer, HasSubstr(i % 2 == 0 ? "HTTP/1.1 404 " : "HTTP/1.1 200 ")) << i;
    ASSERT_FALSE(closed) << "request " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

TEST_F(HttpApiServeTest, AnOversizedBodyIsRefusedWith413) {
  StartServer({"--http-server-max-body-bytes", "2048"});
  RawConnection connection(http_port_);
  ASSERT_TRUE(connection.Send(
      "POST /v1/workflows/ask:run HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n"));
  bool closed = false;
  std::string answer =
      connection.ReadUntil(WholeResponse, std::chrono::seconds(10), &closed);
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 413 "));

  // Just under the limit is read (and answered on its merits).
  std::string body = R"({"input": {"question": ")" + std::string(1900, 'a') + "\"}}";
  HttpResponse fits = Call("POST", "/v1/workflows/ask:run", body);
  EXPECT_EQ(fits.status, 200) << fits.body;
}

TEST_F(HttpApiServeTest, AKeptAliveConnectionServesRequestAfterRequest) {
  StartServer();
  RawConnection connection(http_port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(connection.Send("GET /v1/workflows/ask HTTP/1.1\r\nHost: x\r\n\r\n"));
    bool closed = false;
    std::string answer = connection.ReadUntil(WholeResponse, std::chrono::seconds(10), &closed);
    EXPECT_THAT(answer, HasSubstr("HTTP/1.1 200 OK"));
    EXPECT_THAT(answer, HasSubstr("\"name\":\"ask\""));
    EXPECT_FALSE(closed);
  }
}

TEST_F(HttpApiServeTest, WithTokensConfiguredTheBearerTokenIsCheckedAsForGrpc) {
  std::ofstream(dir_ / "tokens.txt") << "# callers\nsecret-one\n";
  StartServer({"--auth-tokens-file", (dir_ / "tokens.txt").string()});
  HttpResponse missing = Call("GET", "/v1/workflows");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(BodyOf(missing)["code"], 16);
  HttpResponse unknown = Call("GET", "/v1/workflows", "", {"Authorization: Bearer nope"});
  EXPECT_EQ(unknown.status, 403);
  EXPECT_EQ(BodyOf(unknown)["code"], 7);
  EXPECT_THAT(unknown.body, ::testing::Not(HasSubstr("nope")));
  HttpResponse known = Call("GET", "/v1/workflows", "", {"Authorization: Bearer secret-one"});
  EXPECT_EQ(known.status, 200);
  HttpResponse run = Call("POST", "/v1/workflows/ask:run", R"({"input": {"question": "hi"}})",
                          {"Authorization: Bearer secret-one"});
  EXPECT_EQ(run.status, 200);
  HttpResponse refused_run =
      Call("POST", "/v1/workflows/ask:stream", R"({"input": {"question": "hi"}})");
  EXPECT_EQ(refused_run.status, 401);
}

TEST_F(HttpApiServeTest, SigtermLetsAnHttpStreamInFlightFinishThenExits) {
  StartServer();
  RawConnection connection(http_port_);
  ASSERT_TRUE(connection.Send(
      "POST /v1/workflows/slow:stream HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
  std::string received = connection.ReadUntil(
      [](const std::string& text) {
        return text.find("event: nodeStarted") != std::string::npos;
      },
      std::chrono::seconds(30));
  ASSERT_THAT(received, HasSubstr("event: nodeStarted"));
  // SIGTERM while the execution runs: it is let finish, its stream ends, then the server exits.
  absl::Status stopped;
  std::thread stopper([&] { stopped = server_->Stop(30000); });
  bool closed = false;
  received += connection.ReadUntil(
      [](const std::string& text) { return text.find("\r\n0\r\n\r\n") != std::string::npos; },
      std::chrono::seconds(30), &closed);
  stopper.join();
  server_.reset();
  EXPECT_TRUE(stopped.ok()) << stopped;
  EXPECT_THAT(received, HasSubstr("EXECUTION_STATUS_SUCCEEDED"));
  EXPECT_THAT(received, HasSubstr("\r\n0\r\n\r\n"));  // the last chunk
}

// The data payloads of a Server-Sent Events body, in order.
std::vector<std::string> DataLines(const std::string& body) {
  std::vector<std::string> payloads;
  size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string::npos) {
    size_t end = body.find("\n\n", at);
    payloads.push_back(body.substr(at + 6, end - at - 6));
    at = end;
  }
  return payloads;
}

class OpenAiEndpointTest : public HttpApiServeTest {
 protected:
  void SetUp() override {
    HttpApiServeTest::SetUp();
    std::ofstream(dir_ / "workflows" / "chat.yaml") << kChat;
    std::ofstream(dir_ / "workflows" / "openrouter.yaml") << kOpenRouter;
  }
  HttpResponse Chat(const Json& body, std::vector<std::string> headers = {}) {
    return Call("POST", "/v1/chat/completions", body.dump(), std::move(headers));
  }
  static Json Messages(const std::string& question) {
    return Json::array({{{"role", "system"}, {"content", "Be brief."}},
                        {{"role", "user"}, {"content", question}}});
  }
};

TEST_F(OpenAiEndpointTest, ModelsListsOnlyTheWorkflowsExposedAsOpenAi) {
  StartServer();
  HttpResponse models = Call("GET", "/v1/models");
  ASSERT_EQ(models.status, 200) << models.body;
  Json body = BodyOf(models);
  EXPECT_EQ(body["object"], "list");
  ASSERT_EQ(body["data"].size(), 1u) << models.body;
  EXPECT_EQ(body["data"][0]["id"], "chat");
  EXPECT_EQ(body["data"][0]["object"], "model");
  EXPECT_EQ(body["data"][0]["owned_by"], "flowhost");
  EXPECT_EQ(body["data"][0]["description"], "Answers the last user message.");
}

TEST_F(OpenAiEndpointTest, RetrievingAModelAnswersItsObjectOrA404InOpenAisShape) {
  StartServer();
  HttpResponse chat = Call("GET", "/v1/models/chat");
  ASSERT_EQ(chat.status, 200) << chat.body;
  Json listed = BodyOf(Call("GET", "/v1/models"))["data"][0];
  EXPECT_EQ(BodyOf(chat), listed);  // the object the list holds

  // A workflow that is not exposed, a workflow that does not exist, an id that cannot name one.
  for (const char* id : {"ask", "nope", "anthropic/claude-fable-5"}) {
    SCOPED_TRACE(id);
    HttpResponse missing = Call("GET", std::string("/v1/models/") + id);
    EXPECT_EQ(missing.status, 404) << missing.body;
    Json error = BodyOf(missing)["error"];
    EXPECT_EQ(error["type"], "not_found_error");
    EXPECT_EQ(error["code"], "model_not_found");
    EXPECT_THAT(error["message"].get<std::string>(), HasSubstr(id));
  }
  HttpResponse posted = Call("POST", "/v1/models/chat", "{}");
  EXPECT_EQ(posted.status, 405);
  EXPECT_TRUE(BodyOf(posted).contains("error")) << posted.body;
}

TEST_F(OpenAiEndpointTest, WithADefaultWorkflowEveryModelIdCanBeRetrieved) {
  StartServer({"--openai-default-workflow", "openrouter"});
  for (const char* id : {"anthropic/claude-fable-5", "ask"}) {
    SCOPED_TRACE(id);
    HttpResponse model = Call("GET", std::string("/v1/models/") + id);
    ASSERT_EQ(model.status, 200) << model.body;
    Json body = BodyOf(model);
    EXPECT_EQ(body["id"], id);
    EXPECT_EQ(body["object"], "model");
    EXPECT_THAT(body["description"].get<std::string>(), HasSubstr("'openrouter'"));
  }
  EXPECT_EQ(BodyOf(Call("GET", "/v1/models/chat"))["description"],
            "Answers the last user message.");  // an exposed workflow still answers for itself

  // A default workflow that is not loaded serves nothing.
  std::filesystem::remove(dir_ / "workflows" / "openrouter.yaml");
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = Call("GET", "/v1/workflows/openrouter").status == 404;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(gone) << "the deleted workflow was not unloaded";
  HttpResponse unserved = Call("GET", "/v1/models/anthropic/claude-fable-5");
  EXPECT_EQ(unserved.status, 404) << unserved.body;
  EXPECT_THAT(BodyOf(unserved)["error"]["message"].get<std::string>(), HasSubstr("not loaded"));
}

TEST_F(OpenAiEndpointTest, ACompletionRunsTheWorkflowAndMapsItsAnswerAndUsageBack) {
  StartServer();
  HttpResponse response = Chat({{"model", "chat"}, {"messages", Messages("hi")},
                                {"temperature", 0.3}, {"seed", 1}});
  ASSERT_EQ(response.status, 200) << response.body;
  Json body = BodyOf(response);
  EXPECT_EQ(body["object"], "chat.completion");
  ASSERT_NE(response.Header("x-flowhost-execution-id"), nullptr);
  EXPECT_EQ(body["id"], "chatcmpl-" + *response.Header("x-flowhost-execution-id"));
  EXPECT_EQ(body["model"], "fake/ok");  // the model that answered
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Fake answer to: hi");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_GT(body["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_GT(body["usage"]["completion_tokens"].get<int>(), 0);
  EXPECT_EQ(body["usage"]["total_tokens"].get<int>(),
            body["usage"]["prompt_tokens"].get<int>() +
                body["usage"]["completion_tokens"].get<int>());
  EXPECT_TRUE(body["usage"]["cost"].is_number());
  // The temperature reached the upstream request through the workflow's input; the seed, which
  // the workflow does not declare, did not.
  auto log = fake_->Requests(1);
  ASSERT_TRUE(log.ok()) << log.status();
  Json upstream = Json::parse((*log)[0]["body"].get<std::string>());
  EXPECT_EQ(upstream["temperature"], 0.3);
  EXPECT_FALSE(upstream.contains("seed"));
}

TEST_F(OpenAiEndpointTest, AStreamedCompletionSendsChunksThenFinishReasonUsageAndDone) {
  StartServer();
  HttpResponse response = Chat({{"model", "chat"}, {"messages", Messages("stream me")},
                                {"stream", true}});
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_NE(response.Header("Content-Type"), nullptr);
  EXPECT_EQ(*response.Header("Content-Type"), "text/event-stream");
  std::vector<std::string> payloads = DataLines(response.body);
  ASSERT_GE(payloads.size(), 5u) << response.body;
  EXPECT_EQ(payloads.back(), "[DONE]");
  std::string text;
  std::string finish;
  Json usage;
  for (size_t i = 0; i + 1 < payloads.size(); ++i) {
    Json chunk = Json::parse(payloads[i]);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    EXPECT_EQ(chunk["model"], "chat");
    for (const Json& choice : chunk["choices"]) {
      text += choice["delta"].value("content", "");
      if (choice["finish_reason"].is_string()) finish = choice["finish_reason"];
    }
    if (chunk.contains("usage")) usage = chunk["usage"];
  }
  EXPECT_EQ(Json::parse(payloads[0])["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(text, "Fake answer to: stream me");
  EXPECT_EQ(finish, "stop");
  EXPECT_GT(usage["completion_tokens"].get<int>(), 0);
}

TEST_F(OpenAiEndpointTest, ErrorsTakeOpenAisShapeWithTheRightStatus) {
  StartServer();
  HttpResponse unknown = Chat({{"model", "nope"}, {"messages", Messages("x")}});
  EXPECT_EQ(unknown.status, 404);
  Json error = BodyOf(unknown)["error"];
  EXPECT_EQ(error["code"], "model_not_found");
  EXPECT_EQ(error["type"], "not_found_error");
  EXPECT_EQ(error["param"], "model");
  // A workflow that is not exposed is no model either, nor is an id no workflow can have.
  EXPECT_EQ(Chat({{"model", "ask"}, {"messages", Messages("x")}}).status, 404);
  EXPECT_EQ(Chat({{"model", "vendor/x"}, {"messages", Messages("x")}}).status, 404);

  HttpResponse bad = Call("POST", "/v1/chat/completions", "{not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(BodyOf(bad)["error"]["type"], "invalid_request_error");
  HttpResponse no_user = Chat({{"model", "chat"},
                               {"messages", {{{"role", "system"}, {"content", "x"}}}}});
  EXPECT_EQ(no_user.status, 400);
  EXPECT_EQ(BodyOf(no_user)["error"]["param"], "messages");
  HttpResponse wrong_type = Chat({{"model", "chat"}, {"messages", Messages("x")},
                                  {"temperature", "hot"}});
  EXPECT_EQ(wrong_type.status, 400);  // the workflow's input check, mapped back
  EXPECT_THAT(BodyOf(wrong_type)["error"]["message"].get<std::string>(), HasSubstr("temperature"));

  HttpResponse get = Call("GET", "/v1/chat/completions");
  EXPECT_EQ(get.status, 405);
  EXPECT_TRUE(BodyOf(get)["error"].is_object());
  ASSERT_NE(get.Header("Allow"), nullptr);
  EXPECT_EQ(*get.Header("Allow"), "POST");

  // An upstream failure with nothing to fall back to: 503 with the error class as the code.
  std::ofstream(dir_ / "workflows" / "failing.yaml")
      << "name: failing\nexpose: openai\ninputs:\n  prompt: {type: string}\nnodes:\n"
         "  - name: a\n    type: openrouter.chat\n    params: {model: fake/fail503, prompt: x}\n";
  HttpResponse failed;
  for (int i = 0; i < 100; ++i) {  // until the directory watcher has loaded it
    failed = Chat({{"model", "failing"}, {"messages", Messages("x")}});
    if (failed.status != 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(failed.status, 503) << failed.body;
  EXPECT_EQ(BodyOf(failed)["error"]["type"], "server_error");
  EXPECT_FALSE(BodyOf(failed)["error"]["code"].get<std::string>().empty());
}

TEST_F(OpenAiEndpointTest, TheDefaultWorkflowServesOtherModelIdsAsAFallbackRouter) {
  StartServer({"--openai-default-workflow", "openrouter"});
  HttpResponse response = Chat({{"model", "fake/fail503"}, {"messages", Messages("hi")}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(BodyOf(response)["model"], "fake/ok");
  EXPECT_EQ(BodyOf(response)["choices"][0]["message"]["content"], "Fake answer to: hi");
  auto stats = fake_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ((*stats)["by_model"]["fake/fail503"], 1);  // the requested model was asked first
  // An exposed workflow still answers for itself; the model list does not grow.
  EXPECT_EQ(Chat({{"model", "chat"}, {"messages", Messages("x")}}).status, 200);
  EXPECT_EQ(BodyOf(Call("GET", "/v1/models"))["data"].size(), 1u);
}

// The fake's stream-error model streams the start of the fake's usual answer, then fails; the
// fallback's answer begins with that same text, so the stream carries on with the rest of it.
TEST_F(OpenAiEndpointTest, AFallbackAnswerThatBeginsWithTheVoidedTextCompletesTheStream) {
  StartServer({"--openai-default-workflow", "openrouter"});
  HttpResponse response = Chat({{"model", "fake/stream-error"}, {"messages", Messages("hi")},
                                {"stream", true}});
  ASSERT_EQ(response.status, 200) << response.body;
  std::vector<std::string> payloads = DataLines(response.body);
  ASSERT_GE(payloads.size(), 4u) << response.body;
  EXPECT_EQ(payloads.back(), "[DONE]");
  std::string text;
  for (size_t i = 0; i + 1 < payloads.size(); ++i) {
    Json chunk = Json::parse(payloads[i]);
    for (const Json& choice : chunk["choices"]) text += choice["delta"].value("content", "");
  }
  EXPECT_EQ(text, "Fake answer to: hi");
}

// Here the fallback is a canned reply: the text already streamed cannot be taken back, so the
// stream ends with an error rather than a wrong answer.
TEST_F(OpenAiEndpointTest, AStreamWhoseTextAFallbackReplacedEndsWithAnErrorNotAWrongAnswer) {
  std::ofstream(dir_ / "workflows" / "replaced.yaml") << R"(name: replaced
expose: openai
inputs:
  question: {type: string, required: true}
nodes:
  - name: answer
    type: router.fallback
    params:
      prompt: "{{ $inputs.question }}"
      routes:
        - model: fake/stream-error
        - node: canned
  - name: canned
    type: set
    params:
      mode: replace
      values: {content: "A canned reply."}
)";
  StartServer();
  HttpResponse response =
      Chat({{"model", "replaced"}, {"messages", Messages("hi")}, {"stream", true}});
  ASSERT_EQ(response.status, 200) << response.body;
  std::vector<std::string> payloads = DataLines(response.body);
  ASSERT_GE(payloads.size(), 2u) << response.body;
  EXPECT_EQ(payloads.back(), "[DONE]");
  Json error = Json::parse(payloads[payloads.size() - 2]);
  EXPECT_EQ(error["error"]["code"], "stream_replaced") << response.body;
  // Without streaming, the same request simply answers with the fallback's reply.
  HttpResponse whole = Chat({{"model", "replaced"}, {"messages", Messages("hi")}});
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(BodyOf(whole)["choices"][0]["message"]["content"], "A canned reply.");
}

TEST_F(OpenAiEndpointTest, AClientThatLeavesAChatCancelsTheExecutionAndAbortsTheUpstreamCall) {
  StartServer({"--openai-default-workflow", "openrouter"});
  for (bool stream : {false, true}) {
    SCOPED_TRACE(stream);
    ASSERT_TRUE(fake_->ResetStats().ok());
    RawConnection connection(http_port_);
    ASSERT_TRUE(connection.connected());
    Json request = {{"model", "fake/hang"}, {"messages", Messages("q")}, {"stream", stream}};
    std::string body = request.dump();
    ASSERT_TRUE(connection.Send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body));
    auto hanging = fake_->WaitForStats([](const Json& s) { return s["in_flight"] == 1; });
    ASSERT_TRUE(hanging.ok()) << hanging.status();
    connection.Close();
    auto aborted = fake_->WaitForStats([](const Json& s) { return s["requests_aborted"] == 1; });
    EXPECT_TRUE(aborted.ok()) << aborted.status();
  }
  EXPECT_EQ(Chat({{"model", "chat"}, {"messages", Messages("x")}}).status, 200);
}

TEST_F(OpenAiEndpointTest, TheBearerTokenIsCheckedAsForTheRestOfTheApi) {
  std::ofstream(dir_ / "tokens.txt") << "secret-one\n";
  StartServer({"--auth-tokens-file", (dir_ / "tokens.txt").string()});
  HttpResponse missing = Call("GET", "/v1/models");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(BodyOf(missing)["error"]["type"], "authentication_error");
  HttpResponse refused = Chat({{"model", "chat"}, {"messages", Messages("x")}},
                              {"Authorization: Bearer nope"});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(BodyOf(refused)["error"]["type"], "permission_error");
  EXPECT_EQ(Chat({{"model", "chat"}, {"messages", Messages("x")}},
                 {"Authorization: Bearer secret-one"})
                .status,
            200);
}

TEST_F(OpenAiEndpointTest, MetricsCountHttpAnswersAndTheTimeToFirstTokenOfAStream) {
  StartServer();
  ASSERT_EQ(Chat({{"model", "chat"}, {"messages", Messages("a")}, {"stream", true}}).status, 200);
  ASSERT_EQ(Chat({{"model", "nope"}, {"messages", Messages("b")}}).status, 404);
  HttpResponse metrics = Call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("flowhost_http_server_requests_total{code=\"200\","
                                      "endpoint=\"chat_completions\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("flowhost_http_server_requests_total{code=\"404\","
                                      "endpoint=\"chat_completions\"} 1\n"));
  EXPECT_THAT(metrics.body,
              HasSubstr("flowhost_llm_time_to_first_token_seconds_count{workflow=\"chat\"} 1\n"));
}

TEST_F(OpenAiEndpointTest, WithMetricsOffNothingIsServedOnMetricsAndCallsStillWork) {
  StartServer({"--metrics", "off"});
  EXPECT_EQ(Chat({{"model", "chat"}, {"messages", Messages("a")}}).status, 200);
  EXPECT_EQ(Call("GET", "/metrics").status, 404);
}

}  // namespace
}  // namespace flowhost::http_api
