// Values as the evaluator handles them, and the conversions every part of the language shares.
//
// A Value is either borrowed (a pointer to JSON that outlives the evaluation: the scope's data or a
// literal in the syntax tree) or owned (computed here). Reading `$json.a.b` therefore copies
// nothing; only values that are built are owned. A Value is moved, never shared, and used by one
// thread.
#ifndef FLOWHOST_SERVER_EXPR_VALUE_H_
#define FLOWHOST_SERVER_EXPR_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "flowhost/sdk/json.h"

namespace flowhost::expr {

using sdk::Json;

class Value {
 public:
  Value() = default;
  static Value Borrow(const Json& json) {
    Value v;
    v.ref_ = &json;
    return v;
  }
  static Value Own(Json json) {
    Value v;
    v.owned_ = std::move(json);
    return v;
  }

  const Json& get() const { return ref_ != nullptr ? *ref_ : owned_; }
  const Json* operator->() const { return &get(); }
  bool borrowed() const { return ref_ != nullptr; }

  // The value itself: moved out when owned, copied when borrowed.
  Json Take() && { return ref_ != nullptr ? *ref_ : std::move(owned_); }

  // The element `child` of this value (which must point into get()), as a Value that stays valid
  // after this one is gone: borrowed when this is borrowed, otherwise moved out.
  Value Child(const Json& child) && {
    if (ref_ != nullptr) return Borrow(child);
    return Own(std::move(const_cast<Json&>(child)));
  }

 private:
  const Json* ref_ = nullptr;  // never points at owned_, so moving a Value is safe
  Json owned_;
};

// A null every missing field can borrow.
const Json& NullJson();

// The type name used in messages and by typeOf(): "null", "boolean", "number", "string", "array",
// "object" (integers are numbers).
std::string_view TypeName(const Json& value);

// JavaScript truthiness: false, null, 0, 0.0 and "" are falsy; everything else (including [] and
// {}) is truthy.
bool Truthy(const Json& value);

// Text for concatenation and templates: strings as they are, null as "", numbers as JavaScript
// prints them (3.0 is "3"), everything else as compact JSON.
std::string Stringify(const Json& value);
void AppendStringified(std::string& out, const Json& value);

// Compact (indent < 0) or indented JSON text; invalid UTF-8 is replaced, never thrown.
std::string ToJsonText(const Json& value, int indent = -1);

// Numbers. `AsInt64` is set for integer JSON values that fit int64.
bool IsNumber(const Json& value);
std::optional<int64_t> AsInt64(const Json& value);
double AsDouble(const Json& value);
// A float result as JSON; nullopt when it is not finite (the caller reports the error).
std::optional<Json> FloatResult(double value);
// An integral double that fits int64 becomes an integer JSON value; others stay floats.
Json IntegralOrFloat(double value);

// An estimate of the bytes `value` takes as compact JSON, counting at most up to `cap` (the result
// is then cap + 1): enough to enforce a limit without walking a huge value to the end.
size_t ApproxBytes(const Json& value, size_t cap);

}  // namespace flowhost::expr

#endif  // FLOWHOST_SERVER_EXPR_VALUE_H_
