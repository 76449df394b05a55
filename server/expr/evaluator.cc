#include "server/expr/evaluator.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/expr/functions.h"
#include "server/expr/operators.h"
#include "server/expr/status_macros.h"
#include "server/expr/utf8.h"
#include "server/expr/value.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;
using sdk::AsStd;

class Evaluator {
 public:
  Evaluator(const EvalScope& scope, const ExpressionLimits& limits, size_t column_base)
      : scope_(scope), limits_(limits), column_base_(column_base) {}

  absl::StatusOr<Value> Eval(const ExprNode& node) {
    return std::visit([&](const auto& n) { return EvalNode(node.offset, n); }, node.node);
  }

 private:
  absl::Status Error(size_t offset, std::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("at column ", column_base_ + offset + 1, ": ", AsAbsl(message)));
  }

  absl::Status TooLarge(size_t offset, std::string_view what) const {
    return Error(offset, absl::StrCat(AsAbsl(what), " would be larger than the limit of ",
                                      limits_.max_value_bytes, " bytes"));
  }

  absl::StatusOr<Value> EvalNode(size_t, const LiteralNode& n) { return Value::Borrow(n.value); }

  absl::StatusOr<Value> EvalNode(size_t offset, const ArrayNode& n) {
    Json out = Json::array();
    size_t total = 2;
    for (const ExprPtr& element : n.elements) {
      ASSIGN_OR_RETURN(Value v, Eval(*element));
      total += 1 + ApproxBytes(v.get(), limits_.max_value_bytes);
      if (total > limits_.max_value_bytes) return TooLarge(offset, "the array");
      out.push_back(std::move(v).Take());
    }
    return Value::Own(std::move(out));
  }

  absl::StatusOr<Value> EvalNode(size_t offset, const ObjectNode& n) {
    Json out = Json::object();
    size_t total = 2;
    for (const auto& [key, value_node] : n.entries) {
      ASSIGN_OR_RETURN(Value v, Eval(*value_node));
      total += key.size() + 4 + ApproxBytes(v.get(), limits_.max_value_bytes);
      if (total > limits_.max_value_bytes) return TooLarge(offset, "the object");
      out[key] = std::move(v).Take();
    }
    return Value::Own(std::move(out));
  }

  absl::StatusOr<Value> EvalNode(size_t, const ScopeNameNode& n) {
    switch (n.name) {
      case ScopeName::kJson:
        return Value::Borrow(scope_.json());
      case ScopeName::kItemIndex:
        return Value::Own(Json(static_cast<int64_t>(scope_.item_index())));
      case ScopeName::kInputs:
        return Value::Borrow(scope_.inputs());
      case ScopeName::kVars:
        return Value::Borrow(scope_.vars());
      case ScopeName::kExecution:
        return Value::Borrow(scope_.execution());
      case ScopeName::kBudget:
        return Value::Own(scope_.budget());
    }
    return Value::Borrow(NullJson());
  }

  absl::StatusOr<Value> EvalNode(size_t offset, const EnvNode& n) {
    std::string dynamic;
    if (n.dynamic_name != nullptr) {
      ASSIGN_OR_RETURN(Value name, Eval(*n.dynamic_name));
      if (!name->is_string()) {
        return Error(n.dynamic_name->offset,
                     absl::StrCat("an environment variable name must be a string, got ",
                                  AsAbsl(TypeName(name.get()))));
      }
      dynamic = name->get<std::string>();
    }
    const Json* value = scope_.env(n.dynamic_name != nullptr ? dynamic : n.name);
    return Value::Borrow(value != nullptr ? *value : NullJson());
  }

  absl::StatusOr<Value> EvalNode(size_t offset, const ItemsNode& n) {
    const sdk::Items* items =
        n.current_input ? &scope_.input_items() : scope_.node_output(n.node_name);
    if (n.accessor == ItemAccessor::kIsExecuted) return Value::Own(Json(items != nullptr));
    if (items == nullptr) {
      return Error(offset, absl::StrCat("node '", n.node_name,
                                        "' has no output in this execution (it has not run or "
                                        "its branch was not taken; test with $(\"",
                                        n.node_name, "\").isExecuted)"));
    }
    switch (n.accessor) {
      case ItemAccessor::kItem: {
        if (items->empty()) return Value::Borrow(NullJson());
        const size_t index = scope_.item_index();
        return Value::Borrow(index < items->size() ? (*items)[index] : items->front());
      }
      case ItemAccessor::kFirst:
        return Value::Borrow(items->empty() ? NullJson() : items->front());
      case ItemAccessor::kLast:
        return Value::Borrow(items->empty() ? NullJson() : items->back());
      case ItemAccessor::kAll:
        return Value::Own(Json(Json::array_t(items->begin(), items->end())));
      case ItemAccessor::kIsExecuted:
        break;
    }
    return Value::Borrow(NullJson());
  }

  absl::StatusOr<Value> EvalNode(size_t offset, const UnaryNode& n) {
    ASSIGN_OR_RETURN(Value operand, Eval(*n.operand));
    if (n.op == UnaryOp::kNot) return Value::Own(Json(!Truthy(operand.get())));
    auto result = n.op == UnaryOp::kNegate ? Negate(operand.get()) : ToNumber(operand.get());
    if (!result.ok()) return Error(offset, AsStd(result.status().message()));
    return Value::Own(*std::move(result));
  }

  absl::StatusOr<Value> EvalNode(size_t, const ChainNode& n) {
    ASSIGN_OR_RETURN(Value acc, Eval(*n.operands[0]));
    for (size_t i = 0; i < n.ops.size(); ++i) {
      const BinaryOp op = n.ops[i];
      const ExprNode& next = *n.operands[i + 1];
      if (op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kCoalesce) {
        // Short-circuit: the chain is left-associative, so the deciding operand ends it.
        const bool decided = op == BinaryOp::kAnd  ? !Truthy(acc.get())
                             : op == BinaryOp::kOr ? Truthy(acc.get())
                                                   : !acc->is_null();
        if (decided) return acc;
        ASSIGN_OR_RETURN(acc, Eval(next));
        continue;
      }
      ASSIGN_OR_RETURN(Value rhs, Eval(next));
      absl::StatusOr<Json> result;
      switch (op) {
        case BinaryOp::kEqual:
          result = Json(Equal(acc.get(), rhs.get()));
          break;
        case BinaryOp::kNotEqual:
          result = Json(!Equal(acc.get(), rhs.get()));
          break;
        case BinaryOp::kLess:
        case BinaryOp::kLessEqual:
        case BinaryOp::kGreater:
        case BinaryOp::kGreaterEqual: {
          auto compared = Compare(op, acc.get(), rhs.get());
          if (compared.ok()) {
            result = Json(*compared);
          } else {
            result = compared.status();
          }
          break;
        }
        case BinaryOp::kAdd:
          result = Add(acc.get(), rhs.get(), limits_.max_value_bytes);
          break;
        default:
          result = Arithmetic(op, acc.get(), rhs.get());
      }
      if (!result.ok()) return Error(n.op_offsets[i], AsStd(result.status().message()));
      acc = Value::Own(*std::move(result));
    }
    return acc;
  }

  absl::StatusOr<Value> EvalNode(size_t, const ConditionalNode& n) {
    ASSIGN_OR_RETURN(Value condition, Eval(*n.condition));
    return Eval(Truthy(condition.get()) ? *n.then_branch : *n.else_branch);
  }

  absl::StatusOr<Value> EvalNode(size_t offset, const CallNode& n) {
    std::vector<Value> args;
    args.reserve(n.args.size());
    for (const ExprPtr& arg : n.args) {
      ASSIGN_OR_RETURN(Value v, Eval(*arg));
      args.push_back(std::move(v));
    }
    return Call(*n.function, n.name, args, offset, /*method=*/false);
  }

  absl::StatusOr<Value> Call(const Function& function, std::string_view name,
                             std::vector<Value>& args, size_t offset, bool method) {
    const CallContext ctx{scope_, limits_, name, method};
    absl::StatusOr<Json> result = function.impl(ctx, args);
    if (!result.ok()) return Error(offset, AsStd(result.status().message()));
    if (ApproxBytes(*result, limits_.max_value_bytes) > limits_.max_value_bytes) {
      return TooLarge(offset, absl::StrCat("the result of ", AsAbsl(name), "()"));
    }
    return Value::Own(*std::move(result));
  }

  absl::StatusOr<Value> EvalNode(size_t, const PostfixNode& n) {
    ASSIGN_OR_RETURN(Value current, Eval(*n.base));
    for (const PostfixStep& step : n.steps) {
      switch (step.kind) {
        case PostfixStep::Kind::kField: {
          ASSIGN_OR_RETURN(current, Field(std::move(current), step.name, step.offset));
          break;
        }
        case PostfixStep::Kind::kIndex: {
          ASSIGN_OR_RETURN(Value index, Eval(*step.index));
          ASSIGN_OR_RETURN(current, Index(std::move(current), index.get(), step.offset));
          break;
        }
        case PostfixStep::Kind::kMethod: {
          std::vector<Value> args;
          args.reserve(step.args.size() + 1);
          args.push_back(std::move(current));
          for (const ExprPtr& arg : step.args) {
            ASSIGN_OR_RETURN(Value v, Eval(*arg));
            args.push_back(std::move(v));
          }
          ASSIGN_OR_RETURN(current,
                           Call(*step.function, step.name, args, step.offset, /*method=*/true));
          break;
        }
      }
    }
    return current;
  }

  // `.name`: a field of an object (null when missing), null on null, `.length` of a string or
  // array.
  absl::StatusOr<Value> Field(Value value, const std::string& name, size_t offset) {
    const Json& v = value.get();
    if (v.is_object()) {
      auto it = v.find(name);
      if (it != v.end()) return std::move(value).Child(*it);
      if (name == "length") return Value::Own(Json(v.size()));
      return Value::Borrow(NullJson());
    }
    if (v.is_null()) return Value::Borrow(NullJson());
    if (name == "length" && v.is_string()) {
      return Value::Own(Json(CodePointCount(v.get_ref<const std::string&>())));
    }
    if (name == "length" && v.is_array()) return Value::Own(Json(v.size()));
    return Error(offset, absl::StrCat("cannot read field '", name, "' of ", AsAbsl(TypeName(v)),
                                      v.is_array() ? " (pick an element with [index] first)" : ""));
  }

  // `[index]`: arrays and strings by integer (negative counts from the end), objects by key.
  absl::StatusOr<Value> Index(Value value, const Json& index, size_t offset) {
    const Json& v = value.get();
    if (v.is_null()) return Value::Borrow(NullJson());
    if (v.is_object()) {
      std::string key;
      if (index.is_string()) {
        key = index.get<std::string>();
      } else if (auto i = AsInt64(index)) {
        key = std::to_string(*i);
      } else {
        return Error(offset, absl::StrCat("cannot index an object with ", AsAbsl(TypeName(index))));
      }
      auto it = v.find(key);
      if (it == v.end()) return Value::Borrow(NullJson());
      return std::move(value).Child(*it);
    }
    if (v.is_array() || v.is_string()) {
      std::optional<int64_t> i = AsInt64(index);
      if (!i && index.is_number_float()) {
        const double d = index.get<double>();
        if (d > -9e18 && d < 9e18 && static_cast<double>(static_cast<int64_t>(d)) == d) {
          i = static_cast<int64_t>(d);
        }
      }
      if (!i) {
        return Error(offset,
                     absl::StrCat("cannot index ", AsAbsl(v.is_array() ? "an array" : "a string"),
                                  " with ", AsAbsl(TypeName(index)),
                                  index.is_number() ? " that is not an integer" : ""));
      }
      if (v.is_array()) {
        const int64_t size = static_cast<int64_t>(v.size());
        const int64_t at = *i < 0 ? *i + size : *i;
        if (at < 0 || at >= size) return Value::Borrow(NullJson());
        return std::move(value).Child(v[static_cast<size_t>(at)]);
      }
      const std::string& s = v.get_ref<const std::string&>();
      const int64_t size = static_cast<int64_t>(CodePointCount(s));
      const int64_t at = *i < 0 ? *i + size : *i;
      if (at < 0 || at >= size) return Value::Borrow(NullJson());
      const size_t from = CodePointOffset(s, static_cast<size_t>(at));
      const size_t to = CodePointOffset(s, static_cast<size_t>(at) + 1);
      return Value::Own(Json(s.substr(from, to - from)));
    }
    return Error(offset, absl::StrCat("cannot index ", AsAbsl(TypeName(v)), " with ",
                                      AsAbsl(TypeName(index)),
                                      ": only arrays, strings and objects "
                                      "can be indexed"));
  }

  const EvalScope& scope_;
  const ExpressionLimits& limits_;
  const size_t column_base_;
};

}  // namespace

absl::StatusOr<Json> EvaluateTree(const ExprNode& root, const EvalScope& scope,
                                  const ExpressionLimits& limits, size_t column_base) {
  Evaluator evaluator(scope, limits, column_base);
  ASSIGN_OR_RETURN(Value result, evaluator.Eval(root));
  return std::move(result).Take();
}

}  // namespace flowhost::expr
