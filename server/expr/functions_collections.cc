// Array, object and string-or-array functions: length, contains, indexOf, slice, join, keys,
// values, entries, has, get, merge, first, last, unique, sort, reverse, range, flatten.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/expr/functions.h"
#include "server/expr/operators.h"
#include "server/expr/status_macros.h"
#include "server/expr/utf8.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;

absl::StatusOr<Json> Length(const CallContext& ctx, std::vector<Value>& args) {
  const Json& x = args[0].get();
  if (x.is_string()) return Json(CodePointCount(x.get_ref<const std::string&>()));
  if (x.is_array() || x.is_object()) return Json(x.size());
  return ArgTypeError(ctx, 0, "a string, array or object", x);
}

absl::StatusOr<Json> Contains(const CallContext& ctx, std::vector<Value>& args) {
  const Json& haystack = args[0].get();
  const Json& needle = args[1].get();
  if (haystack.is_array()) {
    return Json(std::any_of(haystack.begin(), haystack.end(),
                            [&](const Json& e) { return Equal(e, needle); }));
  }
  if (haystack.is_string() || haystack.is_object()) {
    ASSIGN_OR_RETURN(std::string_view text, StringArg(ctx, args, 1));
    if (haystack.is_object()) return Json(haystack.contains(std::string(text)));
    return Json(haystack.get_ref<const std::string&>().find(text) != std::string::npos);
  }
  return ArgTypeError(ctx, 0, "a string, array or object", haystack);
}

absl::StatusOr<Json> IndexOf(const CallContext& ctx, std::vector<Value>& args) {
  const Json& haystack = args[0].get();
  if (haystack.is_array()) {
    for (size_t i = 0; i < haystack.size(); ++i) {
      if (Equal(haystack[i], args[1].get())) return Json(i);
    }
    return Json(-1);
  }
  if (!haystack.is_string()) return ArgTypeError(ctx, 0, "a string or array", haystack);
  ASSIGN_OR_RETURN(std::string_view needle, StringArg(ctx, args, 1));
  const std::string& s = haystack.get_ref<const std::string&>();
  const size_t found = s.find(needle);
  if (found == std::string::npos) return Json(-1);
  return Json(CodePointCount(std::string_view(s).substr(0, found)));
}

// Python/JavaScript slice bounds: negative counts from the end, then clamped to [0, length].
int64_t SliceIndex(int64_t index, int64_t length) {
  if (index < 0) index += length;
  return std::clamp<int64_t>(index, 0, length);
}

absl::StatusOr<Json> Slice(const CallContext& ctx, std::vector<Value>& args) {
  const Json& x = args[0].get();
  if (!x.is_string() && !x.is_array()) return ArgTypeError(ctx, 0, "a string or array", x);
  const int64_t length = x.is_array() ? static_cast<int64_t>(x.size())
                                      : static_cast<int64_t>(CodePointCount(x.get<std::string>()));
  ASSIGN_OR_RETURN(int64_t start, IntegerArg(ctx, args, 1));
  int64_t end = length;
  if (args.size() > 2) {
    ASSIGN_OR_RETURN(end, IntegerArg(ctx, args, 2));
  }
  start = SliceIndex(start, length);
  end = std::max(start, SliceIndex(end, length));
  if (x.is_array()) {
    return Json(Json::array_t(x.begin() + start, x.begin() + end));
  }
  std::string_view s = x.get_ref<const std::string&>();
  const size_t from = CodePointOffset(s, start);
  const size_t to = CodePointOffset(s, end);
  return Json(std::string(s.substr(from, to - from)));
}

absl::StatusOr<Json> Join(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* array, ArrayArg(ctx, args, 0));
  std::string_view separator = ",";
  if (args.size() > 1) {
    ASSIGN_OR_RETURN(separator, StringArg(ctx, args, 1));
  }
  std::string out;
  bool first = true;
  for (const Json& element : *array) {
    if (!first) out.append(separator);
    first = false;
    AppendStringified(out, element);
    RETURN_IF_ERROR(CheckResultBytes(ctx, out.size()));
  }
  return Json(std::move(out));
}

absl::StatusOr<Json> Keys(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* object, ObjectArg(ctx, args, 0));
  Json out = Json::array();
  for (auto it = object->begin(); it != object->end(); ++it) out.push_back(it.key());
  return out;
}

absl::StatusOr<Json> Values(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* object, ObjectArg(ctx, args, 0));
  Json out = Json::array();
  for (const Json& v : *object) out.push_back(v);
  return out;
}

absl::StatusOr<Json> Entries(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* object, ObjectArg(ctx, args, 0));
  Json out = Json::array();
  for (auto it = object->begin(); it != object->end(); ++it) {
    out.push_back(Json::array({it.key(), it.value()}));
  }
  return out;
}

absl::StatusOr<Json> Has(const CallContext& ctx, std::vector<Value>& args) {
  const Json& x = args[0].get();
  if (x.is_object()) {
    ASSIGN_OR_RETURN(std::string_view key, StringArg(ctx, args, 1));
    return Json(x.contains(std::string(key)));
  }
  if (x.is_array()) {
    ASSIGN_OR_RETURN(int64_t index, IntegerArg(ctx, args, 1));
    return Json(index >= 0 && static_cast<uint64_t>(index) < x.size());
  }
  return ArgTypeError(ctx, 0, "an object or array", x);
}

// Splits "a.b[0].c" into {"a", "b", 0, "c"}; `["a.b"]` quotes a key with dots.
absl::StatusOr<Json> ParsePath(const CallContext& ctx, std::string_view path) {
  Json steps = Json::array();
  size_t i = 0;
  auto bad = [&](std::string_view why) {
    return CallError(ctx, absl::StrCat("cannot read the path \"", AsAbsl(path), "\": ", AsAbsl(why),
                                   " at character ", i + 1));
  };
  while (i < path.size()) {
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos) return bad("missing ']'");
      std::string_view inside = path.substr(i + 1, close - i - 1);
      if (inside.size() >= 2 && (inside.front() == '"' || inside.front() == '\'') &&
          inside.back() == inside.front()) {
        steps.push_back(std::string(inside.substr(1, inside.size() - 2)));
      } else {
        if (inside.empty() || inside.size() > 18 ||
            inside.find_first_not_of("0123456789") != std::string_view::npos) {
          return bad("expected an index or a quoted key inside []");
        }
        steps.push_back(std::stoll(std::string(inside)));
      }
      i = close + 1;
      if (i < path.size() && path[i] == '.') ++i;
      continue;
    }
    const size_t end = path.find_first_of(".[", i);
    std::string_view key = path.substr(i, end == std::string_view::npos ? path.npos : end - i);
    if (key.empty()) return bad("empty key");
    steps.push_back(std::string(key));
    i += key.size();
    if (i < path.size() && path[i] == '.') {
      ++i;
      if (i == path.size()) return bad("empty key");
    }
  }
  return steps;
}

}  // namespace

absl::StatusOr<Json> PathArg(const CallContext& ctx, const std::vector<Value>& args,
                             size_t index) {
  if (args[index]->is_string()) return ParsePath(ctx, args[index]->get_ref<const std::string&>());
  if (args[index]->is_array()) return args[index].get();
  return ArgTypeError(ctx, index, "a path string or an array of keys", args[index].get());
}

absl::StatusOr<const Json*> FindAtPath(const CallContext& ctx, const Json& value,
                                       const Json& steps) {
  const Json* current = &value;
  for (const Json& step : steps) {
    if (current->is_object() && step.is_string()) {
      auto it = current->find(step.get_ref<const std::string&>());
      if (it == current->end()) return nullptr;
      current = &*it;
    } else if (current->is_array() && AsInt64(step)) {
      const int64_t index = *AsInt64(step);
      if (index < 0 || static_cast<uint64_t>(index) >= current->size()) return nullptr;
      current = &(*current)[index];
    } else if (!step.is_string() && !step.is_number_integer() && !step.is_number_unsigned()) {
      return CallError(ctx, absl::StrCat("expects path steps to be strings or integers, got ",
                                     AsAbsl(TypeName(step))));
    } else {
      return nullptr;
    }
  }
  return current;
}

namespace {

absl::StatusOr<Json> Get(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(Json steps, PathArg(ctx, args, 1));
  const Json& fallback = args.size() > 2 ? args[2].get() : NullJson();
  ASSIGN_OR_RETURN(const Json* found, FindAtPath(ctx, args[0].get(), steps));
  return found == nullptr || found->is_null() ? fallback : *found;
}

absl::StatusOr<Json> Merge(const CallContext& ctx, std::vector<Value>& args) {
  Json out = Json::object();
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i]->is_null()) continue;
    ASSIGN_OR_RETURN(const Json* object, ObjectArg(ctx, args, i));
    for (auto it = object->begin(); it != object->end(); ++it) out[it.key()] = it.value();
  }
  return out;
}

absl::StatusOr<Json> FirstOrLast(const CallContext& ctx, std::vector<Value>& args, bool first) {
  const Json& x = args[0].get();
  if (x.is_array()) {
    if (x.empty()) return Json(nullptr);
    return first ? x.front() : x.back();
  }
  if (x.is_string()) {
    std::vector<std::string> chars = SplitCodePoints(x.get_ref<const std::string&>());
    if (chars.empty()) return Json(nullptr);
    return Json(first ? chars.front() : chars.back());
  }
  return ArgTypeError(ctx, 0, "an array or string", x);
}

absl::StatusOr<Json> First(const CallContext& ctx, std::vector<Value>& args) {
  return FirstOrLast(ctx, args, true);
}

absl::StatusOr<Json> Last(const CallContext& ctx, std::vector<Value>& args) {
  return FirstOrLast(ctx, args, false);
}

absl::StatusOr<Json> Unique(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* array, ArrayArg(ctx, args, 0));
  auto less = [](const Json* a, const Json* b) { return *a < *b; };
  std::set<const Json*, decltype(less)> seen(less);
  Json out = Json::array();
  for (const Json& element : *array) {
    if (seen.insert(&element).second) out.push_back(element);
  }
  return out;
}

absl::StatusOr<Json> Sort(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* array, ArrayArg(ctx, args, 0));
  const bool numbers =
      std::all_of(array->begin(), array->end(), [](const Json& e) { return e.is_number(); });
  const bool strings =
      std::all_of(array->begin(), array->end(), [](const Json& e) { return e.is_string(); });
  if (!numbers && !strings) return CallError(ctx, "expects an array of numbers or of strings");
  Json out = std::move(args[0]).Take();
  std::stable_sort(out.begin(), out.end(),
                   [](const Json& a, const Json& b) { return *Compare(BinaryOp::kLess, a, b); });
  return out;
}

absl::StatusOr<Json> Reverse(const CallContext& ctx, std::vector<Value>& args) {
  const Json& x = args[0].get();
  if (x.is_array()) {
    Json out = std::move(args[0]).Take();
    std::reverse(out.begin(), out.end());
    return out;
  }
  if (!x.is_string()) return ArgTypeError(ctx, 0, "an array or string", x);
  std::vector<std::string> chars = SplitCodePoints(x.get_ref<const std::string&>());
  std::string out;
  for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
  return Json(std::move(out));
}

absl::StatusOr<Json> Range(const CallContext& ctx, std::vector<Value>& args) {
  int64_t start = 0, end = 0, step = 1;
  if (args.size() == 1) {
    ASSIGN_OR_RETURN(end, IntegerArg(ctx, args, 0));
  } else {
    ASSIGN_OR_RETURN(start, IntegerArg(ctx, args, 0));
    ASSIGN_OR_RETURN(end, IntegerArg(ctx, args, 1));
    if (args.size() > 2) {
      ASSIGN_OR_RETURN(step, IntegerArg(ctx, args, 2));
    }
  }
  if (step == 0) return CallError(ctx, "expects a step other than 0");
  // Counted in long double so that extreme bounds cannot overflow.
  const long double quotient =
      (static_cast<long double>(end) - static_cast<long double>(start)) / step;
  const long double count = quotient <= 0 ? 0 : std::ceil(quotient);
  if (count * 8 > static_cast<long double>(ctx.limits.max_value_bytes)) {
    return CheckResultBytes(ctx, ctx.limits.max_value_bytes + 1);
  }
  Json out = Json::array();
  int64_t value = start;
  for (int64_t i = 0, n = static_cast<int64_t>(count); i < n; ++i) {
    out.push_back(value);
    if (__builtin_add_overflow(value, step, &value)) break;
  }
  return out;
}

absl::StatusOr<Json> Flatten(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(const Json* array, ArrayArg(ctx, args, 0));
  Json out = Json::array();
  for (const Json& element : *array) {
    if (element.is_array()) {
      for (const Json& inner : element) out.push_back(inner);
    } else {
      out.push_back(element);
    }
  }
  return out;
}

}  // namespace

const std::vector<Function>& CollectionFunctions() {
  static const std::vector<Function>* const kFunctions = new std::vector<Function>{
      {"length", 1, 1, Length},   {"contains", 2, 2, Contains},   {"indexOf", 2, 2, IndexOf},
      {"slice", 2, 3, Slice},     {"join", 1, 2, Join},           {"keys", 1, 1, Keys},
      {"values", 1, 1, Values},   {"entries", 1, 1, Entries},     {"has", 2, 2, Has},
      {"get", 2, 3, Get},         {"merge", 1, kVariadic, Merge}, {"first", 1, 1, First},
      {"last", 1, 1, Last},       {"unique", 1, 1, Unique},       {"sort", 1, 1, Sort},
      {"reverse", 1, 1, Reverse}, {"range", 1, 3, Range},         {"flatten", 1, 1, Flatten},
  };
  return *kFunctions;
}

}  // namespace flowhost::expr
