#include "nodes/core/port_names.h"

#include <algorithm>

namespace flowhost::nodes::core {

std::string PortNameProblem(std::string_view name) {
  if (name.empty()) return "an output name must not be empty";
  if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "an output name must not be a number (it would read as an output index)";
  }
  if (name.find_first_of(": \t\r\n") != std::string_view::npos) {
    return "an output name must not contain ':' or whitespace";
  }
  if (name == "error") return "the output name 'error' is reserved for on_error: error_output";
  return "";
}

}  // namespace flowhost::nodes::core
