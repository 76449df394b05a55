// The cool-down table: entries last until their time, a longer cool-down wins, and the table is
// bounded.
#include "nodes/router/cooldown_table.h"

#include "gtest/gtest.h"

namespace flowhost::nodes::router {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

TEST(CooldownTable, AnEntryLastsUntilItsTime) {
  CooldownTable table;
  table.CoolDown("chat:x|m", kNow, kNow + absl::Seconds(10), "rate_limited");
  ASSERT_TRUE(table.Active("chat:x|m", kNow + absl::Seconds(9)).has_value());
  EXPECT_EQ(table.Active("chat:x|m", kNow)->error_class, "rate_limited");
  EXPECT_FALSE(table.Active("chat:x|m", kNow + absl::Seconds(10)).has_value());
  EXPECT_FALSE(table.Active("chat:x|other", kNow).has_value());
}

TEST(CooldownTable, KeepsTheLongerOfTwoCooldowns) {
  CooldownTable table;
  table.CoolDown("k", kNow, kNow + absl::Seconds(60), "rate_limited");
  table.CoolDown("k", kNow, kNow + absl::Seconds(5), "upstream");
  EXPECT_EQ(table.Active("k", kNow + absl::Seconds(30))->error_class, "rate_limited");
  table.CoolDown("k", kNow, kNow + absl::Seconds(90), "upstream");
  EXPECT_EQ(table.Active("k", kNow + absl::Seconds(80))->error_class, "upstream");
}

TEST(CooldownTable, StaysWithinItsBoundDroppingEndedEntriesFirst) {
  CooldownTable table(/*max_entries=*/3);
  table.CoolDown("ended", kNow, kNow + absl::Seconds(1), "upstream");
  table.CoolDown("long", kNow, kNow + absl::Seconds(100), "upstream");
  table.CoolDown("short", kNow, kNow + absl::Seconds(50), "upstream");
  absl::Time later = kNow + absl::Seconds(2);
  table.CoolDown("new", later, later + absl::Seconds(10), "upstream");
  EXPECT_EQ(table.size(), 3u);
  EXPECT_TRUE(table.Active("long", later).has_value());
  EXPECT_TRUE(table.Active("short", later).has_value());
  table.CoolDown("newer", later, later + absl::Seconds(10), "upstream");
  EXPECT_EQ(table.size(), 3u);
  EXPECT_TRUE(table.Active("long", later).has_value());
  EXPECT_TRUE(table.Active("newer", later).has_value());
}

}  // namespace
}  // namespace flowhost::nodes::router
