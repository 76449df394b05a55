// Short renderings of JSON values for diagnostics: `string "ten"`, `integer 3`, `object`.
//
// Thread-safety: pure functions.
#ifndef FLOWHOST_SERVER_WORKFLOW_DESCRIBE_H_
#define FLOWHOST_SERVER_WORKFLOW_DESCRIBE_H_

#include <string>
#include <string_view>
#include <vector>

#include "flowhost/sdk/json.h"

namespace flowhost::workflow {

// The value's JSON type, followed by the value itself for scalars (cut to about 40 bytes).
std::string DescribeValue(const sdk::Json& value);

// "a, b or c"; items quoted with 'x' when `quote`.
std::string ListOfNames(const std::vector<std::string>& names, bool quote = false);

}  // namespace flowhost::workflow

#endif  // FLOWHOST_SERVER_WORKFLOW_DESCRIBE_H_
