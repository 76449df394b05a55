// gRPC's and protobuf's log lines come out as the host's JSON lines while a route lives, and as
// JSON on stderr otherwise, never on the route's logger after it is gone.
#include "server/service/library_logs.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/grpc.h"
#include "grpc/support/log.h"
#include "gtest/gtest.h"

namespace flowhost::service {
namespace {

using ::testing::HasSubstr;

class CapturingSink : public common::LogSink {
 public:
  void Write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

// gRPC logs nothing before it is initialised (the server initialises it before it could log).
class LibraryLogs : public ::testing::Test {
 protected:
  void SetUp() override { grpc_init(); }
  void TearDown() override { grpc_shutdown(); }
};

TEST_F(LibraryLogs, GrpcAndProtobufLinesBecomeTheHostsJsonLinesWhileARouteLives) {
  auto sink = std::make_shared<CapturingSink>();
  auto scrubber = std::make_shared<const common::SecretScrubber>(
      std::vector<std::string>{"sk-or-v1-route-secret-0123"});
  common::JsonLogger logger(sink, sdk::LogLevel::kInfo, {{"service", "flowhost"}}, scrubber);
  {
    LibraryLogRoute route(logger);
    gpr_log(GPR_ERROR, "bind failed for %s", "127.0.0.1:1 key sk-or-v1-route-secret-0123");
    GOOGLE_LOG(WARNING) << "String field 'x' contains invalid UTF-8";
    gpr_log(GPR_DEBUG, "below the logger's level");
  }
  gpr_log(GPR_ERROR, "after the route: to stderr, as JSON");

  ASSERT_EQ(sink->lines.size(), 2u);
  sdk::Json grpc_line = sdk::Json::parse(sink->lines[0]);
  EXPECT_EQ(grpc_line["library"], "grpc");
  EXPECT_EQ(grpc_line["level"], "error");
  EXPECT_EQ(grpc_line["service"], "flowhost");  // the logger's own fields apply
  EXPECT_EQ(grpc_line["msg"], "bind failed for 127.0.0.1:1 key <redacted>");
  EXPECT_THAT(grpc_line["file"].get<std::string>(), HasSubstr("library_logs_test.cc"));
  EXPECT_GT(grpc_line["line"].get<int>(), 0);
  sdk::Json protobuf_line = sdk::Json::parse(sink->lines[1]);
  EXPECT_EQ(protobuf_line["library"], "protobuf");
  EXPECT_EQ(protobuf_line["level"], "warning");
  EXPECT_THAT(protobuf_line["msg"].get<std::string>(), HasSubstr("invalid UTF-8"));
}

TEST_F(LibraryLogs, ALaterRouteWinsAndAnEarlierOneEndingDoesNotUnrouteIt) {
  auto first_sink = std::make_shared<CapturingSink>();
  auto second_sink = std::make_shared<CapturingSink>();
  common::JsonLogger first_logger(first_sink, sdk::LogLevel::kInfo);
  common::JsonLogger second_logger(second_sink, sdk::LogLevel::kInfo);
  auto first = std::make_unique<LibraryLogRoute>(first_logger);
  LibraryLogRoute second(second_logger);
  first.reset();
  gpr_log(GPR_ERROR, "to the second");
  EXPECT_TRUE(first_sink->lines.empty());
  ASSERT_EQ(second_sink->lines.size(), 1u);
  EXPECT_THAT(second_sink->lines[0], HasSubstr("to the second"));
}

}  // namespace
}  // namespace flowhost::service
