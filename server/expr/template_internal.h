// What compiled_json.cc needs to know about a Template beyond its public interface.
#ifndef FLOWHOST_SERVER_EXPR_TEMPLATE_INTERNAL_H_
#define FLOWHOST_SERVER_EXPR_TEMPLATE_INTERNAL_H_

#include <string>

#include "server/expr/template.h"

namespace flowhost::expr {

// The value of a literal template (`\{{` escapes decoded), or nullptr when it holds an expression.
// `compiled` must come from Template::Compile.
const std::string* LiteralValue(const Template& compiled);

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_TEMPLATE_INTERNAL_H_
