#include "server/workflow/yaml_scalar.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;

constexpr std::string_view kCoreTag = "tag:yaml.org,2002:";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsNull(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

std::optional<bool> AsBool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

bool IsSpecialFloat(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
  return text == ".inf" || text == ".Inf" || text == ".INF" || text == ".nan" || text == ".NaN" ||
         text == ".NAN";
}

// Shortens a value for a message.
std::string Shown(std::string_view text) { return sdk::Abbreviate(text, 40); }

enum class NumberForm { kNone, kDecimal, kOctal, kHex, kFloat };

NumberForm FormOf(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'x')) {
    bool hex = text[1] == 'x';
    for (char c : text.substr(2)) {
      bool ok = hex ? (IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
                    : (c >= '0' && c <= '7');
      if (!ok) return NumberForm::kNone;
    }
    return hex ? NumberForm::kHex : NumberForm::kOctal;
  }
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t digits = 0;
  while (i < text.size() && IsDigit(text[i])) ++i, ++digits;
  if (i == text.size()) return digits > 0 ? NumberForm::kDecimal : NumberForm::kNone;
  size_t fraction = 0;
  if (text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i, ++fraction;
  }
  if (digits == 0 && fraction == 0) return NumberForm::kNone;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exponent = 0;
    while (i < text.size() && IsDigit(text[i])) ++i, ++exponent;
    if (exponent == 0) return NumberForm::kNone;
  }
  return i == text.size() ? NumberForm::kFloat : NumberForm::kNone;
}

ResolvedScalar OutOfRange(std::string_view text) {
  return {Json(std::string(text)),
          absl::StrCat("number ", Shown(text), " is out of range (JSON numbers here are 64-bit)")};
}

ResolvedScalar ParseNumber(std::string_view text, NumberForm form) {
  const char* end = text.data() + text.size();
  if (form == NumberForm::kOctal || form == NumberForm::kHex) {
    uint64_t value = 0;
    auto [ptr, ec] =
        std::from_chars(text.data() + 2, end, value, form == NumberForm::kHex ? 16 : 8);
    if (ec != std::errc() || ptr != end) return OutOfRange(text);
    if (value <= static_cast<uint64_t>(INT64_MAX)) return {Json(static_cast<int64_t>(value)), ""};
    return {Json(value), ""};
  }
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  const char* begin = digits.data();
  if (form == NumberForm::kDecimal) {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec == std::errc() && ptr == end) return {Json(value), ""};
    uint64_t unsigned_value = 0;
    auto [uptr, uec] = std::from_chars(begin, end, unsigned_value);
    if (uec == std::errc() && uptr == end) return {Json(unsigned_value), ""};
    return OutOfRange(text);
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return OutOfRange(text);
  return {Json(value), ""};
}

ResolvedScalar ResolvePlain(const std::string& text) {
  if (IsNull(text)) return {Json(nullptr), ""};
  if (std::optional<bool> b = AsBool(text)) return {Json(*b), ""};
  if (IsSpecialFloat(text)) {
    return {Json(text), absl::StrCat("'", text, "' (infinity or NaN) has no JSON equivalent")};
  }
  NumberForm form = FormOf(text);
  if (form != NumberForm::kNone) return ParseNumber(text, form);
  return {Json(text), ""};
}

ResolvedScalar Mismatch(const std::string& text, std::string_view tag) {
  return {Json(text),
          absl::StrCat("'", Shown(text), "' is not a valid !!", sdk::AsAbsl(tag), " value")};
}

}  // namespace

ResolvedScalar ResolveScalar(std::string_view tag, const std::string& text) {
  if (tag == "?") return ResolvePlain(text);
  if (tag == "!" || tag.empty()) return {Json(text), ""};
  if (tag.substr(0, kCoreTag.size()) == kCoreTag) {
    std::string_view kind = tag.substr(kCoreTag.size());
    if (kind == "str") return {Json(text), ""};
    if (kind == "null") {
      return IsNull(text) ? ResolvedScalar{Json(nullptr), ""} : Mismatch(text, kind);
    }
    if (kind == "bool") {
      std::optional<bool> b = AsBool(text);
      return b ? ResolvedScalar{Json(*b), ""} : Mismatch(text, kind);
    }
    NumberForm form = FormOf(text);
    if (kind == "int") {
      return form == NumberForm::kNone || form == NumberForm::kFloat ? Mismatch(text, kind)
                                                                     : ParseNumber(text, form);
    }
    if (kind == "float") {
      if (IsSpecialFloat(text)) return ResolvePlain(text);
      if (form == NumberForm::kNone) return Mismatch(text, kind);
      ResolvedScalar number = ParseNumber(text, form);
      if (number.error.empty()) number.value = Json(number.value.get<double>());
      return number;
    }
  }
  return {Json(text),
          absl::StrCat("unsupported tag '", ShownTag(tag),
                       "': workflow files use plain YAML (strings, numbers, booleans, null, lists, "
                       "mappings)")};
}

std::string ShownTag(std::string_view tag) {
  if (tag.substr(0, kCoreTag.size()) == kCoreTag) {
    return absl::StrCat("!!", sdk::AsAbsl(tag.substr(kCoreTag.size())));
  }
  return std::string(tag);
}

}  // namespace flowhost::workflow
