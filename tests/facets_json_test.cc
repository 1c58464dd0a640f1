// AppendFacetsJson: SPEC §7's "facets" value, byte for byte — the keys in
// the spec's order, every enum value present, dates as YYYY-MM-DD (a local
// day can fall outside the years 0000-9999 that UTC timestamps span).
#include "codec/facets_json.h"

#include <array>
#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "sessiondb/query.h"

namespace sessiondb {
namespace {

// The counts arrays are indexed by ContainmentType, not in the spec's order.
std::array<int64_t, 3> Containment(int64_t self_service, int64_t agent,
                                   int64_t drop_off) {
  std::array<int64_t, 3> c{};
  c[static_cast<size_t>(ContainmentType::kSelfService)] = self_service;
  c[static_cast<size_t>(ContainmentType::kAgent)] = agent;
  c[static_cast<size_t>(ContainmentType::kDropOff)] = drop_off;
  return c;
}

std::string Json(const FacetCounts& facets) {
  std::string out = "prefix:";  // appends, keeping what is there
  AppendFacetsJson(facets, &out);
  return out;
}

TEST(FacetsJson, AllFacetsInTheSpecsOrder) {
  FacetCounts f;
  f.day = {{absl::CivilDay(2026, 1, 20), Containment(3, 1, 0)},
           {absl::CivilDay(2026, 1, 21), Containment(0, 0, 12)}};
  f.session_type.emplace();
  f.session_type->at(static_cast<size_t>(SessionType::kInteractive)) = 4;
  f.session_type->at(static_cast<size_t>(SessionType::kNonInteractive)) = 0;
  f.containment_type = Containment(3, 1, 12);
  EXPECT_EQ(Json(f),
            "prefix:{\"containmentType\":{\"selfService\":3,\"agent\":1,"
            "\"dropOff\":12},\"sessionType\":{\"interactive\":4,"
            "\"non-interactive\":0},\"day\":["
            "{\"date\":\"2026-01-20\",\"selfService\":3,\"agent\":1,"
            "\"dropOff\":0},"
            "{\"date\":\"2026-01-21\",\"selfService\":0,\"agent\":0,"
            "\"dropOff\":12}]}");
}

TEST(FacetsJson, OnlyTheAskedFacets) {
  FacetCounts f;
  f.session_type.emplace();
  f.session_type->at(static_cast<size_t>(SessionType::kNonInteractive)) =
      9'000'000'000;
  EXPECT_EQ(Json(f),
            "prefix:{\"sessionType\":{\"interactive\":0,"
            "\"non-interactive\":9000000000}}");
  FacetCounts extremes;
  extremes.containment_type = Containment(INT64_MIN, -1, INT64_MAX);
  EXPECT_EQ(Json(extremes),
            "prefix:{\"containmentType\":{\"selfService\":"
            "-9223372036854775808,\"agent\":-1,\"dropOff\":"
            "9223372036854775807}}");
  EXPECT_EQ(Json(FacetCounts{}), "prefix:{}");
  FacetCounts empty_days;
  empty_days.day.emplace();
  EXPECT_EQ(Json(empty_days), "prefix:{\"day\":[]}");
}

TEST(FacetsJson, DatesArePaddedAndYearsPastFourDigitsKept) {
  FacetCounts f;
  f.day = {{absl::CivilDay(9999, 12, 31), {}},
           {absl::CivilDay(33, 2, 3), {}},
           {absl::CivilDay(0, 1, 1), {}},
           {absl::CivilDay(-1, 12, 31), {}},
           {absl::CivilDay(10000, 1, 1), {}}};
  EXPECT_EQ(Json(f),
            "prefix:{\"day\":["
            "{\"date\":\"9999-12-31\",\"selfService\":0,\"agent\":0,"
            "\"dropOff\":0},"
            "{\"date\":\"0033-02-03\",\"selfService\":0,\"agent\":0,"
            "\"dropOff\":0},"
            "{\"date\":\"0000-01-01\",\"selfService\":0,\"agent\":0,"
            "\"dropOff\":0},"
            "{\"date\":\"-001-12-31\",\"selfService\":0,\"agent\":0,"
            "\"dropOff\":0},"
            "{\"date\":\"10000-01-01\",\"selfService\":0,\"agent\":0,"
            "\"dropOff\":0}]}");
}

}  // namespace
}  // namespace sessiondb
