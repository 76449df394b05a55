#include "flowhost/sdk/duration.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "flowhost/sdk/abbreviate.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::sdk {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanoseconds;
};

constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\u00b5s", 1'000},  // micro sign
    {"\u03bcs", 1'000},  // Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", int64_t{60} * 1'000'000'000},
    {"h", int64_t{3'600} * 1'000'000'000},
    {"d", int64_t{86'400} * 1'000'000'000},
};

constexpr char kUnitList[] = "ns, us, ms, s, m, h and d";

// Fraction digits beyond this many are dropped: they are worth less than a nanosecond of a day.
constexpr int kMaxFractionDigits = 18;

// `text` quoted for a message, cut to about 40 bytes.
std::string Quoted(std::string_view text) {
  std::string quoted = Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (quoted.size() > 40) quoted = Abbreviate(quoted, 39) + "\"";
  return quoted;
}

std::string Described(const Json& value) {
  if (value.is_string()) return Quoted(value.get_ref<const std::string&>());
  if (value.is_array()) return "a list";
  if (value.is_object()) return "an object";
  return value.dump();
}

absl::Status NotADuration(std::string_view got, std::string_view why = "") {
  return absl::InvalidArgumentError(absl::StrCat(
      "expected a duration such as \"250ms\", \"30s\", \"1m30s\" or a number of seconds, got ",
      AsAbsl(got), why.empty() ? "" : ": ", AsAbsl(why)));
}

absl::Status Negative(std::string_view got) {
  return absl::InvalidArgumentError(
      absl::StrCat("a duration must not be negative, got ", AsAbsl(got)));
}

absl::Status TooLong(std::string_view got) {
  return absl::InvalidArgumentError(
      absl::StrCat("a duration must be at most a year (366d), got ", AsAbsl(got)));
}

const Unit* FindUnit(std::string_view name) {
  for (const Unit& unit : kUnits) {
    if (unit.name == name) return &unit;
  }
  return nullptr;
}

// One term of `text` from `pos` ("1.5h"): its length in nanoseconds, or more than `max_nanos`
// (never more than twice it, so a sum of two cannot overflow) when it is too long. Advances `pos`
// past the term; an error says what is wrong with `text`.
absl::StatusOr<int64_t> ReadTerm(std::string_view text, size_t& pos, int64_t max_nanos) {
  uint64_t whole = 0;
  bool whole_too_large = false;
  size_t digits = 0;
  for (; pos < text.size() && absl::ascii_isdigit(text[pos]); ++pos, ++digits) {
    if (whole > static_cast<uint64_t>(max_nanos)) {
      whole_too_large = true;  // already more than any unit allows; the rest cannot matter
    } else {
      whole = whole * 10 + static_cast<uint64_t>(text[pos] - '0');
    }
  }
  uint64_t fraction = 0;
  uint64_t scale = 1;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t fraction_digits = 0;
    for (; pos < text.size() && absl::ascii_isdigit(text[pos]); ++pos, ++fraction_digits) {
      if (fraction_digits < kMaxFractionDigits) {
        fraction = fraction * 10 + static_cast<uint64_t>(text[pos] - '0');
        scale *= 10;
      }
    }
    if (fraction_digits == 0) return NotADuration(Quoted(text), "a '.' must be followed by digits");
    digits += fraction_digits;
  }
  if (digits == 0) return NotADuration(Quoted(text));

  size_t unit_begin = pos;
  while (pos < text.size() && !absl::ascii_isdigit(text[pos]) && text[pos] != '.') ++pos;
  std::string_view unit_name = text.substr(unit_begin, pos - unit_begin);
  if (unit_name.empty()) {
    if (pos < text.size()) return NotADuration(Quoted(text));  // "1.2.3s"
    return NotADuration(Quoted(text), absl::StrCat("every number needs a unit (", kUnitList, ")"));
  }
  const Unit* unit = FindUnit(unit_name);
  if (unit == nullptr) {
    return NotADuration(Quoted(text), absl::StrCat("unknown unit ", Quoted(unit_name),
                                                   " (the units are ", kUnitList, ")"));
  }
  const uint64_t per_unit = static_cast<uint64_t>(unit->nanoseconds);
  if (whole_too_large || whole > static_cast<uint64_t>(max_nanos) / per_unit) return max_nanos + 1;
  // Exact in 128 bits: the fraction (below 10^18) times a unit (below 10^14) overflows 64.
  const absl::uint128 fraction_nanos = absl::uint128(fraction) * per_unit / scale;
  return static_cast<int64_t>(whole * per_unit + absl::Uint128Low64(fraction_nanos));
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDurationText(std::string_view text) {
  const int64_t max_nanos = absl::ToInt64Nanoseconds(kMaxDuration);
  if (text.empty()) return NotADuration("an empty string");
  if (text == "0") return absl::ZeroDuration();
  if (text.front() == '-') return Negative(Quoted(text));
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      return NotADuration(Quoted(text), "write it without spaces, like \"1m30s\"");
    }
  }
  int64_t total = 0;
  for (size_t pos = 0; pos < text.size();) {
    absl::StatusOr<int64_t> term = ReadTerm(text, pos, max_nanos);
    if (!term.ok()) return term.status();
    total += *term;  // the sum so far is at most max_nanos, a term at most twice it: no overflow
    if (total > max_nanos) return TooLong(Quoted(text));
  }
  return absl::Nanoseconds(total);
}

absl::StatusOr<absl::Duration> ParseDuration(const Json& value) {
  if (value.is_string()) return ParseDurationText(value.get_ref<const std::string&>());
  if (!value.is_number()) return NotADuration(Described(value));
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds)) return NotADuration("a number that is not finite");
  if (seconds < 0) return Negative(Described(value));
  if (seconds > absl::ToDoubleSeconds(kMaxDuration)) return TooLong(Described(value));
  return absl::Seconds(seconds);
}

}  // namespace flowhost::sdk
