// The catalogue: normalised prices and the free set from the project's catalogue file, and the
// shared cache (one refresh for many concurrent callers, TTL, stale copy while a refresh fails).
#include "nodes/openrouter_client/catalogue.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/clocks.h"
#include "server/common/manual_scheduler.h"
#include "tests/nodes/testing/fake_http_client.h"
#include "tests/nodes/testing/openrouter_replies.h"
#include "tests/source_dir.h"

namespace flowhost::nodes::openrouter {
namespace {

using node_testing::CatalogueBody;
using node_testing::CatalogueEntry;
using node_testing::FakeHttpClient;
using node_testing::FakeResponse;
using sdk::Json;

const char kCatalogueFile[] =
    FLOWHOST_SOURCE_DIR "/tests/fake_openrouter/data/openrouter-models.json";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(Catalogue, NormalisesPricesToUsdPerMillionTokens) {
  absl::StatusOr<CataloguePtr> catalogue = Catalogue::Parse(
      CatalogueBody({CatalogueEntry("a/paid", "0.0000003", "0.0000015", 128000, 4096),
                     CatalogueEntry("a/variable", "-1", "-1"), CatalogueEntry("a/zero", "0", "0"),
                     CatalogueEntry("a/model:free", "0.000001", "0.000001")}),
      absl::UnixEpoch());
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  const CatalogueModel* paid = (*catalogue)->Find("a/paid");
  ASSERT_NE(paid, nullptr);
  EXPECT_DOUBLE_EQ(*paid->prompt_price_per_million(), 0.3);
  EXPECT_DOUBLE_EQ(*paid->completion_price_per_million(), 1.5);
  EXPECT_EQ(paid->author, "a");
  EXPECT_EQ(paid->max_completion_tokens, 4096);
  EXPECT_FALSE(paid->is_free);
  EXPECT_DOUBLE_EQ(*paid->CostOf(1000, 100), 1000 * 0.0000003 + 100 * 0.0000015);
  Json item = paid->ToItem();
  EXPECT_EQ(item["prompt_price_per_million"], 0.3);
  // The fields openrouter.models declares in its output schema are exactly the item's.
  std::vector<std::string> keys;
  for (const auto& [key, unused] : item.items()) keys.push_back(key);
  std::vector<std::string> declared = ModelItemFields();
  std::sort(declared.begin(), declared.end());
  EXPECT_EQ(keys, declared);
  EXPECT_EQ(item["context_length"], 128000);

  const CatalogueModel* variable = (*catalogue)->Find("a/variable");
  EXPECT_FALSE(variable->prompt_price.has_value());
  EXPECT_FALSE(variable->CostOf(1, 1).has_value());
  EXPECT_TRUE(variable->ToItem()["prompt_price_per_million"].is_null());
  EXPECT_FALSE(variable->is_free);
  EXPECT_TRUE((*catalogue)->Find("a/zero")->is_free);
  EXPECT_TRUE((*catalogue)->Find("a/model:free")->is_free);
}

TEST(Catalogue, FindsExactlyTheFreeModelsOfTheProjectCatalogueFile) {
  std::string text = ReadFile(kCatalogueFile);
  ASSERT_FALSE(text.empty());
  // The expected set, computed from the file directly.
  Json file = Json::parse(text);
  std::set<std::string> expected;
  for (const Json& model : file["data"]) {
    std::string id = model["id"];
    bool zero = std::stod(model["pricing"]["prompt"].get<std::string>()) == 0 &&
                std::stod(model["pricing"]["completion"].get<std::string>()) == 0;
    if (absl::EndsWith(id, ":free") || zero) expected.insert(id);
  }
  ASSERT_FALSE(expected.empty());
  absl::StatusOr<CataloguePtr> catalogue = Catalogue::Parse(text, absl::UnixEpoch());
  ASSERT_TRUE(catalogue.ok());
  EXPECT_EQ((*catalogue)->models().size(), file["data"].size());
  std::set<std::string> free;
  for (const CatalogueModel& model : (*catalogue)->models()) {
    if (model.is_free) free.insert(model.id);
  }
  EXPECT_EQ(free, expected);
}

TEST(Catalogue, ReadsTheExpirationDateInEachFormOpenRouterMayUse) {
  auto entry = [](const std::string& id, Json expiration) {
    Json model = CatalogueEntry(id, "0", "0");
    model["expiration_date"] = expiration;
    return model;
  };
  absl::StatusOr<CataloguePtr> catalogue = Catalogue::Parse(
      CatalogueBody({entry("date", "2025-09-30"), entry("time", "2025-09-30T12:00:00Z"),
                     entry("seconds", 1759233600), entry("none", nullptr),
                     entry("garbage", "next tuesday"), entry("absent", nullptr)}),
      absl::UnixEpoch());
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  auto expires = [&](const char* id) { return (*catalogue)->Find(id)->expires_at; };
  EXPECT_EQ(expires("date"), absl::FromCivil(absl::CivilDay(2025, 9, 30), absl::UTCTimeZone()));
  EXPECT_EQ(expires("time"),
            absl::FromCivil(absl::CivilSecond(2025, 9, 30, 12, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(expires("seconds"), absl::FromUnixSeconds(1759233600));
  EXPECT_EQ(expires("none"), std::nullopt);
  EXPECT_EQ(expires("garbage"), std::nullopt);
  const CatalogueModel& dated = *(*catalogue)->Find("date");
  EXPECT_FALSE(dated.ExpiredAt(*expires("date") - absl::Seconds(1)));
  EXPECT_TRUE(dated.ExpiredAt(*expires("date")));
  EXPECT_FALSE((*catalogue)->Find("none")->ExpiredAt(absl::InfiniteFuture()));
}

TEST(Catalogue, RejectsABodyWithoutData) {
  EXPECT_EQ(sdk::ErrorClassOf(Catalogue::Parse("{}", absl::UnixEpoch()).status()),
            "malformed_response");
  EXPECT_EQ(sdk::ErrorClassOf(Catalogue::Parse("nope", absl::UnixEpoch()).status()),
            "malformed_response");
}

class CatalogueCacheTest : public ::testing::Test {
 protected:
  CatalogueCacheTest() { endpoint_.base_url = "http://fake/api/v1"; }

  // Starts a Get and returns where its result will land.
  std::shared_ptr<std::optional<absl::StatusOr<CataloguePtr>>> Get() {
    auto slot = std::make_shared<std::optional<absl::StatusOr<CataloguePtr>>>();
    cache_->Get(endpoint_, http_, clock_,
                [slot](absl::StatusOr<CataloguePtr> result) { *slot = std::move(result); });
    return slot;
  }

  common::ManualClock clock_;
  common::ManualScheduler scheduler_{&clock_};
  FakeHttpClient http_{scheduler_};
  Endpoint endpoint_;
  std::shared_ptr<CatalogueCache> cache_ = std::make_shared<CatalogueCache>(
      CatalogueCache::Options{.ttl = absl::Minutes(5), .failure_backoff = absl::Seconds(15)});
  std::string body_ = CatalogueBody({CatalogueEntry("a/x", "0.000001", "0.000002")});
};

TEST_F(CatalogueCacheTest, ManyConcurrentCallersShareOneRefresh) {
  std::vector<std::shared_ptr<std::optional<absl::StatusOr<CataloguePtr>>>> slots;
  for (int i = 0; i < 50; ++i) slots.push_back(Get());
  EXPECT_EQ(http_.request_count(), 1u);
  EXPECT_EQ(http_.requests()[0].url, "http://fake/api/v1/models");
  for (const auto& slot : slots) EXPECT_FALSE(slot->has_value());  // they wait, nobody blocks
  http_.Respond(0, FakeResponse::Json(200, body_));
  scheduler_.RunUntilIdle();
  for (const auto& slot : slots) {
    ASSERT_TRUE(slot->has_value());
    ASSERT_TRUE((*slot)->ok());
    EXPECT_NE((**slot).value()->Find("a/x"), nullptr);
  }
  EXPECT_EQ(cache_->fetches(), 1);
}

TEST_F(CatalogueCacheTest, ServesTheCopyUntilTheTtlThenRefreshes) {
  http_.SetHandler([this](const sdk::HttpRequest&) { return FakeResponse::Json(200, body_); });
  Get();
  scheduler_.RunUntilIdle();
  clock_.Advance(absl::Minutes(4));
  auto cached = Get();
  EXPECT_TRUE(cached->has_value());  // answered at once, from the copy
  EXPECT_EQ(http_.request_count(), 1u);
  clock_.Advance(absl::Minutes(2));
  Get();
  scheduler_.RunUntilIdle();
  EXPECT_EQ(http_.request_count(), 2u);
}

TEST_F(CatalogueCacheTest, ServesTheStaleCopyWhileARefreshFails) {
  Get();
  http_.Respond(0, FakeResponse::Json(200, body_));
  scheduler_.RunUntilIdle();
  clock_.Advance(absl::Minutes(6));
  auto during_failure = Get();
  http_.Respond(1, FakeResponse::Json(503, node_testing::ErrorBody(503, "down")));
  scheduler_.RunUntilIdle();
  ASSERT_TRUE(during_failure->has_value());
  ASSERT_TRUE((*during_failure)->ok());
  EXPECT_NE((**during_failure).value()->Find("a/x"), nullptr);
  // Within the back-off the stale copy is served without asking upstream again.
  clock_.Advance(absl::Seconds(10));
  EXPECT_TRUE(Get()->has_value());
  EXPECT_EQ(http_.request_count(), 2u);
  // After it, the next caller tries again.
  clock_.Advance(absl::Seconds(10));
  Get();
  EXPECT_EQ(http_.request_count(), 3u);
}

TEST_F(CatalogueCacheTest, WithoutACopyEveryWaiterGetsTheClassifiedError) {
  auto first = Get();
  auto second = Get();
  http_.Respond(0, FakeResponse::Error(sdk::NodeError(absl::StatusCode::kUnavailable, "network",
                                                      "connection refused")));
  scheduler_.RunUntilIdle();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(sdk::ErrorClassOf((*first)->status()), "network");
  EXPECT_EQ(sdk::ErrorClassOf((*second)->status()), "network");
  EXPECT_THAT(std::string((*first)->status().message()), ::testing::HasSubstr("model listing"));
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
