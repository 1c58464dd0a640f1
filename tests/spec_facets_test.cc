// SPEC §7 facets through the typed API (Store::GetSessions) and the JSON
// front door: the same counts, over every match, by local day.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "testing/temp_store.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::ApiResult;
using ::sessiondb::testing::IsPage;
using ::sessiondb::testing::kBotA;
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::UtcMs;
using ::testing::ElementsAre;

class GetSessionsFacets : public sessiondb::testing::TempStoreTest {
 protected:
  void PutCell(const std::string& id, int64_t ms, ContainmentType c,
               SessionType t) {
    Session s = MakeSession(id, ms);
    s.containment_type = c;
    s.session_type = t;
    Put(s);
  }
};

TEST_F(GetSessionsFacets, TypedAndJsonAnswersCountEveryMatchByLocalDay) {
  // New York: 2026-03-07 is [05:00Z, 05:00Z), 03-08 (23 h) [05:00Z, 04:00Z).
  PutCell("a", UtcMs(2026, 3, 7, 12), ContainmentType::kAgent,
          SessionType::kInteractive);
  PutCell("b", UtcMs(2026, 3, 8, 4, 59), ContainmentType::kDropOff,
          SessionType::kNonInteractive);  // still 03-07 in New York
  PutCell("c", UtcMs(2026, 3, 9, 3, 59), ContainmentType::kSelfService,
          SessionType::kInteractive);  // 03-08, its last hour
  PutCell("d", UtcMs(2026, 3, 9, 4), ContainmentType::kSelfService,
          SessionType::kInteractive);  // 03-09: outside the window
  SessionQuery q;
  q.bot_id = std::string(kBotA);
  q.from_day = absl::CivilDay(2026, 3, 7);
  q.to_day = absl::CivilDay(2026, 3, 8);
  q.time_zone = "America/New_York";
  q.limit = 1;
  q.facets.day = true;
  q.facets.containment_type = true;
  absl::StatusOr<SessionPage> page = store_->GetSessions(q);
  ASSERT_OK(page);
  EXPECT_EQ(page->total, 3);
  ASSERT_TRUE(page->facets.has_value());
  EXPECT_FALSE(page->facets->session_type.has_value());
  // Indexed by ContainmentType: dropOff, selfService, agent.
  EXPECT_THAT(*page->facets->containment_type, ElementsAre(1, 1, 1));
  ASSERT_EQ(page->facets->day->size(), 2u);
  EXPECT_EQ((*page->facets->day)[0].date, absl::CivilDay(2026, 3, 7));
  EXPECT_THAT((*page->facets->day)[0].containment, ElementsAre(1, 0, 1));
  EXPECT_THAT((*page->facets->day)[1].containment, ElementsAre(0, 1, 0));

  ApiResult r =
      CallBot({{"dateFrom", "2026-03-07"},
               {"dateTo", "2026-03-08"},
               {"timeZone", "America/New_York"},
               {"limit", 1},
               {"facets", nlohmann::json::array({"day", "containmentType"})}});
  ASSERT_THAT(r, IsPage());
  EXPECT_EQ(r.json["facets"].dump(),
            R"({"containmentType":{"selfService":1,"agent":1,"dropOff":1},)"
            R"("day":[{"date":"2026-03-07","selfService":0,"agent":1,)"
            R"("dropOff":1},{"date":"2026-03-08","selfService":1,"agent":0,)"
            R"("dropOff":0}]})");
  // With a skip the days are tiled, not differenced: the same counts.
  ApiResult skipped =
      CallBot({{"dateFrom", "2026-03-07"},
               {"dateTo", "2026-03-08"},
               {"timeZone", "America/New_York"},
               {"skip", 2},
               {"facets", nlohmann::json::array({"day", "containmentType"})}});
  ASSERT_THAT(skipped, IsPage());
  EXPECT_EQ(skipped.json["facets"], r.json["facets"]);
}

TEST_F(GetSessionsFacets, LookupHasNoFacets) {
  PutCell("a", UtcMs(2026, 3, 7, 12), ContainmentType::kAgent,
          SessionType::kInteractive);
  SessionQuery q;
  q.session_ids = {"a"};
  q.facets.day = true;
  absl::StatusOr<SessionPage> page = store_->GetSessions(q);
  ASSERT_OK(page);
  EXPECT_FALSE(page->facets.has_value());
}

}  // namespace
}  // namespace sessiondb
