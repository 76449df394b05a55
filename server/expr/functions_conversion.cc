// Conversions, null handling, JSON and time: number, int, string, boolean, toJson, parseJson,
// default, coalesce, isEmpty, typeOf, not, now, formatDate, toMillis.
#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/common/utf8_text.h"
#include "server/expr/functions.h"
#include "server/expr/operators.h"
#include "server/expr/status_macros.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;

// parseJson rejects documents nested deeper than this before handing them to the JSON parser, so
// later recursive walks (equality, printing) stay shallow.
constexpr int kMaxParsedJsonDepth = 256;

absl::StatusOr<Json> Number(const CallContext& ctx, std::vector<Value>& args) {
  auto result = ToNumber(args[0].get());
  if (!result.ok()) return CallError(ctx, sdk::AsStd(result.status().message()));
  return result;
}

absl::StatusOr<Json> Int(const CallContext& ctx, std::vector<Value>& args) {
  auto number = ToNumber(args[0].get());
  if (!number.ok()) return CallError(ctx, sdk::AsStd(number.status().message()));
  if (AsInt64(*number)) return number;
  return IntegralOrFloat(std::trunc(AsDouble(*number)));
}

absl::StatusOr<Json> String(const CallContext& ctx, std::vector<Value>& args) {
  return Json(Stringify(args[0].get()));
}

absl::StatusOr<Json> Boolean(const CallContext& ctx, std::vector<Value>& args) {
  return Json(Truthy(args[0].get()));
}

absl::StatusOr<Json> ToJson(const CallContext& ctx, std::vector<Value>& args) {
  int64_t indent = -1;
  if (args.size() > 1) {
    ASSIGN_OR_RETURN(indent, IntegerArg(ctx, args, 1));
    if (indent < 0 || indent > 8) return CallError(ctx, "expects an indent between 0 and 8");
  }
  RETURN_IF_ERROR(CheckResultBytes(ctx, ApproxBytes(args[0].get(), ctx.limits.max_value_bytes)));
  return Json(ToJsonText(args[0].get(), static_cast<int>(indent)));
}

// Records where the JSON parser failed; accepts everything else.
class ErrorOnlySax : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    message_ = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    if (auto bracket = message_.find("] ");
        message_.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) {
      message_ = message_.substr(bracket + 2);
    }
    return false;
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// The deepest nesting of [ and { outside strings, stopping once it passes `limit`.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size() && deepest <= limit; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

absl::StatusOr<Json> ParseJson(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view text, StringArg(ctx, args, 0));
  if (NestingDepth(text, kMaxParsedJsonDepth) > kMaxParsedJsonDepth) {
    return CallError(
        ctx, absl::StrCat("cannot parse JSON nested deeper than ", kMaxParsedJsonDepth, " levels"));
  }
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded()) return parsed;
  ErrorOnlySax sax;
  Json::sax_parse(text, &sax);
  // nlohmann's "last read: '...'" can stop inside a character.
  return CallError(ctx,
                   absl::StrCat("got invalid JSON: ", common::ReplaceInvalidUtf8(sax.message())));
}

absl::StatusOr<Json> Default(const CallContext& ctx, std::vector<Value>& args) {
  const Json& x = args[0].get();
  const bool missing = x.is_null() || (x.is_string() && x.get_ref<const std::string&>().empty());
  return missing ? std::move(args[1]).Take() : std::move(args[0]).Take();
}

absl::StatusOr<Json> Coalesce(const CallContext& ctx, std::vector<Value>& args) {
  for (Value& v : args) {
    if (!v->is_null()) return std::move(v).Take();
  }
  return Json(nullptr);
}

absl::StatusOr<Json> IsEmpty(const CallContext& ctx, std::vector<Value>& args) {
  const Json& x = args[0].get();
  if (x.is_null()) return Json(true);
  if (x.is_string()) return Json(x.get_ref<const std::string&>().empty());
  if (x.is_array() || x.is_object()) return Json(x.empty());
  return Json(false);
}

absl::StatusOr<Json> TypeOf(const CallContext& ctx, std::vector<Value>& args) {
  return Json(std::string(TypeName(args[0].get())));
}

absl::StatusOr<Json> Not(const CallContext& ctx, std::vector<Value>& args) {
  return Json(!Truthy(args[0].get()));
}

std::string IsoUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<Json> Now(const CallContext& ctx, std::vector<Value>& args) {
  return Json(IsoUtc(ctx.scope.now()));
}

// A date argument: an ISO 8601 / RFC 3339 string ("2024-05-01T12:00:00Z", "2024-05-01") or a number
// of milliseconds since the Unix epoch.
absl::StatusOr<absl::Time> DateArg(const CallContext& ctx, const std::vector<Value>& args,
                                   size_t index) {
  const Json& x = args[index].get();
  if (x.is_number()) {
    const double millis = AsDouble(x);
    if (!(std::fabs(millis) < 1e15)) return CallError(ctx, "got a timestamp out of range");
    return absl::FromUnixMicros(static_cast<int64_t>(millis * 1000));
  }
  if (!x.is_string()) return ArgTypeError(ctx, index, "a date string or epoch milliseconds", x);
  const std::string& text = x.get_ref<const std::string&>();
  absl::Time t;
  std::string err;
  for (const char* format : {absl::RFC3339_full, "%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &t, &err)) return t;
  }
  return CallError(ctx,
                   absl::StrCat("cannot read \"", sdk::Abbreviate(text, 40),
                                "\" as a date (expected ISO 8601, like 2024-05-01T12:00:00Z)"));
}

absl::StatusOr<Json> FormatDate(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(absl::Time t, DateArg(ctx, args, 0));
  if (args.size() < 2) return Json(IsoUtc(t));
  ASSIGN_OR_RETURN(std::string_view format, StringArg(ctx, args, 1));
  if (format.size() > 256) return CallError(ctx, "expects a format of at most 256 characters");
  return Json(std::string(absl::FormatTime(std::string(format), t, absl::UTCTimeZone())));
}

absl::StatusOr<Json> ToMillis(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(absl::Time t, DateArg(ctx, args, 0));
  return Json(absl::ToUnixMillis(t));
}

}  // namespace

const std::vector<Function>& ConversionFunctions() {
  static const std::vector<Function>* const kFunctions = new std::vector<Function>{
      {"number", 1, 1, Number},
      {"int", 1, 1, Int},
      {"string", 1, 1, String},
      {"boolean", 1, 1, Boolean},
      {"toJson", 1, 2, ToJson},
      {"parseJson", 1, 1, ParseJson},
      {"default", 2, 2, Default},
      {"coalesce", 1, kVariadic, Coalesce},
      {"isEmpty", 1, 1, IsEmpty},
      {"typeOf", 1, 1, TypeOf},
      {"not", 1, 1, Not},
      {"now", 0, 0, Now},
      {"formatDate", 1, 2, FormatDate},
      {"toMillis", 1, 1, ToMillis},
  };
  return *kFunctions;
}

}  // namespace flowhost::expr
