#include "server/service/wire_diagnosis.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/wire_format_lite.h"

namespace flowhost::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// A path longer than this is shown by its start and its end.
constexpr size_t kMaxPathChars = 160;

// A map key as shown in a path: printable ASCII, anything else as '?', at most 40 characters.
std::string Printable(std::string_view key) {
  std::string shown(key.substr(0, 40));
  for (char& c : shown) {
    if (c < 0x20 || c > 0x7E || c == '"') c = '?';
  }
  return shown;
}

class Walker {
 public:
  Walker(CodedInputStream& in, int max_depth) : in_(in), max_depth_(max_depth) {}

  // Walks the fields of one message of `type` (null: unknown, inside an unknown group) from the
  // current position up to `end` or, inside a group, up to its end-group tag (`group` > 0: the
  // group's field number). False once a problem is found: problem() says what.
  bool Walk(const Descriptor* type, int depth, int end, int group) {
    std::map<int, int> seen;  // occurrences of each field number, for "values[3]"
    while (true) {
      const int at = in_.CurrentPosition();
      if (group == 0 && at >= end) return true;
      uint32_t tag = in_.ReadTagNoLastTag();
      if (tag == 0) {
        if (group != 0) return Fail(at, "a group has no end-group tag");
        return Fail(at, "a field tag that is not valid (field number 0, or a malformed varint)");
      }
      const int number = WireFormatLite::GetTagFieldNumber(tag);
      const FieldDescriptor* field = type != nullptr ? type->FindFieldByNumber(number) : nullptr;
      std::string name = field != nullptr ? std::string(field->name())
                                          : absl::StrCat("#", number);  // not in the type
      switch (WireFormatLite::GetTagWireType(tag)) {
        case WireFormatLite::WIRETYPE_VARINT: {
          uint64_t value;
          if (!in_.ReadVarint64(&value)) return Fail(at, Where(name) + " is a malformed varint");
          break;
        }
        case WireFormatLite::WIRETYPE_FIXED64: {
          uint64_t value;
          if (!in_.ReadLittleEndian64(&value)) return Fail(at, Where(name) + " is cut short");
          break;
        }
        case WireFormatLite::WIRETYPE_FIXED32: {
          uint32_t value;
          if (!in_.ReadLittleEndian32(&value)) return Fail(at, Where(name) + " is cut short");
          break;
        }
        case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
          uint32_t length;
          if (!in_.ReadVarint32(&length)) {
            return Fail(at, Where(name) + " has a malformed length");
          }
          int left = in_.BytesUntilLimit();
          if (left < 0 || length > static_cast<uint32_t>(left)) {
            return Fail(at, absl::StrCat(Where(name), " claims ", length, " bytes but only ",
                                         std::max(left, 0), " are left"));
          }
          int index = seen[number]++;
          if (!LengthDelimited(type, field, name, index, static_cast<int>(length), depth, at)) {
            return false;
          }
          break;
        }
        case WireFormatLite::WIRETYPE_START_GROUP: {
          if (depth + 1 > max_depth_) return TooDeep(at, name);
          const Descriptor* group_type =
              field != nullptr && field->type() == FieldDescriptor::TYPE_GROUP
                  ? field->message_type()
                  : nullptr;
          path_.push_back(name);
          bool ok = Walk(group_type, depth + 1, end, number);
          path_.pop_back();
          if (!ok) return false;
          break;
        }
        case WireFormatLite::WIRETYPE_END_GROUP:
          if (group == number) return true;
          return Fail(at, "an end-group tag with no group open");
        default:
          return Fail(at, absl::StrCat(Where(name), " has wire type ",
                                       static_cast<int>(WireFormatLite::GetTagWireType(tag)),
                                       ", which protobuf does not have"));
      }
    }
  }

  const std::string& problem() const { return problem_; }

 private:
  // A length-delimited field: a message to walk, a string to check, or bytes to skip.
  bool LengthDelimited(const Descriptor* type, const FieldDescriptor* field,
                       const std::string& name, int index, int length, int depth, int at) {
    const bool map_entry = type != nullptr && type->options().map_entry();
    if (field != nullptr && field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (depth + 1 > max_depth_) return TooDeep(at, name);
      // A map's value continues its entry's path ("fields[\"q\"]"); a repeated message is indexed.
      std::string segment = map_entry ? "" : name;
      if (field->is_repeated() && !field->is_map()) absl::StrAppend(&segment, "[", index, "]");
      path_.push_back(std::move(segment));
      CodedInputStream::Limit limit = in_.PushLimit(length);
      bool ok = Walk(field->message_type(), depth + 1, in_.CurrentPosition() + length, 0);
      in_.PopLimit(limit);
      path_.pop_back();
      return ok;
    }
    if (field != nullptr && field->type() == FieldDescriptor::TYPE_STRING &&
        field->file()->syntax() == FileDescriptor::SYNTAX_PROTO3) {
      std::string value;
      if (!in_.ReadString(&value, length)) return Fail(at, Where(name) + " is cut short");
      if (map_entry && field->number() == 1 && !path_.empty()) {
        absl::StrAppend(&path_.back(), "[\"", Printable(value), "\"]");
      }
      // protobuf's own check, so that this reports what its parser refused.
      size_t valid = static_cast<size_t>(google::protobuf::internal::UTF8SpnStructurallyValid(
          google::protobuf::StringPiece(value.data(), value.size())));
      if (valid < value.size()) {
        return Fail(at,
                    absl::StrFormat("%s holds invalid UTF-8 (byte 0x%02x at offset %d of the "
                                    "string); string fields must be UTF-8 (send raw bytes as "
                                    "base64 text)",
                                    Where(name), static_cast<unsigned char>(value[valid]), valid));
      }
      return true;
    }
    if (!in_.Skip(length)) return Fail(at, Where(name) + " is cut short");
    return true;
  }

  bool TooDeep(int at, const std::string& name) {
    return Fail(at, absl::StrCat("messages nest more than ", max_depth_, " levels deep (at ",
                                 Where(name), ")"));
  }

  // "field 'input.fields[\"q\"].string_value'" for the field `name` at the current path.
  std::string Where(const std::string& name) const {
    std::vector<std::string> parts;
    for (const std::string& segment : path_) {
      if (!segment.empty()) parts.push_back(segment);
    }
    parts.push_back(name);
    std::string path = absl::StrJoin(parts, ".");
    if (path.size() > kMaxPathChars) {
      path = absl::StrCat(path.substr(0, kMaxPathChars / 2 - 2), "...",
                          path.substr(path.size() - kMaxPathChars / 2 + 1));
    }
    return absl::StrCat("field '", path, "'");
  }

  bool Fail(int at, std::string message) {
    problem_ = absl::StrCat(message, " (byte ", at, ")");
    return false;
  }

  CodedInputStream& in_;
  const int max_depth_;
  std::vector<std::string> path_;
  std::string problem_;
};

}  // namespace

std::string DiagnoseWireFormat(std::string_view bytes, const Descriptor& type, int max_depth) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(bytes.size()));
  Walker walker(in, max_depth);
  walker.Walk(&type, 0, static_cast<int>(bytes.size()), 0);
  in.PopLimit(limit);
  return walker.problem();
}

}  // namespace flowhost::service
