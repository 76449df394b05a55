#include "server/service/json_proto.h"

#include <cmath>
#include <string>

#include "flowhost/sdk/error.h"

namespace flowhost::service {
namespace {

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

absl::Status TooDeep() {
  return sdk::NodeError(absl::StatusCode::kInvalidArgument, sdk::error_class::kLimitExceeded,
                        "a JSON value nests deeper than " + std::to_string(kMaxJsonDepth) +
                            " levels, which protobuf cannot carry");
}

absl::Status Convert(const sdk::Json& json, google::protobuf::Value& value, int depth);

absl::Status ConvertObject(const sdk::Json& json, google::protobuf::Struct& out, int depth) {
  if (depth > kMaxJsonDepth) return TooDeep();
  auto& fields = *out.mutable_fields();
  for (const auto& [key, field] : json.items()) {
    absl::Status status = Convert(field, fields[key], depth + 1);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status Convert(const sdk::Json& json, google::protobuf::Value& value, int depth) {
  if (depth > kMaxJsonDepth) return TooDeep();
  switch (json.type()) {
    case sdk::Json::value_t::null:
    case sdk::Json::value_t::discarded:
      value.set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    case sdk::Json::value_t::boolean:
      value.set_bool_value(json.get<bool>());
      return absl::OkStatus();
    case sdk::Json::value_t::number_integer:
      value.set_number_value(static_cast<double>(json.get<int64_t>()));
      return absl::OkStatus();
    case sdk::Json::value_t::number_unsigned:
      value.set_number_value(static_cast<double>(json.get<uint64_t>()));
      return absl::OkStatus();
    case sdk::Json::value_t::number_float: {
      double number = json.get<double>();
      if (std::isfinite(number)) {
        value.set_number_value(number);
      } else {
        value.set_null_value(google::protobuf::NULL_VALUE);
      }
      return absl::OkStatus();
    }
    case sdk::Json::value_t::string:
      value.set_string_value(json.get_ref<const std::string&>());
      return absl::OkStatus();
    case sdk::Json::value_t::array: {
      auto* list = value.mutable_list_value();
      for (const auto& element : json) {
        absl::Status status = Convert(element, *list->add_values(), depth + 1);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    case sdk::Json::value_t::object:
      return ConvertObject(json, *value.mutable_struct_value(), depth);
    case sdk::Json::value_t::binary:
      value.set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status JsonToValue(const sdk::Json& json, google::protobuf::Value& value) {
  value.Clear();
  return Convert(json, value, 0);
}

absl::Status JsonToStruct(const sdk::Json& json, google::protobuf::Struct& out) {
  out.Clear();
  if (!json.is_object()) {
    return absl::InvalidArgumentError(std::string("expected a JSON object, got ") +
                                      std::string(sdk::JsonTypeName(json)));
  }
  return ConvertObject(json, out, 0);
}

sdk::Json ValueToJson(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:
      return nullptr;
    case google::protobuf::Value::kBoolValue:
      return value.bool_value();
    case google::protobuf::Value::kNumberValue: {
      double number = value.number_value();
      if (std::isfinite(number) && std::trunc(number) == number &&
          std::fabs(number) <= kMaxExactInteger) {
        return static_cast<int64_t>(number);
      }
      return number;
    }
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kStructValue:
      return StructToJson(value.struct_value());
    case google::protobuf::Value::kListValue: {
      sdk::Json array = sdk::Json::array();
      for (const auto& element : value.list_value().values()) array.push_back(ValueToJson(element));
      return array;
    }
  }
  return nullptr;
}

sdk::Json StructToJson(const google::protobuf::Struct& value) {
  sdk::Json object = sdk::Json::object();
  for (const auto& [key, field] : value.fields()) object[key] = ValueToJson(field);
  return object;
}

}  // namespace flowhost::service
