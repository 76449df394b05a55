// An exact decimal price, as OpenRouter writes them ("0.0000003" USD per token), for comparing and
// adding prices without binary floating point's rounding: as doubles, 0.0000001 + 0.0000002 is not
// 0.0000003, so two models with the same total price would sort by noise.
//
// A price is a non-negative number below 10^8 with at most 30 decimal places, held as an integer
// count of 10^-30. That covers every price OpenRouter publishes (per token, per request, per
// image) with room to spare; anything else is not a price this type holds (Parse says so).
//
// Thread-safety: an immutable value.
#ifndef FLOWHOST_NODES_OPENROUTER_DECIMAL_PRICE_H_
#define FLOWHOST_NODES_OPENROUTER_DECIMAL_PRICE_H_

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "absl/numeric/int128.h"
#include "flowhost/sdk/json.h"

namespace flowhost::nodes::openrouter {

class DecimalPrice {
 public:
  // Decimal places held.
  static constexpr int kScale = 30;

  DecimalPrice() = default;

  // Parses a decimal number: "0.0000003", "12", "1.5e-7", "3E-07", with surrounding whitespace.
  // nullopt for a negative number (OpenRouter's "variable price"), anything malformed, a value of
  // 10^8 or more, or a non-zero digit past the 30th decimal place.
  static std::optional<DecimalPrice> Parse(std::string_view text);

  // A price given as JSON: a decimal string, or a number (read from its shortest round-trip text,
  // which is what was written for any number a person or OpenRouter would write).
  static std::optional<DecimalPrice> FromJson(const sdk::Json& value);

  // The sum; both are below 10^8, so it cannot overflow.
  DecimalPrice operator+(const DecimalPrice& other) const {
    DecimalPrice sum;
    sum.units_ = units_ + other.units_;
    return sum;
  }

  bool operator==(const DecimalPrice& other) const { return units_ == other.units_; }
  std::strong_ordering operator<=>(const DecimalPrice& other) const {
    if (units_ < other.units_) return std::strong_ordering::less;
    if (other.units_ < units_) return std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }

  // The shortest decimal text of the value: "0.0000003", "12", "0".
  std::string ToString() const;

 private:
  absl::uint128 units_ = 0;  // the value times 10^kScale
};

}  // namespace flowhost::nodes::openrouter

#endif  // FLOWHOST_NODES_OPENROUTER_DECIMAL_PRICE_H_
