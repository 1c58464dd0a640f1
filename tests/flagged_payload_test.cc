// Sessions whose tags exceed the index payload's budget (index_payload.h)
// carry only their cell in by_user/by_tag; a tag condition on them must read
// the record. Every plan that tests residual tag conditions on index entries
// (user + tags, two tags counted, tags scanned, OR groups) is checked here
// against the SPEC §4 model (ExpectedIds) on a mix of such sessions and
// short-tagged ones, totals and every page.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/temp_store.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::ExpectedIds;
using ::sessiondb::testing::kBotA;
using ::sessiondb::testing::kMsPerHour;
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::TempStoreTest;

bool HasTag(const std::vector<Tag>& tags, const std::string& name,
            const std::string& value) {
  for (const Tag& t : tags) {
    if (t.name == name && t.value == value) return true;
  }
  return false;
}

class FlaggedPayloadTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    const int64_t base = DefaultNow() - 6 * 24 * kMsPerHour;
    for (int i = 0; i < 240; ++i) {
      Session s =
          MakeSession("s-" + std::to_string(1000 + i), base + i * 30 * 60'000);
      s.user_id = i % 3 == 0 ? "u-long" : "u-short";
      s.containment_type = static_cast<ContainmentType>(i % 3);
      s.session_tags.push_back({"intent", i % 2 == 0 ? "refund" : "billing"});
      if (i % 5 != 0)
        s.user_tags.push_back({"tier", i % 4 == 0 ? "gold" : "silver"});
      if (i % 4 < 2) {
        // 160+ bytes of tags: the payload leaves them out.
        s.session_tags.push_back({"note", std::string(90, 'a' + i % 3)});
        s.session_tags.push_back({"trace", std::string(70, 'x')});
      }
      sessions_.push_back(s);
    }
    PutAll(sessions_);
  }

  // ExpectPages checks total and every page of `body` (limit 7) against the
  // model.
  void ExpectPages(nlohmann::json body,
                   const std::function<bool(const Session&)>& keep) {
    const std::vector<std::string> expected = ExpectedIds(sessions_, keep);
    ASSERT_FALSE(expected.empty()) << body.dump();
    std::vector<std::string> got;
    body["limit"] = 7;
    for (int skip = 0; skip < static_cast<int>(expected.size()) + 7;
         skip += 7) {
      body["skip"] = skip;
      testing::ApiResult r = CallBot(body);
      ASSERT_EQ(r.status, 200) << r.raw;
      EXPECT_EQ(Total(r), static_cast<int64_t>(expected.size())) << body.dump();
      for (const std::string& id : SessionIds(r)) got.push_back(id);
    }
    EXPECT_EQ(got, expected) << body.dump();
  }

  std::vector<Session> sessions_;
};

TEST_F(FlaggedPayloadTest, UserWithATagReadsTheRecordsOfFlaggedSessions) {
  ExpectPages(
      {{"userId", "u-long"},
       {"tags",
        {{"sessionTags", {{{"name", "intent"}, {"value", "refund"}}}}}}},
      [](const Session& s) {
        return s.user_id == "u-long" &&
               HasTag(s.session_tags, "intent", "refund");
      });
}

TEST_F(FlaggedPayloadTest, TwoCountedTagsTestTheSecondOnTheRecord) {
  ExpectPages({{"tags",
                {{"sessionTags", {{{"name", "intent"}, {"value", "billing"}}}},
                 {"userTags", {{{"name", "tier"}, {"value", "silver"}}}}}}},
              [](const Session& s) {
                return HasTag(s.session_tags, "intent", "billing") &&
                       HasTag(s.user_tags, "tier", "silver");
              });
}

TEST_F(FlaggedPayloadTest, AConditionOnlyTheRecordCanDecideIsApplied) {
  // The note's value is in no payload: every match is decided on a record.
  ExpectPages({{"tags",
                {{"sessionTags",
                  {{{"name", "intent"}, {"value", "refund"}},
                   {{"name", "note"}, {"value", std::string(90, 'c')}}}}}}},
              [](const Session& s) {
                return HasTag(s.session_tags, "intent", "refund") &&
                       HasTag(s.session_tags, "note", std::string(90, 'c'));
              });
}

TEST_F(FlaggedPayloadTest, ContainmentAndTagsTogether) {
  nlohmann::json body = {
      {"userId", "u-short"},
      {"tags", {{"userTags", {{{"name", "tier"}, {"value", "gold"}}}}}}};
  const std::string text = body.dump();
  // containmentType is a query parameter: the cell is in every payload.
  const std::vector<std::string> expected =
      ExpectedIds(sessions_, [](const Session& s) {
        return s.user_id == "u-short" &&
               s.containment_type == ContainmentType::kAgent &&
               HasTag(s.user_tags, "tier", "gold");
      });
  ASSERT_FALSE(expected.empty());
  testing::ApiResult r =
      Call(kBotA, "agent",
           R"({"userId": "u-short", "limit": 100,)"
           R"( "tags": {"userTags": [{"name": "tier", "value": "gold"}]}})");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(SessionIds(r), expected);
}

}  // namespace
}  // namespace sessiondb
