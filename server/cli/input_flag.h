// The `--input` flag of `run` and `call`: a workflow's input as JSON text, or @FILE for a file
// holding it.
//
// Thread-safety: a pure function (it reads the file named by @FILE).
#ifndef FLOWHOST_SERVER_CLI_INPUT_FLAG_H_
#define FLOWHOST_SERVER_CLI_INPUT_FLAG_H_

#include <string>

#include "absl/status/statusor.h"
#include "flowhost/sdk/json.h"

namespace flowhost::cli {

// The JSON object `value` gives. NOT_FOUND when @FILE cannot be read; INVALID_ARGUMENT when the
// text is not JSON (quoting its start) or not an object.
absl::StatusOr<sdk::Json> ReadInputFlag(const std::string& value);

}  // namespace flowhost::cli

#endif  // FLOWHOST_SERVER_CLI_INPUT_FLAG_H_
