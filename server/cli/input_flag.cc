#include "server/cli/input_flag.h"

#include <fstream>
#include <sstream>

#include "flowhost/sdk/abbreviate.h"

namespace flowhost::cli {

absl::StatusOr<sdk::Json> ReadInputFlag(const std::string& value) {
  std::string text = value;
  if (!value.empty() && value[0] == '@') {
    std::ifstream file(value.substr(1));
    if (!file) return absl::NotFoundError("cannot read input file '" + value.substr(1) + "'");
    std::stringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }
  sdk::Json input = sdk::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) {
    return absl::InvalidArgumentError("--input is not valid JSON: " + sdk::Abbreviate(text, 63));
  }
  if (!input.is_object()) return absl::InvalidArgumentError("--input must be a JSON object");
  return input;
}

}  // namespace flowhost::cli
