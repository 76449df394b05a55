// Exact decimal prices: what parses, what is refused, and that sums compare exactly.
#include <optional>
#include <string>

#include "flowhost/openrouter/client.h"
#include "gtest/gtest.h"

namespace flowhost::nodes::openrouter {
namespace {

std::string Normalised(std::string_view text) {
  std::optional<DecimalPrice> price = DecimalPrice::Parse(text);
  return price.has_value() ? price->ToString() : "refused";
}

TEST(DecimalPrice, ParsesTheFormsPricesAreWrittenIn) {
  EXPECT_EQ(Normalised("0.0000003"), "0.0000003");
  EXPECT_EQ(Normalised("0"), "0");
  EXPECT_EQ(Normalised("12"), "12");
  EXPECT_EQ(Normalised("12.50"), "12.5");
  EXPECT_EQ(Normalised(".5"), "0.5");
  EXPECT_EQ(Normalised("5."), "5");
  EXPECT_EQ(Normalised("+0.01"), "0.01");
  EXPECT_EQ(Normalised(" 0.000015 "), "0.000015");
  EXPECT_EQ(Normalised("3e-7"), "0.0000003");
  EXPECT_EQ(Normalised("1.5E-06"), "0.0000015");
  EXPECT_EQ(Normalised("2e+3"), "2000");
  EXPECT_EQ(Normalised("0.000000000000000000000000000001"), "0.000000000000000000000000000001");
  EXPECT_EQ(Normalised("0.0000003000000000000000000000000000"), "0.0000003");
  EXPECT_EQ(Normalised("99999999.9"), "99999999.9");
}

TEST(DecimalPrice, RefusesWhatIsNotAPriceItCanHoldExactly) {
  EXPECT_EQ(Normalised("-1"), "refused");  // OpenRouter's "variable"
  EXPECT_EQ(Normalised(""), "refused");
  EXPECT_EQ(Normalised("."), "refused");
  EXPECT_EQ(Normalised("abc"), "refused");
  EXPECT_EQ(Normalised("0.1x"), "refused");
  EXPECT_EQ(Normalised("1e"), "refused");
  EXPECT_EQ(Normalised("1e99999"), "refused");
  EXPECT_EQ(Normalised("nan"), "refused");
  EXPECT_EQ(Normalised("inf"), "refused");
  EXPECT_EQ(Normalised("100000000"), "refused");                          // 10^8
  EXPECT_EQ(Normalised("0.0000000000000000000000000000001"), "refused");  // 31 places
}

TEST(DecimalPrice, SumsThatAreEqualInDecimalCompareEqual) {
  // As doubles per million tokens, the way the sort used to add them, 0.1 + 0.2 != 0.3.
  ASSERT_NE(0.1 + 0.2, 0.3);
  DecimalPrice a = *DecimalPrice::Parse("0.0000001") + *DecimalPrice::Parse("0.0000002");
  DecimalPrice b = *DecimalPrice::Parse("0.0000003") + *DecimalPrice::Parse("0");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.ToString(), "0.0000003");
  EXPECT_LT(*DecimalPrice::Parse("0.00000030000000000000001"),
            *DecimalPrice::Parse("0.0000003001"));
  EXPECT_GT(*DecimalPrice::Parse("0.00000030000000000000001"), *DecimalPrice::Parse("0.0000003"));
}

TEST(DecimalPrice, ReadsJsonNumbersFromTheirShortestText) {
  EXPECT_EQ(DecimalPrice::FromJson(sdk::Json(0.0000003))->ToString(), "0.0000003");
  EXPECT_EQ(DecimalPrice::FromJson(sdk::Json(2))->ToString(), "2");
  EXPECT_EQ(DecimalPrice::FromJson(sdk::Json("0.5"))->ToString(), "0.5");
  EXPECT_FALSE(DecimalPrice::FromJson(sdk::Json(nullptr)).has_value());
  EXPECT_FALSE(DecimalPrice::FromJson(sdk::Json(-1)).has_value());
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
