#include "server/service/reflection_v1_service.h"

#include <set>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace flowhost::service {
namespace {

namespace reflection = grpc::reflection::v1;
using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

void SetError(grpc::StatusCode code, const std::string& message,
              reflection::ServerReflectionResponse& response) {
  response.mutable_error_response()->set_error_code(static_cast<int32_t>(code));
  response.mutable_error_response()->set_error_message(message);
}

// `file` and every file it depends on, transitively, each once, `file` first.
void AddFileAndDependencies(const FileDescriptor* file, std::set<std::string>& sent,
                            reflection::FileDescriptorResponse& out) {
  if (!sent.insert(file->name()).second) return;
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  proto.SerializeToString(out.add_file_descriptor_proto());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileAndDependencies(file->dependency(i), sent, out);
  }
}

void AnswerWithFile(const FileDescriptor* file, const std::string& what,
                    reflection::ServerReflectionResponse& response) {
  if (file == nullptr) {
    SetError(grpc::StatusCode::NOT_FOUND, what + " not found", response);
    return;
  }
  std::set<std::string> sent;
  AddFileAndDependencies(file, sent, *response.mutable_file_descriptor_response());
}

// Reads a request, writes its answer, reads the next, until the client closes its side.
class ReflectionReactor final
    : public grpc::ServerBidiReactor<reflection::ServerReflectionRequest,
                                     reflection::ServerReflectionResponse> {
 public:
  explicit ReflectionReactor(const ReflectionV1Service& service) : service_(service) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed (or went away): the stream is over
      Finish(grpc::Status::OK);
      return;
    }
    response_ = service_.Answer(request_);
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the client went away"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const ReflectionV1Service& service_;
  reflection::ServerReflectionRequest request_;
  reflection::ServerReflectionResponse response_;
};

}  // namespace

grpc::ServerBidiReactor<reflection::ServerReflectionRequest, reflection::ServerReflectionResponse>*
ReflectionV1Service::ServerReflectionInfo(grpc::CallbackServerContext* context) {
  return new ReflectionReactor(*this);
}

reflection::ServerReflectionResponse ReflectionV1Service::Answer(
    const reflection::ServerReflectionRequest& request) const {
  reflection::ServerReflectionResponse response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  switch (request.message_request_case()) {
    case reflection::ServerReflectionRequest::kListServices:
      for (const std::string& name : services_) {
        response.mutable_list_services_response()->add_service()->set_name(name);
      }
      break;
    case reflection::ServerReflectionRequest::kFileByFilename:
      AnswerWithFile(pool->FindFileByName(request.file_by_filename()),
                     "file '" + request.file_by_filename() + "'", response);
      break;
    case reflection::ServerReflectionRequest::kFileContainingSymbol:
      AnswerWithFile(pool->FindFileContainingSymbol(request.file_containing_symbol()),
                     "symbol '" + request.file_containing_symbol() + "'", response);
      break;
    case reflection::ServerReflectionRequest::kFileContainingExtension: {
      const reflection::ExtensionRequest& extension = request.file_containing_extension();
      const Descriptor* type = pool->FindMessageTypeByName(extension.containing_type());
      const FieldDescriptor* field =
          type == nullptr ? nullptr
                          : pool->FindExtensionByNumber(type, extension.extension_number());
      AnswerWithFile(field == nullptr ? nullptr : field->file(),
                     "extension " + std::to_string(extension.extension_number()) + " of '" +
                         extension.containing_type() + "'",
                     response);
      break;
    }
    case reflection::ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const Descriptor* type = pool->FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 "message type '" + request.all_extension_numbers_of_type() + "' not found",
                 response);
        break;
      }
      std::vector<const FieldDescriptor*> extensions;
      pool->FindAllExtensions(type, &extensions);
      reflection::ExtensionNumberResponse& numbers =
          *response.mutable_all_extension_numbers_response();
      numbers.set_base_type_name(type->full_name());
      for (const FieldDescriptor* extension : extensions) {
        numbers.add_extension_number(extension->number());
      }
      break;
    }
    case reflection::ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      SetError(grpc::StatusCode::INVALID_ARGUMENT,
               "the request sets none of file_by_filename, file_containing_symbol, "
               "file_containing_extension, all_extension_numbers_of_type, list_services",
               response);
      break;
  }
  return response;
}

}  // namespace flowhost::service
