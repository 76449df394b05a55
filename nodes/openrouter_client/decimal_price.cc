#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/absl_compat.h"

namespace flowhost::nodes::openrouter {
namespace {

// Prices are below 10^kMaxIntegerDigits.
constexpr int kMaxIntegerDigits = 8;
// Longest exponent accepted; larger ones are refused before they could overflow.
constexpr size_t kMaxExponentDigits = 4;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<DecimalPrice> DecimalPrice::Parse(std::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(sdk::AsAbsl(text));
  if (!rest.empty() && rest.front() == '+') rest.remove_prefix(1);

  // The significant digits, and the power of ten the last one stands for.
  std::string digits;
  int64_t exponent = 0;
  bool any_digit = false;
  while (!rest.empty() && IsDigit(rest.front())) {
    digits.push_back(rest.front());
    any_digit = true;
    rest.remove_prefix(1);
  }
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && IsDigit(rest.front())) {
      digits.push_back(rest.front());
      --exponent;
      any_digit = true;
      rest.remove_prefix(1);
    }
  }
  if (!any_digit) return std::nullopt;
  if (!rest.empty() && (rest.front() == 'e' || rest.front() == 'E')) {
    rest.remove_prefix(1);
    bool negative = false;
    if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
      negative = rest.front() == '-';
      rest.remove_prefix(1);
    }
    if (rest.empty() || rest.size() > kMaxExponentDigits) return std::nullopt;
    int64_t written = 0;
    for (char c : rest) {
      if (!IsDigit(c)) return std::nullopt;
      written = written * 10 + (c - '0');
    }
    exponent += negative ? -written : written;
    rest = {};
  }
  if (!rest.empty()) return std::nullopt;

  // Normalise: no leading zeros, no trailing zeros (each one moves the exponent up).
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  DecimalPrice price;
  if (digits.empty()) return price;                // zero
  if (exponent + kScale < 0) return std::nullopt;  // finer than 10^-kScale
  if (static_cast<int64_t>(digits.size()) + exponent > kMaxIntegerDigits) return std::nullopt;
  for (char c : digits) price.units_ = price.units_ * 10 + static_cast<uint64_t>(c - '0');
  for (int64_t i = 0; i < exponent + kScale; ++i) price.units_ *= 10;
  return price;
}

std::optional<DecimalPrice> DecimalPrice::FromJson(const sdk::Json& value) {
  if (value.is_string()) return Parse(value.get_ref<const std::string&>());
  if (value.is_number()) return Parse(value.dump());
  return std::nullopt;
}

std::string DecimalPrice::ToString() const {
  std::string digits;
  for (absl::uint128 rest = units_; rest != 0; rest /= 10) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(rest % 10)));
  }
  if (digits.size() <= static_cast<size_t>(kScale)) digits.resize(kScale + 1, '0');
  std::reverse(digits.begin(), digits.end());
  std::string text = digits.substr(0, digits.size() - kScale);
  std::string fraction = digits.substr(digits.size() - kScale);
  fraction.erase(std::min(fraction.find_last_not_of('0') + 1, fraction.size()));
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

}  // namespace flowhost::nodes::openrouter
