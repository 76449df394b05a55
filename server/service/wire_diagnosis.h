// Says why bytes are not a valid protobuf message of a given type, in words a client developer can
// act on: which field, at which byte, what is wrong. protobuf's parser only answers yes or no;
// this walks the wire format itself, with the message's descriptor, and reports the first of:
//   - bytes that are not the wire format: a truncated or overlong varint, a length that runs past
//     the end, field number 0, a wire type that does not exist, an end-group tag with no group;
//   - a string field (proto3, so UTF-8 by definition) holding invalid UTF-8, naming the field by
//     its path ("input.fields[\"q\"].string_value") and the offending byte;
//   - messages nested deeper than `max_depth`, as protobuf's recursion limit counts them (every
//     nested message, map entries included, is one level).
// Fields the type does not know are skipped as protobuf skips them. It is used only after a parse
// has failed, so it costs nothing on the request path.
//
// Thread-safety: a pure function.
#ifndef FLOWHOST_SERVER_SERVICE_WIRE_DIAGNOSIS_H_
#define FLOWHOST_SERVER_SERVICE_WIRE_DIAGNOSIS_H_

#include <string>
#include <string_view>

#include "google/protobuf/descriptor.h"

namespace flowhost::service {

// What is wrong with `bytes` as a `type`, or "" when the walk finds nothing wrong.
std::string DiagnoseWireFormat(std::string_view bytes, const google::protobuf::Descriptor& type,
                               int max_depth);

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_WIRE_DIAGNOSIS_H_
