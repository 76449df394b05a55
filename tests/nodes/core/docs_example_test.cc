// The complete example node of docs/nodes.md (example_fetch_json_node.cc): the document shows
// exactly this file, and the node behaves as the document says.
#include <fstream>
#include <map>
#include <sstream>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/core/node_test_host.h"
#include "tests/source_dir.h"

namespace example {
absl::Status RegisterExampleNodes(flowhost::sdk::NodeRegistry& registry);
}

namespace flowhost::nodes::core::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Answers by URL, on the scheduler (as the real client answers on the worker pool). A URL with no
// answer stays in flight until cancelled.
class ScriptedHttp : public sdk::HttpClient {
 public:
  explicit ScriptedHttp(sdk::Scheduler& scheduler) : scheduler_(scheduler) {}

  std::map<std::string, sdk::HttpResponse> answers;
  std::vector<sdk::HttpRequest> requests;

  sdk::HttpCallPtr Send(sdk::HttpRequest request, sdk::HttpDone done) override {
    auto call = std::make_shared<Call>();
    call->done = std::move(done);
    call->scheduler = &scheduler_;
    auto it = answers.find(request.url);
    requests.push_back(std::move(request));
    if (it != answers.end()) {
      scheduler_.Post([call, response = it->second]() mutable { call->Complete(response); });
    }
    return call;
  }

 private:
  struct Call : sdk::HttpCall, std::enable_shared_from_this<Call> {
    sdk::HttpDone done;
    sdk::Scheduler* scheduler = nullptr;
    void Complete(absl::StatusOr<sdk::HttpResponse> response) {
      if (done) std::exchange(done, nullptr)(std::move(response));
    }
    void Cancel() override {
      scheduler->Post([self = shared_from_this()] {
        self->Complete(sdk::NodeError(absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
                                      "cancelled"));
      });
    }
  };
  sdk::Scheduler& scheduler_;
};

sdk::HttpResponse Answer(int status, std::string body, sdk::HttpHeaders headers = {}) {
  sdk::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

class DocsExample : public ::testing::Test {
 protected:
  void SetUp() override {
    class Collect : public sdk::NodeRegistry {
     public:
      explicit Collect(NodeTestHost& host) : host_(host) {}
      absl::Status Register(std::shared_ptr<const sdk::NodeType> type) override {
        host_.AddType(std::move(type));
        return absl::OkStatus();
      }

     private:
      NodeTestHost& host_;
    } collect(host_);
    ASSERT_TRUE(example::RegisterExampleNodes(collect).ok());
    host_.http = &http_;
  }

  NodeTestHost host_;
  ScriptedHttp http_{host_.scheduler};
};

TEST_F(DocsExample, TheGuideShowsThisExampleVerbatim) {
  std::string guide = ReadFile(std::string(FLOWHOST_SOURCE_DIR) + "/docs/nodes.md");
  std::string source =
      ReadFile(std::string(FLOWHOST_SOURCE_DIR) + "/tests/nodes/core/example_fetch_json_node.cc");
  ASSERT_FALSE(source.empty());
  EXPECT_NE(guide.find(source), std::string::npos)
      << "docs/nodes.md must contain tests/nodes/core/example_fetch_json_node.cc verbatim";
}

TEST_F(DocsExample, FetchesEachItemAndStoresTheJson) {
  http_.answers["https://api.test/users/1"] = Answer(200, R"({"name": "ann"})");
  http_.answers["https://api.test/users/2"] = Answer(200, R"({"name": "bob"})");
  host_.credentials["api"] = sdk::Credential{"api", sdk::Secret("s3cret"), Json::object()};
  Items input = {{{"id", 1}}, {{"id", 2}}};
  auto result =
      host_.RunPerItem("example.fetch_json", {{"url", "https://api.test/users/0"}},
                       [&input](size_t i) {
                         return Json{{"url", "https://api.test/users/" + input[i]["id"].dump()},
                                     {"field", "user"},
                                     {"credential", "api"}};
                       },
                       {input});
  ASSERT_TRUE(result.has_value() && result->ok()) << result->status();
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"id", 1}, {"user", {{"name", "ann"}}}},
                                             Json{{"id", 2}, {"user", {{"name", "bob"}}}}));
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(*sdk::FindHeader(http_.requests[0].headers, "authorization"), "Bearer s3cret");
  ASSERT_EQ(host_.calls.size(), 2u);
  EXPECT_EQ(host_.calls[1].outcome, "ok");
  EXPECT_EQ(host_.calls[1].item_index, 1u);
}

TEST_F(DocsExample, RateLimitingIsClassifiedWithTheServersRetryAfter) {
  http_.answers["https://api.test/busy"] = Answer(429, "{}", {{"Retry-After", "7"}});
  auto result =
      host_.Run("example.fetch_json", {{"url", "https://api.test/busy"}}, {{Json::object()}});
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "rate_limited");
  EXPECT_EQ(sdk::RetryAfterOf(result->status()), absl::Seconds(7));
  EXPECT_EQ(result->status().message(), "item 0: the server answered HTTP 429");
}

TEST_F(DocsExample, ABodyThatIsNotJsonIsAMalformedResponse) {
  http_.answers["https://api.test/html"] = Answer(200, "<html>");
  auto result =
      host_.Run("example.fetch_json", {{"url", "https://api.test/html"}}, {{Json::object()}});
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "malformed_response");
}

TEST_F(DocsExample, CancellationAbortsTheRequestInFlight) {
  auto running =
      host_.Start("example.fetch_json", {{"url", "https://api.test/slow"}}, {{Json::object()}});
  host_.scheduler.RunUntilIdle();
  EXPECT_FALSE(running->result.has_value());
  running->Cancel(absl::CancelledError("the caller went away"));
  host_.scheduler.RunUntilIdle();
  ASSERT_TRUE(running->result.has_value());
  EXPECT_EQ(running->result->status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(running->completions, 1);
}

TEST_F(DocsExample, ALiteralUrlIsCheckedWhenTheWorkflowLoads) {
  EXPECT_EQ(host_.Create("example.fetch_json", {{"url", "ftp://x"}}), nullptr);
  EXPECT_THAT(host_.errors, ElementsAre("/url: the URL must start with http:// or https://"));
  EXPECT_NE(host_.Create("example.fetch_json", {{"url", "{{ $json.link }}"}}, {"/url"}), nullptr);
}

}  // namespace
}  // namespace flowhost::nodes::core::testing
