// String functions: lower, upper, trim, split, startsWith, endsWith, replace, replaceFirst,
// substring, repeat, padStart, padEnd. Positions and lengths count code points (see utf8.h).
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/absl_compat.h"
#include "server/expr/functions.h"
#include "server/expr/status_macros.h"
#include "server/expr/utf8.h"

namespace flowhost::expr {
namespace {

using sdk::AsAbsl;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

absl::StatusOr<Json> Lower(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return Json(std::move(out));
}

absl::StatusOr<Json> Upper(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return Json(std::move(out));
}

absl::StatusOr<Json> Trim(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return Json(std::string(s));
}

absl::StatusOr<Json> Split(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  ASSIGN_OR_RETURN(std::string_view separator, StringArg(ctx, args, 1));
  Json out = Json::array();
  if (separator.empty()) {
    // The budget is checked before splitting: an 8 MiB string split into ~8 M one-character
    // strings took seconds and hundreds of MiB only to be refused afterwards.
    RETURN_IF_ERROR(CheckResultBytes(ctx, s.size() + CodePointCount(s) * 4));
    for (std::string& c : SplitCodePoints(s)) out.push_back(std::move(c));
    return out;
  }
  size_t start = 0;
  size_t parts = 0;
  while (true) {
    const size_t found = s.find(separator, start);
    ++parts;
    RETURN_IF_ERROR(CheckResultBytes(ctx, s.size() + parts * 4));
    if (found == std::string_view::npos) {
      out.push_back(std::string(s.substr(start)));
      break;
    }
    out.push_back(std::string(s.substr(start, found - start)));
    start = found + separator.size();
  }
  return out;
}

absl::StatusOr<Json> StartsWith(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  ASSIGN_OR_RETURN(std::string_view prefix, StringArg(ctx, args, 1));
  return Json(s.substr(0, prefix.size()) == prefix);
}

absl::StatusOr<Json> EndsWith(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  ASSIGN_OR_RETURN(std::string_view suffix, StringArg(ctx, args, 1));
  return Json(s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix);
}

absl::StatusOr<Json> ReplaceImpl(const CallContext& ctx, std::vector<Value>& args, bool all) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  ASSIGN_OR_RETURN(std::string_view from, StringArg(ctx, args, 1));
  ASSIGN_OR_RETURN(std::string_view to, StringArg(ctx, args, 2));
  if (from.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(ctx.name), "() cannot search for an empty string"));
  }
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t found = s.find(from, start);
    if (found == std::string_view::npos) break;
    out.append(s.substr(start, found - start));
    out.append(to);
    start = found + from.size();
    RETURN_IF_ERROR(CheckResultBytes(ctx, out.size() + (s.size() - start)));
    if (!all) break;
  }
  out.append(s.substr(start));
  return Json(std::move(out));
}

absl::StatusOr<Json> Replace(const CallContext& ctx, std::vector<Value>& args) {
  return ReplaceImpl(ctx, args, /*all=*/true);
}

absl::StatusOr<Json> ReplaceFirst(const CallContext& ctx, std::vector<Value>& args) {
  return ReplaceImpl(ctx, args, /*all=*/false);
}

// JavaScript's substring: indexes are clamped to [0, length] and swapped when start > end.
absl::StatusOr<Json> Substring(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  const int64_t length = static_cast<int64_t>(CodePointCount(s));
  ASSIGN_OR_RETURN(int64_t start, IntegerArg(ctx, args, 1));
  int64_t end = length;
  if (args.size() > 2) {
    ASSIGN_OR_RETURN(end, IntegerArg(ctx, args, 2));
  }
  start = std::clamp<int64_t>(start, 0, length);
  end = std::clamp<int64_t>(end, 0, length);
  if (start > end) std::swap(start, end);
  const size_t from = CodePointOffset(s, start);
  const size_t to = CodePointOffset(s, end);
  return Json(std::string(s.substr(from, to - from)));
}

absl::StatusOr<Json> Repeat(const CallContext& ctx, std::vector<Value>& args) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  ASSIGN_OR_RETURN(int64_t count, IntegerArg(ctx, args, 1));
  if (count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(ctx.name), "() expects a count of 0 or more, got ", count));
  }
  // An empty string repeated any number of times is empty, at once: the loop below would spin
  // `count` times (repeat('', 1e12) held a thread for hours; found by the expression fuzzer).
  if (s.empty()) return Json(std::string());
  if (static_cast<uint64_t>(count) > ctx.limits.max_value_bytes / s.size()) {
    return CheckResultBytes(ctx, ctx.limits.max_value_bytes + 1);
  }
  std::string out;
  out.reserve(s.size() * count);
  for (int64_t i = 0; i < count; ++i) out.append(s);
  return Json(std::move(out));
}

absl::StatusOr<Json> PadImpl(const CallContext& ctx, std::vector<Value>& args, bool at_start) {
  ASSIGN_OR_RETURN(std::string_view s, StringArg(ctx, args, 0));
  ASSIGN_OR_RETURN(int64_t target, IntegerArg(ctx, args, 1));
  std::string_view fill = " ";
  if (args.size() > 2) {
    ASSIGN_OR_RETURN(fill, StringArg(ctx, args, 2));
  }
  const int64_t length = static_cast<int64_t>(CodePointCount(s));
  if (target <= length || fill.empty()) return Json(std::string(s));
  if (static_cast<uint64_t>(target) > ctx.limits.max_value_bytes) {
    return CheckResultBytes(ctx, ctx.limits.max_value_bytes + 1);
  }
  std::vector<std::string> fill_chars = SplitCodePoints(fill);
  std::string padding;
  for (int64_t i = 0; i < target - length; ++i) padding += fill_chars[i % fill_chars.size()];
  RETURN_IF_ERROR(CheckResultBytes(ctx, padding.size() + s.size()));
  return Json(at_start ? padding + std::string(s) : std::string(s) + padding);
}

absl::StatusOr<Json> PadStart(const CallContext& ctx, std::vector<Value>& args) {
  return PadImpl(ctx, args, /*at_start=*/true);
}

absl::StatusOr<Json> PadEnd(const CallContext& ctx, std::vector<Value>& args) {
  return PadImpl(ctx, args, /*at_start=*/false);
}

}  // namespace

const std::vector<Function>& TextFunctions() {
  static const std::vector<Function>* const kFunctions = new std::vector<Function>{
      {"lower", 1, 1, Lower},
      {"upper", 1, 1, Upper},
      {"trim", 1, 1, Trim},
      {"split", 2, 2, Split},
      {"startsWith", 2, 2, StartsWith},
      {"endsWith", 2, 2, EndsWith},
      {"replace", 3, 3, Replace},
      {"replaceFirst", 3, 3, ReplaceFirst},
      {"substring", 2, 3, Substring},
      {"repeat", 2, 2, Repeat},
      {"padStart", 2, 3, PadStart},
      {"padEnd", 2, 3, PadEnd},
  };
  return *kFunctions;
}

}  // namespace flowhost::expr
