// CheckHandshake on hand-made handshakes: each field a plugin can get wrong is refused with a
// message naming what it says and what this host expects.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/plugins/plugin_loader.h"
#include "tests/plugins/host_abi.h"

namespace flowhost::plugins {
namespace {

using ::flowhost::plugin_testing::HostAbi;
using ::testing::AllOf;
using ::testing::HasSubstr;

int32_t InitNothing(const fh_host_api*, fh_registrar*) { return 0; }

// A handshake this host accepts; each test breaks one thing.
fh_plugin_info GoodInfo() {
  return fh_plugin_info{sizeof(fh_plugin_info),
                        FLOWHOST_ABI_MAJOR,
                        FLOWHOST_ABI_MINOR,
                        sizeof(void*),
                        FLOWHOST_ABI_FINGERPRINT,
                        "handmade",
                        "2.3.4",
                        InitNothing};
}

std::string MessageOf(const fh_plugin_info& info) {
  return std::string(CheckHandshake(&info).message());
}

TEST(CheckHandshakeTest, AcceptsAHandshakeBuiltAgainstThisHostsHeader) {
  fh_plugin_info info = GoodInfo();
  EXPECT_TRUE(CheckHandshake(&info).ok()) << CheckHandshake(&info);
}

TEST(CheckHandshakeTest, AcceptsAnOlderMinorAndALargerStruct) {
  fh_plugin_info info = GoodInfo();
  info.struct_size = sizeof(fh_plugin_info) + 16;  // a later minor's struct read by its prefix
  EXPECT_TRUE(CheckHandshake(&info).ok());
}

TEST(CheckHandshakeTest, RefusesAnotherMajorNamingBothVersions) {
  fh_plugin_info info = GoodInfo();
  info.abi_major = 2;
  info.abi_minor = 5;
  absl::Status status = CheckHandshake(&info);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("built for flowhost plugin ABI 2.5"),
                    HasSubstr("this host speaks ABI " + HostAbi()), HasSubstr("major versions must match")));
}

TEST(CheckHandshakeTest, RefusesANewerMinor) {
  fh_plugin_info info = GoodInfo();
  info.abi_minor = FLOWHOST_ABI_MINOR + 1;
  EXPECT_EQ(CheckHandshake(&info).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(info),
              AllOf(HasSubstr(absl::StrCat("built for flowhost plugin ABI ", FLOWHOST_ABI_MAJOR, ".",
                                           FLOWHOST_ABI_MINOR + 1)),
                    HasSubstr("newer than this host's ABI " + HostAbi()), HasSubstr("upgrade flowhost")));
}

TEST(CheckHandshakeTest, RefusesAnotherPointerSize) {
  fh_plugin_info info = GoodInfo();
  info.pointer_size = 4;
  EXPECT_EQ(CheckHandshake(&info).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(info),
              HasSubstr("built with 4-byte pointers, but this host uses 8-byte pointers"));
}

TEST(CheckHandshakeTest, RefusesAnotherFingerprintNamingBoth) {
  fh_plugin_info info = GoodInfo();
  info.fingerprint = "flowhost-c-abi;order=4321;pointer=8";
  EXPECT_EQ(CheckHandshake(&info).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(info),
              AllOf(HasSubstr("refused"), HasSubstr("'flowhost-c-abi;order=4321;pointer=8'"),
                    HasSubstr(std::string("this host's '") + FLOWHOST_ABI_FINGERPRINT + "'")));
  info.fingerprint = nullptr;
  EXPECT_THAT(MessageOf(info), HasSubstr("fingerprint (none) does not match"));
}

TEST(CheckHandshakeTest, RefusesAStructTooSmallForThisMajor) {
  fh_plugin_info info = GoodInfo();
  info.struct_size = 16;
  EXPECT_EQ(CheckHandshake(&info).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(info), HasSubstr("struct_size is 16 bytes, smaller than the"));
  info.struct_size = 4;  // not even the version: nothing else is read
  EXPECT_THAT(MessageOf(info), HasSubstr("too small to hold even the ABI version"));
}

TEST(CheckHandshakeTest, AMajorMismatchIsReportedBeforeTheStructSize) {
  fh_plugin_info info = GoodInfo();
  info.abi_major = 2;
  info.struct_size = 16;  // a future major may have a different, smaller handshake
  EXPECT_THAT(MessageOf(info), HasSubstr("major versions must match"));
}

TEST(CheckHandshakeTest, RefusesAHandshakeWithoutNameVersionOrInit) {
  fh_plugin_info info = GoodInfo();
  info.name = "";
  EXPECT_THAT(MessageOf(info), HasSubstr("malformed handshake: no name"));
  info = GoodInfo();
  info.version = nullptr;
  EXPECT_THAT(MessageOf(info), HasSubstr("plugin 'handmade' has no version"));
  info = GoodInfo();
  info.init = nullptr;
  EXPECT_THAT(MessageOf(info), HasSubstr("plugin 'handmade' has no init function"));
  EXPECT_EQ(CheckHandshake(nullptr).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowhost::plugins
