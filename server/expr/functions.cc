#include "server/expr/functions.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/did_you_mean.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;

// JavaScript spellings accepted as plain calls.
constexpr std::pair<std::string_view, std::string_view> kCallAliases[] = {
    {"Math.max", "max"},          {"Math.min", "min"},           {"Math.round", "round"},
    {"Math.floor", "floor"},      {"Math.ceil", "ceil"},         {"Math.abs", "abs"},
    {"JSON.stringify", "toJson"}, {"JSON.parse", "parseJson"},   {"Object.keys", "keys"},
    {"Object.values", "values"},  {"Object.entries", "entries"}, {"String", "string"},
    {"Number", "number"},         {"Boolean", "boolean"},        {"parseInt", "int"},
    {"parseFloat", "number"},
};

// JavaScript method names whose meaning matches a library function. `replace` keeps its JavaScript
// meaning (first occurrence only); `replaceAll` is the library's `replace`.
constexpr std::pair<std::string_view, std::string_view> kMethodAliases[] = {
    {"toLowerCase", "lower"}, {"toUpperCase", "upper"},    {"includes", "contains"},
    {"toString", "string"},   {"replace", "replaceFirst"}, {"replaceAll", "replace"},
};

struct Tables {
  absl::flat_hash_map<std::string, const Function*> library;
  absl::flat_hash_map<std::string, const Function*> calls;    // library + call aliases
  absl::flat_hash_map<std::string, const Function*> methods;  // library + method aliases
  std::vector<std::string_view> names;                        // library names, sorted
  std::vector<std::string> call_names;                        // sorted, for suggestions
  std::vector<std::string> method_names;                      // sorted, for suggestions
};

const Tables& GetTables() {
  static const Tables* const tables = [] {
    auto* t = new Tables();
    for (const auto* group :
         {&TextFunctions(), &MathFunctions(), &CollectionFunctions(), &ConversionFunctions(),
          &MappingFunctions()}) {
      for (const Function& f : *group) {
        t->library.emplace(std::string(f.name), &f);
        t->names.push_back(f.name);
      }
    }
    t->calls = t->library;
    t->methods = t->library;
    for (const auto& [alias, target] : kCallAliases) {
      t->calls.emplace(std::string(alias), t->library.at(std::string(target)));
    }
    for (const auto& [alias, target] : kMethodAliases) {
      t->methods.insert_or_assign(std::string(alias), t->library.at(std::string(target)));
    }
    std::sort(t->names.begin(), t->names.end());
    for (const auto& [name, unused] : t->calls) t->call_names.push_back(name);
    for (const auto& [name, unused] : t->methods) t->method_names.push_back(name);
    std::sort(t->call_names.begin(), t->call_names.end());
    std::sort(t->method_names.begin(), t->method_names.end());
    return t;
  }();
  return *tables;
}

}  // namespace

const Function* FindFunction(std::string_view name) {
  const auto& calls = GetTables().calls;
  auto it = calls.find(AsAbsl(name));
  return it == calls.end() ? nullptr : it->second;
}

const Function* FindMethod(std::string_view name) {
  const auto& methods = GetTables().methods;
  auto it = methods.find(AsAbsl(name));
  return it == methods.end() ? nullptr : it->second;
}

std::string SuggestFunction(std::string_view name, bool method) {
  const Tables& tables = GetTables();
  return sdk::ClosestMatch(name, method ? tables.method_names : tables.call_names);
}

std::vector<std::string_view> LibraryFunctionNames() { return GetTables().names; }

absl::Status CallError(const CallContext& ctx, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(AsAbsl(ctx.name), "() ", AsAbsl(message)));
}

absl::Status ArgTypeError(const CallContext& ctx, size_t index, std::string_view what,
                          const Json& got) {
  if (ctx.method && index == 0) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(ctx.name), "() must be called on ",
                                                   AsAbsl(what), ", got ", AsAbsl(TypeName(got))));
  }
  const size_t shown = ctx.method ? index : index + 1;
  return absl::InvalidArgumentError(absl::StrCat(AsAbsl(ctx.name), "() expects argument ", shown,
                                                 " to be ", AsAbsl(what), ", got ",
                                                 AsAbsl(TypeName(got))));
}

absl::Status CheckResultBytes(const CallContext& ctx, size_t bytes) {
  if (bytes <= ctx.limits.max_value_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(AsAbsl(ctx.name),
                                                 "() would build a value larger than the limit of ",
                                                 ctx.limits.max_value_bytes, " bytes"));
}

absl::StatusOr<std::string_view> StringArg(const CallContext& ctx, const std::vector<Value>& args,
                                           size_t index) {
  const Json& v = args[index].get();
  if (!v.is_string()) return ArgTypeError(ctx, index, "a string", v);
  return std::string_view(v.get_ref<const std::string&>());
}

absl::StatusOr<double> NumberArg(const CallContext& ctx, const std::vector<Value>& args,
                                 size_t index) {
  const Json& v = args[index].get();
  if (!v.is_number()) return ArgTypeError(ctx, index, "a number", v);
  return AsDouble(v);
}

absl::StatusOr<int64_t> IntegerArg(const CallContext& ctx, const std::vector<Value>& args,
                                   size_t index) {
  const Json& v = args[index].get();
  if (auto i = AsInt64(v)) return *i;
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d > -9.2e18 && d < 9.2e18 && std::trunc(d) == d) {
      return static_cast<int64_t>(d);
    }
  }
  return ArgTypeError(ctx, index, "an integer", v);
}

absl::StatusOr<const Json*> ArrayArg(const CallContext& ctx, const std::vector<Value>& args,
                                     size_t index) {
  const Json& v = args[index].get();
  if (!v.is_array()) return ArgTypeError(ctx, index, "an array", v);
  return &v;
}

absl::StatusOr<const Json*> ObjectArg(const CallContext& ctx, const std::vector<Value>& args,
                                      size_t index) {
  const Json& v = args[index].get();
  if (!v.is_object()) return ArgTypeError(ctx, index, "an object", v);
  return &v;
}

}  // namespace flowhost::expr
