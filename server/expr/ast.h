// The syntax tree of a parsed expression.
//
// The parser builds it once; after that it is immutable and shared by every evaluation, from any
// number of threads. Every node records the byte offset of the source text it came from, so runtime
// errors can name a column. Chains of operators at one precedence level (`a + b - c`) and of
// postfix steps
// (`$json.a[0].trim()`) are stored flat and evaluated in a loop, so the tree's depth (and the
// evaluator's recursion) follows the nesting the author wrote, not the length of the expression.
#ifndef FLOWHOST_SERVER_EXPR_AST_H_
#define FLOWHOST_SERVER_EXPR_AST_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "flowhost/sdk/json.h"

namespace flowhost::expr {

struct Function;  // server/expr/functions.h
struct ExprNode;
using ExprPtr = std::unique_ptr<const ExprNode>;

// A value the scope provides directly.
enum class ScopeName { kJson, kItemIndex, kInputs, kVars, kExecution, kBudget };

// How a list of items is read: $input.item, $("X").first(), ...
enum class ItemAccessor { kItem, kFirst, kLast, kAll, kIsExecuted };

enum class UnaryOp { kNot, kNegate, kPlus };

enum class BinaryOp {
  kOr,
  kAnd,
  kCoalesce,  // short-circuit, return an operand
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,  // produce booleans
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kRemainder,  // arithmetic, `+` also concatenates
};

struct LiteralNode {
  sdk::Json value;
};

struct ArrayNode {
  std::vector<ExprPtr> elements;
};

struct ObjectNode {
  std::vector<std::pair<std::string, ExprPtr>>
      entries;  // in source order; a repeated key: last wins
};

struct ScopeNameNode {
  ScopeName name;
};

// $env.NAME (static `name`) or $env[expr] (`dynamic_name`).
struct EnvNode {
  std::string name;
  ExprPtr dynamic_name;
};

// $input.<accessor> (node_name empty) or $("X").<accessor> / $node["X"].<accessor>.
struct ItemsNode {
  bool current_input = false;
  std::string node_name;
  ItemAccessor accessor = ItemAccessor::kItem;
};

struct UnaryNode {
  UnaryOp op;
  ExprPtr operand;
};

// operands[0] ops[0] operands[1] ops[1] operands[2] ... , all at one precedence level, left to
// right.
struct ChainNode {
  std::vector<ExprPtr> operands;
  std::vector<BinaryOp> ops;
  std::vector<size_t> op_offsets;  // where each operator is written
};

struct ConditionalNode {
  ExprPtr condition;
  ExprPtr then_branch;
  ExprPtr else_branch;
};

// A call of a library function: `lower(x)`, or a method `x.toLowerCase()` (a PostfixStep).
struct CallNode {
  const Function* function = nullptr;
  std::string name;  // as written, for messages
  std::vector<ExprPtr> args;
};

struct PostfixStep {
  enum class Kind { kField, kIndex, kMethod };
  Kind kind = Kind::kField;
  size_t offset = 0;                   // of the field name, the '[' or the method name
  std::string name;                    // kField: the field; kMethod: the method as written
  ExprPtr index;                       // kIndex
  const Function* function = nullptr;  // kMethod: receives the receiver as argument 0
  std::vector<ExprPtr> args;           // kMethod: the other arguments
};

struct PostfixNode {
  ExprPtr base;
  std::vector<PostfixStep> steps;
};

struct ExprNode {
  size_t offset = 0;
  std::variant<LiteralNode, ArrayNode, ObjectNode, ScopeNameNode, EnvNode, ItemsNode, UnaryNode,
               ChainNode, ConditionalNode, CallNode, PostfixNode>
      node;
};

template <typename T>
ExprPtr MakeNode(size_t offset, T&& node) {
  auto result = std::make_unique<ExprNode>();
  result->offset = offset;
  result->node = std::forward<T>(node);
  return result;
}

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_AST_H_
