#include "server/service/request_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "server/service/wire_diagnosis.h"

namespace flowhost::service {
namespace {

absl::Status Invalid(const google::protobuf::Message& message, std::string_view bytes) {
  const google::protobuf::Descriptor& type = *message.GetDescriptor();
  std::string problem = DiagnoseWireFormat(bytes, type, kMaxRequestNesting);
  if (problem.empty()) problem = "protobuf's parser refused it";
  std::string message_text =
      absl::StrCat("the request is not a valid ", type.full_name(), ": ", problem);
  if (problem.find("levels deep") != std::string::npos) {
    absl::StrAppend(&message_text,
                    "; a JSON object costs three of them (Struct, map entry, Value) and a list "
                    "two, so input values nest at most 33 levels of objects");
  }
  return absl::InvalidArgumentError(message_text);
}

bool ParseWithLimits(google::protobuf::io::ZeroCopyInputStream& input,
                     google::protobuf::Message& message) {
  google::protobuf::io::CodedInputStream coded(&input);
  coded.SetRecursionLimit(kMaxRequestNesting);
  return message.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
}

}  // namespace

absl::Status ParseRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message& message) {
  if (!bytes.Valid()) {
    return absl::InvalidArgumentError(absl::StrCat("the call carried no request message (a ",
                                                   message.GetDescriptor()->full_name(), ")"));
  }
  grpc::ByteBuffer copy(bytes);  // shares the slices; the reader needs a mutable buffer
  {
    grpc::ProtoBufferReader reader(&copy);
    if (reader.status().ok() && ParseWithLimits(reader, message)) return absl::OkStatus();
  }
  // Only a refused request pays for this: its bytes in one piece, and the walk that says why.
  std::vector<grpc::Slice> slices;
  std::string flat;
  if (copy.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      flat.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  return Invalid(message, flat);
}

absl::Status ParseRequestBytes(std::string_view bytes, google::protobuf::Message& message) {
  google::protobuf::io::ArrayInputStream input(bytes.data(), static_cast<int>(bytes.size()));
  if (ParseWithLimits(input, message)) return absl::OkStatus();
  return Invalid(message, bytes);
}

}  // namespace flowhost::service
