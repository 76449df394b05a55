// CheckWorkerHello on its own: each way a Hello is refused, with the reason a worker reports and a
// message an operator can act on.
#include "server/remote/hello_check.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowhost::remote {
namespace {

namespace pb = plugin::v1;
using ::testing::HasSubstr;

class HelloCheck : public ::testing::Test {
 protected:
  HelloCheck() {
    declared_type_.info.type = "textkit.chunk";
    declared_type_.info.parameter_schema = sdk::Json{{"type", "object"}, {"properties", sdk::Json::object()}};
    declared_type_.schema_file = "chunk.schema.json";
    declared_["textkit.chunk"] = &declared_type_;
    hello_.set_protocol_version(pb::PROTOCOL_VERSION_1);
    hello_.set_worker_id("w1");
    pb::NodeTypeSpec& type = *hello_.add_node_types();
    type.set_name("textkit.chunk");
    type.set_parameter_schema_json(R"({"type":"object","properties":{}})");
  }

  absl::Status Check(std::string_view token = "") {
    return CheckWorkerHello(hello_, token, declared_, nullptr, reason_);
  }

  DeclaredRemoteType declared_type_;
  std::map<std::string, const DeclaredRemoteType*, std::less<>> declared_;
  pb::Hello hello_;
  pb::RefusedReason reason_ = pb::REFUSED_REASON_UNSPECIFIED;
};

TEST_F(HelloCheck, AWellFormedHelloForADeclaredTypeIsAccepted) {
  EXPECT_TRUE(Check().ok());
  hello_.set_token("t");
  EXPECT_TRUE(Check("t").ok());
}

TEST_F(HelloCheck, AMissingTokenIsRefusedWhenTheHostHasOne) {
  absl::Status status = Check("secret");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(reason_, pb::REFUSED_REASON_TOKEN);
  EXPECT_THAT(status.message(), HasSubstr("sent no token"));
}

TEST_F(HelloCheck, AHelloWithoutTypesOrIdIsMalformed) {
  hello_.clear_node_types();
  EXPECT_EQ(Check().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reason_, pb::REFUSED_REASON_MALFORMED_HELLO);
  hello_.clear_worker_id();
  EXPECT_THAT(Check().message(), HasSubstr("worker_id"));
}

TEST_F(HelloCheck, ATypeOfferedTwiceOrBadlyNamedIsMalformed) {
  *hello_.add_node_types() = hello_.node_types(0);
  EXPECT_THAT(Check().message(), HasSubstr("offered twice"));
  hello_.mutable_node_types(1)->set_name("Text Chunker");
  EXPECT_THAT(Check().message(), HasSubstr("'Text Chunker' is not valid"));
}

TEST_F(HelloCheck, ASchemaDifferentFromTheDeclaredOneIsRefusedNamingTheFile) {
  hello_.mutable_node_types(0)->set_parameter_schema_json(
      R"({"type":"object","properties":{"size":{"type":"integer"}}})");
  absl::Status status = Check();
  EXPECT_EQ(reason_, pb::REFUSED_REASON_UNDECLARED_TYPE);
  EXPECT_THAT(status.message(), HasSubstr("chunk.schema.json"));
}

TEST_F(HelloCheck, ASchemaThatIsNotAValidSchemaIsMalformed) {
  hello_.mutable_node_types(0)->set_parameter_schema_json(R"({"type":"no-such-type"})");
  absl::Status status = Check();
  EXPECT_EQ(reason_, pb::REFUSED_REASON_MALFORMED_SCHEMA);
  EXPECT_THAT(status.message(), HasSubstr("'textkit.chunk' has a malformed parameter schema"));
}

}  // namespace
}  // namespace flowhost::remote
