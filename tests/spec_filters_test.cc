// SPEC §2-§4, the filters: containmentType, sessionType, userId (with
// aliases), tags in every form, their combination with AND, and the scope of
// the two routes, through the JSON front door.
//
// Expected answers come from a model: the session set is built here and each
// filter is re-implemented as a plain predicate over it.

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "testing/temp_store.h"

namespace sessiondb {
namespace {

using ::nlohmann::json;
using ::sessiondb::testing::ApiResult;
using ::sessiondb::testing::ExpectedIds;
using ::sessiondb::testing::IsBadRequest;
using ::sessiondb::testing::IsPage;
using ::sessiondb::testing::kBotA;
using ::sessiondb::testing::kBotB;
using ::sessiondb::testing::kMsPerHour;
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Pred = std::function<bool(const Session&)>;

bool HasTag(const std::vector<Tag>& tags, const std::string& name,
            const std::vector<std::string>& values) {
  for (const Tag& t : tags) {
    if (t.name != name) continue;
    if (values.empty()) return true;
    for (const std::string& v : values) {
      if (t.value == v) return true;
    }
  }
  return false;
}
bool HasUserTag(const Session& s, const std::string& name,
                const std::vector<std::string>& values = {}) {
  return HasTag(s.user_tags, name, values);
}
bool HasSessionTag(const Session& s, const std::string& name,
                   const std::vector<std::string>& values = {}) {
  return HasTag(s.session_tags, name, values);
}
bool HasAnyTag(const Session& s, const std::string& name,
               const std::vector<std::string>& values = {}) {
  return HasUserTag(s, name, values) || HasSessionTag(s, name, values);
}

// GetSessionsFilters holds 60 sessions over two bots, every containment and
// session type, five users and a mix of user and session tags, all inside the
// default window (the 7 days before the fixture's clock), with ties in
// start_time.
class GetSessionsFilters : public sessiondb::testing::TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    const ContainmentType kContainments[] = {ContainmentType::kDropOff,
                                             ContainmentType::kSelfService,
                                             ContainmentType::kAgent};
    const char* kRegions[] = {"eu", "us", "apac"};
    for (int i = 0; i < 60; ++i) {
      Session s = MakeSession(absl::StrCat("s-", 100 + i),
                              DefaultNow() - (i / 2 + 1) * 2 * kMsPerHour,
                              i % 4 == 3 ? kBotB : kBotA);
      s.containment_type = kContainments[i % 3];
      s.session_type = (i / 3) % 2 == 0 ? SessionType::kInteractive
                                        : SessionType::kNonInteractive;
      s.user_id = absl::StrCat("u-", 1 + i % 5);
      s.user_tags.push_back({"plan", i % 2 == 0 ? "gold" : "silver"});
      if (i % 5 == 0) s.user_tags.push_back({"vip", ""});
      s.session_tags.push_back({"region", kRegions[(i / 2) % 3]});
      if (i % 4 == 0) s.session_tags.push_back({"plan", "bronze"});
      if (i % 7 == 0) s.session_tags.push_back({"topic", "Billing"});
      all_.push_back(s);
    }
    PutAll(all_);
  }

  // ExpectMatches checks that `r` holds exactly the sessions of `scope_bot`
  // (nullopt: every bot) accepted by `pred`, in the order of SPEC §4.
  void ExpectMatches(const ApiResult& r, const Pred& pred,
                     std::optional<std::string> scope_bot = kBotA,
                     bool may_be_empty = false) {
    ASSERT_THAT(r, IsPage());
    const std::vector<std::string> expected =
        ExpectedIds(all_, [&](const Session& s) {
          return (!scope_bot.has_value() || s.bot_id == *scope_bot) && pred(s);
        });
    if (!may_be_empty) {
      ASSERT_FALSE(expected.empty()) << "test data matches nothing";
    }
    EXPECT_THAT(SessionIds(r), ElementsAreArray(expected));
    EXPECT_EQ(Total(r), static_cast<int64_t>(expected.size()));
    EXPECT_FALSE(MoreAvailable(r));
  }

  // Query sends `body` (with a limit above the data size) on the bot-scoped
  // route of kBotA.
  ApiResult Query(json body,
                  std::optional<std::string> containment = std::nullopt) {
    body["limit"] = 1000;
    if (containment.has_value()) {
      return CallJson(kBotA, std::string_view(*containment), body);
    }
    return CallJson(kBotA, std::nullopt, body);
  }
  ApiResult QueryTags(const json& tags) { return Query({{"tags", tags}}); }

  std::vector<Session> all_;
};

// ---- containmentType (query parameter) ----

struct ContainmentCase {
  std::string param;
  ContainmentType expected;
};
void PrintTo(const ContainmentCase& c, std::ostream* os) { *os << c.param; }

class GetSessionsContainment
    : public GetSessionsFilters,
      public ::testing::WithParamInterface<ContainmentCase> {};

TEST_P(GetSessionsContainment, KeepsOnlyThatContainmentIgnoringCase) {
  const ContainmentCase& c = GetParam();
  ExpectMatches(Query(json::object(), c.param), [&](const Session& s) {
    return s.containment_type == c.expected;
  });
}

INSTANTIATE_TEST_SUITE_P(
    EverySpelling, GetSessionsContainment,
    ::testing::Values(
        ContainmentCase{"dropOff", ContainmentType::kDropOff},
        ContainmentCase{"dropoff", ContainmentType::kDropOff},
        ContainmentCase{"DROPOFF", ContainmentType::kDropOff},
        ContainmentCase{"selfService", ContainmentType::kSelfService},
        ContainmentCase{"Selfservice", ContainmentType::kSelfService},
        ContainmentCase{"SELFSERVICE", ContainmentType::kSelfService},
        ContainmentCase{"agent", ContainmentType::kAgent},
        ContainmentCase{"AGENT", ContainmentType::kAgent},
        ContainmentCase{"Agent", ContainmentType::kAgent}),
    [](const auto& info) { return info.param.param; });

TEST_F(GetSessionsFilters, AbsentContainmentIsNoFilter) {
  ExpectMatches(Query(json::object()), [](const Session&) { return true; });
}

TEST_F(GetSessionsFilters, UnknownContainmentIsABadRequest) {
  EXPECT_THAT(Query(json::object(), "transfer"),
              IsBadRequest(HasSubstr("containmentType")));
  EXPECT_THAT(Query(json::object(), "self-service"),
              IsBadRequest(HasSubstr("containmentType")));
}

TEST_F(GetSessionsFilters, ContainmentFiltersTheAccountWideRoute) {
  ApiResult r = Call(std::nullopt, "agent", R"({"limit": 1000})");
  ExpectMatches(
      r,
      [](const Session& s) {
        return s.containment_type == ContainmentType::kAgent;
      },
      std::nullopt);
}

// ---- sessionType ----

struct SessionTypeCase {
  std::string value;
  SessionType expected;
};
void PrintTo(const SessionTypeCase& c, std::ostream* os) { *os << c.value; }

class GetSessionsSessionType
    : public GetSessionsFilters,
      public ::testing::WithParamInterface<SessionTypeCase> {};

TEST_P(GetSessionsSessionType, KeepsOnlyThatSessionTypeIgnoringCase) {
  const SessionTypeCase& c = GetParam();
  ExpectMatches(Query({{"sessionType", c.value}}),
                [&](const Session& s) { return s.session_type == c.expected; });
}

INSTANTIATE_TEST_SUITE_P(
    EverySpelling, GetSessionsSessionType,
    ::testing::Values(
        SessionTypeCase{"interactive", SessionType::kInteractive},
        SessionTypeCase{"INTERACTIVE", SessionType::kInteractive},
        SessionTypeCase{"Interactive", SessionType::kInteractive},
        SessionTypeCase{"non-interactive", SessionType::kNonInteractive},
        SessionTypeCase{"Non-Interactive", SessionType::kNonInteractive},
        SessionTypeCase{"NON-INTERACTIVE", SessionType::kNonInteractive}),
    [](const auto& info) {
      std::string name;
      for (char c : info.param.value) name += c == '-' ? '_' : c;
      return name;
    });

TEST_F(GetSessionsFilters, UnknownSessionTypeIsABadRequest) {
  EXPECT_THAT(Query({{"sessionType", "noninteractive"}}),
              IsBadRequest(HasSubstr("sessionType")));
  EXPECT_THAT(Query({{"sessionType", "agent"}}),
              IsBadRequest(HasSubstr("sessionType")));
  EXPECT_THAT(Query({{"sessionType", 1}}),
              IsBadRequest(HasSubstr("sessionType")));
}

// ---- userId and aliases (SPEC §2) ----

TEST_F(GetSessionsFilters, UserIdByInternalId) {
  ExpectMatches(Query({{"userId", "u-2"}}),
                [](const Session& s) { return s.user_id == "u-2"; });
}

TEST_F(GetSessionsFilters, UserIdByAliasMatchesCaseInsensitively) {
  ASSERT_OK(store_->LinkUserAliases({"u-3", {"jane@corp.com", "EMP-0042"}}));
  const Pred is_u3 = [](const Session& s) { return s.user_id == "u-3"; };
  for (const char* alias :
       {"jane@corp.com", "JANE@Corp.COM", "EMP-0042", "emp-0042"}) {
    SCOPED_TRACE(alias);
    ExpectMatches(Query({{"userId", alias}}), is_u3);
  }
}

TEST_F(GetSessionsFilters, AliasLinkedWithDifferentCaseMatches) {
  ASSERT_OK(store_->LinkUserAliases({"u-4", {"Mixed.Case@Corp.Com"}}));
  ExpectMatches(Query({{"userId", "mixed.case@corp.com"}}),
                [](const Session& s) { return s.user_id == "u-4"; });
}

TEST_F(GetSessionsFilters, AliasCaseFoldingIsAsciiOnly) {
  // "\xC3\x89" is É, "\xC3\xA9" is é: not ASCII, so not folded.
  ASSERT_OK(store_->LinkUserAliases({"u-5", {"\xC3\x89mile@Corp.com"}}));
  ExpectMatches(Query({{"userId", "\xC3\x89MILE@corp.COM"}}),
                [](const Session& s) { return s.user_id == "u-5"; });
  ApiResult r = Query({{"userId", "\xC3\xA9mile@corp.com"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), IsEmpty());
}

TEST_F(GetSessionsFilters, UnknownUserIdIsAnEmptyResultNotAnError) {
  ApiResult r = Query({{"userId", "nobody@corp.com"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), IsEmpty());
  EXPECT_EQ(Total(r), 0);
  EXPECT_FALSE(MoreAvailable(r));
}

TEST_F(GetSessionsFilters, InternalIdTakesPrecedenceOverAnAliasOfTheSameText) {
  // "u-2" is also linked as an alias of u-3; u-2 has sessions, so it wins.
  ASSERT_OK(store_->LinkUserAliases({"u-3", {"u-2"}}));
  ExpectMatches(Query({{"userId", "u-2"}}),
                [](const Session& s) { return s.user_id == "u-2"; });
}

TEST_F(GetSessionsFilters, InternalIdIsMatchedExactly) {
  // "U-2" is no session's id and no alias: nothing matches.
  ApiResult r = Query({{"userId", "U-2"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), IsEmpty());
  EXPECT_EQ(Total(r), 0);
}

TEST_F(GetSessionsFilters, RelinkedAliasMovesToTheNewUser) {
  ASSERT_OK(store_->LinkUserAliases({"u-3", {"moving@corp.com"}}));
  ExpectMatches(Query({{"userId", "moving@corp.com"}}),
                [](const Session& s) { return s.user_id == "u-3"; });
  ASSERT_OK(store_->LinkUserAliases({"u-4", {"MOVING@corp.com"}}));
  ExpectMatches(Query({{"userId", "moving@corp.com"}}),
                [](const Session& s) { return s.user_id == "u-4"; });
}

TEST_F(GetSessionsFilters, UserIdFiltersTheAccountWideRoute) {
  ASSERT_OK(store_->LinkUserAliases({"u-4", {"EMP-4"}}));
  ApiResult r =
      Call(std::nullopt, std::nullopt, R"({"userId": "emp-4", "limit": 1000})");
  ExpectMatches(
      r, [](const Session& s) { return s.user_id == "u-4"; }, std::nullopt);
}

TEST_F(GetSessionsFilters, UserIdThatIsNotAStringIsABadRequest) {
  EXPECT_THAT(Query({{"userId", 42}}), IsBadRequest(HasSubstr("userId")));
  EXPECT_THAT(Query({{"userId", json::array({"u-1"})}}),
              IsBadRequest(HasSubstr("userId")));
}

// ---- tags ----

TEST_F(GetSessionsFilters, TagsAndRequiresEveryEntry) {
  ExpectMatches(
      QueryTags({{"and",
                  {{{"name", "plan"}, {"values", {"gold"}}, {"type", "user"}},
                   {{"name", "region"}, {"value", "eu"}}}}}),
      [](const Session& s) {
        return HasUserTag(s, "plan", {"gold"}) &&
               HasAnyTag(s, "region", {"eu"});
      });
}

TEST_F(GetSessionsFilters, TagsOrRequiresAtLeastOneEntry) {
  ExpectMatches(
      QueryTags({{"or",
                  {{{"name", "region"}, {"value", "us"}, {"type", "session"}},
                   {{"name", "vip"}, {"type", "user"}}}}}),
      [](const Session& s) {
        return HasSessionTag(s, "region", {"us"}) || HasUserTag(s, "vip");
      });
}

TEST_F(GetSessionsFilters, TagsEmptyOrIsABadRequest) {
  EXPECT_THAT(QueryTags({{"or", json::array()}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("or"))));
}

TEST_F(GetSessionsFilters, TagsEmptyAndIsNoCondition) {
  ExpectMatches(QueryTags({{"and", json::array()}}),
                [](const Session&) { return true; });
}

TEST_F(GetSessionsFilters, TagsUserTagsMatchOnlyUserTags) {
  // "plan" is a user tag (gold/silver) and a session tag (bronze).
  ExpectMatches(
      QueryTags(
          {{"userTags", {{{"name", "plan"}, {"values", {"gold", "bronze"}}}}}}),
      [](const Session& s) {
        return HasUserTag(s, "plan", {"gold", "bronze"});
      });
}

TEST_F(GetSessionsFilters, TagsSessionTagsMatchOnlySessionTags) {
  ExpectMatches(QueryTags({{"sessionTags", {{{"name", "plan"}}}}}),
                [](const Session& s) { return HasSessionTag(s, "plan"); });
}

TEST_F(GetSessionsFilters, TagsUserTagsAndSessionTagsAreAnded) {
  ExpectMatches(
      QueryTags({{"userTags", {{{"name", "plan"}, {"value", "silver"}}}},
                 {"sessionTags",
                  {{{"name", "region"}, {"values", {"apac", "eu"}}}}}}),
      [](const Session& s) {
        return HasUserTag(s, "plan", {"silver"}) &&
               HasSessionTag(s, "region", {"apac", "eu"});
      });
}

TEST_F(GetSessionsFilters, TagsEveryFormCombinesWithAnd) {
  ExpectMatches(
      QueryTags(
          {{"and", {{{"name", "region"}, {"values", {"eu", "us"}}}}},
           {"or",
            {{{"name", "vip"}},
             {{"name", "plan"}, {"value", "bronze"}, {"type", "session"}}}},
           {"userTags", {{{"name", "plan"}, {"value", "gold"}}}}}),
      [](const Session& s) {
        return HasAnyTag(s, "region", {"eu", "us"}) &&
               (HasAnyTag(s, "vip") || HasSessionTag(s, "plan", {"bronze"})) &&
               HasUserTag(s, "plan", {"gold"});
      });
}

TEST_F(GetSessionsFilters, TagsValueAndSingleValuesAreTheSame) {
  const Pred pred = [](const Session& s) {
    return HasAnyTag(s, "region", {"eu"});
  };
  ExpectMatches(QueryTags({{"and", {{{"name", "region"}, {"value", "eu"}}}}}),
                pred);
  ExpectMatches(
      QueryTags({{"and", {{{"name", "region"}, {"values", {"eu"}}}}}}), pred);
}

TEST_F(GetSessionsFilters, TagsValuesMatchAnyOfThem) {
  ExpectMatches(
      QueryTags({{"and", {{{"name", "region"}, {"values", {"eu", "apac"}}}}}}),
      [](const Session& s) {
        return HasAnyTag(s, "region", {"eu", "apac"});
      });
}

TEST_F(GetSessionsFilters, TagsEntryWithoutValueMatchesAnyValueOfThatName) {
  ExpectMatches(QueryTags({{"and", {{{"name", "topic"}}}}}),
                [](const Session& s) { return HasAnyTag(s, "topic"); });
  ExpectMatches(QueryTags({{"userTags", {{{"name", "vip"}}}}}),
                [](const Session& s) { return HasUserTag(s, "vip"); });
}

TEST_F(GetSessionsFilters, TagsEmptyStringValueMatchesATagWithEmptyValue) {
  ExpectMatches(QueryTags({{"and", {{{"name", "vip"}, {"value", ""}}}}}),
                [](const Session& s) { return HasAnyTag(s, "vip", {""}); });
}

TEST_F(GetSessionsFilters, TagsTypeAbsentMatchesEitherKind) {
  // gold exists only as a user tag, bronze only as a session tag.
  ExpectMatches(
      QueryTags({{"or", {{{"name", "plan"}, {"values", {"gold", "bronze"}}}}}}),
      [](const Session& s) {
        return HasUserTag(s, "plan", {"gold"}) ||
               HasSessionTag(s, "plan", {"bronze"});
      });
}

TEST_F(GetSessionsFilters, TagsTypeUserIgnoresSessionTags) {
  ExpectMatches(
      QueryTags(
          {{"and",
            {{{"name", "plan"}, {"value", "bronze"}, {"type", "user"}}}}}),
      [](const Session&) { return false; }, kBotA, /*may_be_empty=*/true);
  ExpectMatches(QueryTags({{"and", {{{"name", "plan"}, {"type", "user"}}}}}),
                [](const Session& s) { return HasUserTag(s, "plan"); });
  // Also when the condition only checks sessions found through another one
  // (another tag, or the containment parameter).
  const Pred none = [](const Session&) { return false; };
  ExpectMatches(
      QueryTags(
          {{"and",
            {{{"name", "region"}, {"values", {"eu", "us", "apac"}}},
             {{"name", "plan"}, {"value", "bronze"}, {"type", "user"}}}}}),
      none, kBotA, /*may_be_empty=*/true);
  ExpectMatches(
      QueryTags({{"sessionTags", {{{"name", "region"}, {"value", "eu"}}}},
                 {"userTags", {{{"name", "plan"}, {"value", "bronze"}}}}}),
      none, kBotA, /*may_be_empty=*/true);
  ExpectMatches(
      Query({{"tags",
              {{"and",
                {{{"name", "plan"}, {"value", "bronze"}, {"type", "user"}}}}}}},
            "agent"),
      none, kBotA, /*may_be_empty=*/true);
}

TEST_F(GetSessionsFilters, TagsTypeSessionIgnoresUserTags) {
  ExpectMatches(
      QueryTags(
          {{"and",
            {{{"name", "plan"}, {"value", "gold"}, {"type", "session"}}}}}),
      [](const Session&) { return false; }, kBotA, /*may_be_empty=*/true);
  ExpectMatches(
      QueryTags(
          {{"and",
            {{{"name", "plan"}, {"value", "bronze"}, {"type", "session"}}}}}),
      [](const Session& s) { return HasSessionTag(s, "plan", {"bronze"}); });
  const Pred none = [](const Session&) { return false; };
  ExpectMatches(
      QueryTags(
          {{"and",
            {{{"name", "region"}, {"values", {"eu", "us", "apac"}}},
             {{"name", "plan"}, {"value", "gold"}, {"type", "session"}}}}}),
      none, kBotA, /*may_be_empty=*/true);
  ExpectMatches(
      QueryTags({{"userTags", {{{"name", "plan"}}}},
                 {"sessionTags", {{{"name", "plan"}, {"value", "gold"}}}}}),
      none, kBotA, /*may_be_empty=*/true);
  ExpectMatches(
      Query(
          {{"tags",
            {{"and",
              {{{"name", "plan"}, {"value", "gold"}, {"type", "session"}}}}}}},
          "dropOff"),
      none, kBotA, /*may_be_empty=*/true);
}

// A kind-restricted condition holds however the store finds the candidates:
// alone, or checked on sessions found through userId, containment,
// sessionType, another tag or an `or` list.
TEST_F(GetSessionsFilters, TagsTypeHoldsWhateverOtherFiltersAccompanyIt) {
  struct Companion {
    std::string name;
    json body;  // without tags
    std::optional<std::string> containment;
    json extra_and;  // more entries for tags.and
    json or_list;    // tags.or, or null
    Pred pred;
  };
  const std::vector<Companion> companions = {
      {"alone", json::object(), std::nullopt, json::array(), nullptr,
       [](const Session&) { return true; }},
      {"userId",
       {{"userId", "u-1"}},
       std::nullopt,
       json::array(),
       nullptr,
       [](const Session& s) { return s.user_id == "u-1"; }},
      {"containment", json::object(), "agent", json::array(), nullptr,
       [](const Session& s) {
         return s.containment_type == ContainmentType::kAgent;
       }},
      {"sessionType",
       {{"sessionType", "non-interactive"}},
       std::nullopt,
       json::array(),
       nullptr,
       [](const Session& s) {
         return s.session_type == SessionType::kNonInteractive;
       }},
      {"anotherTag", json::object(), std::nullopt,
       json::array({{{"name", "region"}, {"values", {"eu", "us"}}}}), nullptr,
       [](const Session& s) {
         return HasAnyTag(s, "region", {"eu", "us"});
       }},
      {"orList", json::object(), std::nullopt, json::array(),
       json::array({{{"name", "vip"}}, {{"name", "topic"}}}),
       [](const Session& s) {
         return HasAnyTag(s, "vip") || HasAnyTag(s, "topic");
       }},
  };
  struct Restricted {
    json entry;
    Pred pred;
  };
  // plan is gold/silver as a user tag and bronze as a session tag.
  const std::vector<Restricted> restricted = {
      {{{"name", "plan"}, {"value", "bronze"}, {"type", "user"}},
       [](const Session&) { return false; }},
      {{{"name", "plan"}, {"value", "gold"}, {"type", "session"}},
       [](const Session&) { return false; }},
      {{{"name", "plan"}, {"values", {"gold", "bronze"}}, {"type", "user"}},
       [](const Session& s) { return HasUserTag(s, "plan", {"gold"}); }},
      {{{"name", "plan"}, {"values", {"gold", "bronze"}}, {"type", "session"}},
       [](const Session& s) { return HasSessionTag(s, "plan", {"bronze"}); }},
  };
  for (const Companion& c : companions) {
    for (const Restricted& r : restricted) {
      json and_list = c.extra_and;
      and_list.push_back(r.entry);
      json tags = {{"and", and_list}};
      if (!c.or_list.is_null()) tags["or"] = c.or_list;
      json body = c.body;
      body["tags"] = tags;
      SCOPED_TRACE(absl::StrCat(c.name, " ", body.dump()));
      ExpectMatches(
          Query(body, c.containment),
          [&](const Session& s) { return c.pred(s) && r.pred(s); }, kBotA,
          /*may_be_empty=*/true);
    }
  }
}

// A tag name with hundreds of distinct values, asked for by name alone.
TEST_F(GetSessionsFilters, TagsByNameAloneWorkForANameWithManyValues) {
  std::vector<Session> tickets;
  for (int i = 0; i < 200; ++i) {
    Session s = MakeSession(absl::StrCat("t-", 1000 + i),
                            DefaultNow() - 1 - i * 10 * 60 * 1000, kBotA);
    if (i % 2 == 0) s.user_tags.push_back({"ticket", absl::StrCat("U", i)});
    if (i % 3 == 0) s.session_tags.push_back({"ticket", absl::StrCat("S", i)});
    if (i % 7 == 0) s.user_tags.push_back({"vip", "yes"});
    tickets.push_back(s);
  }
  PutAll(tickets);
  all_.insert(all_.end(), tickets.begin(), tickets.end());

  ExpectMatches(QueryTags({{"and", {{{"name", "ticket"}, {"type", "user"}}}}}),
                [](const Session& s) { return HasUserTag(s, "ticket"); });
  ExpectMatches(
      QueryTags({{"and", {{{"name", "ticket"}, {"type", "session"}}}}}),
      [](const Session& s) { return HasSessionTag(s, "ticket"); });
  ExpectMatches(QueryTags({{"and", {{{"name", "ticket"}}}}}),
                [](const Session& s) { return HasAnyTag(s, "ticket"); });
  ExpectMatches(QueryTags({{"userTags", {{{"name", "ticket"}}}},
                           {"sessionTags", {{{"name", "ticket"}}}}}),
                [](const Session& s) {
                  return HasUserTag(s, "ticket") && HasSessionTag(s, "ticket");
                });
  ExpectMatches(QueryTags({{"or",
                            {{{"name", "ticket"}, {"type", "session"}},
                             {{"name", "vip"}}}}}),
                [](const Session& s) {
                  return HasSessionTag(s, "ticket") || HasAnyTag(s, "vip");
                });
  ExpectMatches(
      Query({{"tags", {{"and", {{{"name", "ticket"}, {"type", "user"}}}}}}},
            "dropOff"),
      [](const Session& s) {
        return HasUserTag(s, "ticket") &&
               s.containment_type == ContainmentType::kDropOff;
      });
}

TEST_F(GetSessionsFilters, TagsMatchNameAndValueOnTheSameTag) {
  // Every session has a tag named plan and one valued eu/us/apac, but no
  // single tag is plan=eu.
  ExpectMatches(
      QueryTags({{"and", {{{"name", "plan"}, {"value", "eu"}}}}}),
      [](const Session&) { return false; }, kBotA,
      /*may_be_empty=*/true);
}

TEST_F(GetSessionsFilters, TagsMatchingIsCaseSensitive) {
  for (const json& entry : {json{{"name", "plan"}, {"value", "Gold"}},
                            json{{"name", "PLAN"}, {"value", "gold"}},
                            json{{"name", "topic"}, {"value", "billing"}}}) {
    SCOPED_TRACE(entry.dump());
    ExpectMatches(
        QueryTags({{"and", json::array({entry})}}),
        [](const Session&) { return false; }, kBotA, /*may_be_empty=*/true);
  }
  ExpectMatches(
      QueryTags({{"and", {{{"name", "topic"}, {"value", "Billing"}}}}}),
      [](const Session& s) { return HasAnyTag(s, "topic", {"Billing"}); });
}

TEST_F(GetSessionsFilters, TagsTypeMessageIsABadRequest) {
  EXPECT_THAT(
      QueryTags(
          {{"and",
            {{{"name", "plan"}, {"value", "gold"}, {"type", "message"}}}}}),
      IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("type"))));
  EXPECT_THAT(QueryTags({{"or", {{{"name", "plan"}, {"type", "message"}}}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("type"))));
}

TEST_F(GetSessionsFilters, TagsUnknownTypeIsABadRequest) {
  EXPECT_THAT(QueryTags({{"and", {{{"name", "plan"}, {"type", "bot"}}}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("type"))));
}

TEST_F(GetSessionsFilters, TagsUnknownKeyIsABadRequest) {
  EXPECT_THAT(QueryTags({{"not", {{{"name", "plan"}}}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("not"))));
  EXPECT_THAT(QueryTags({{"and", {{{"name", "plan"}}}},
                         {"messageTags", json::array()}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("messageTags"))));
}

TEST_F(GetSessionsFilters, TagsEntryWithoutNameIsABadRequest) {
  EXPECT_THAT(QueryTags({{"and", {{{"value", "gold"}}}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("name"))));
  EXPECT_THAT(QueryTags({{"or", {{{"name", "vip"}}, {{"values", {"eu"}}}}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("name"))));
  EXPECT_THAT(QueryTags({{"userTags", {{{"value", "gold"}}}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("name"))));
  EXPECT_THAT(QueryTags({{"sessionTags", {json::object()}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("name"))));
}

TEST_F(GetSessionsFilters, TagsEmptyValuesArrayIsABadRequest) {
  EXPECT_THAT(
      QueryTags({{"and", {{{"name", "plan"}, {"values", json::array()}}}}}),
      IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("values"))));
}

TEST_F(GetSessionsFilters, TagsValuesThatAreNotStringsAreABadRequest) {
  EXPECT_THAT(QueryTags({{"and", {{{"name", "plan"}, {"values", {1, 2}}}}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("values"))));
  EXPECT_THAT(QueryTags({{"and", {{{"name", "plan"}, {"value", 7}}}}}),
              IsBadRequest(AllOf(HasSubstr("tags"), HasSubstr("value"))));
}

TEST_F(GetSessionsFilters, TagsThatAreNotAnObjectAreABadRequest) {
  EXPECT_THAT(QueryTags(json::array({{{"name", "plan"}}})),
              IsBadRequest(HasSubstr("tags")));
  EXPECT_THAT(QueryTags("plan"), IsBadRequest(HasSubstr("tags")));
}

// ---- Request limits (SPEC §5): 1,000 tag values, 100 conditions ----

// TagValues returns n distinct values, "v0" .. "v<n-1>"; "gold" is first so
// that the filter matches the data.
json TagValues(size_t n) {
  json values = json::array({"gold"});
  for (size_t i = 1; i < n; ++i) values.push_back(absl::StrCat("v", i));
  return values;
}

TEST_F(GetSessionsFilters, TagsWithAThousandValuesInTotalAreServed) {
  ExpectMatches(
      QueryTags({{"and",
                  {{{"name", "plan"},
                    {"values", TagValues(kMaxTagValues)},
                    {"type", "user"}}}}}),
      [](const Session& s) { return HasUserTag(s, "plan", {"gold"}); });
  // Spread over every form: 400 + 300 + 200 + 100 values.
  EXPECT_THAT(
      QueryTags({{"and", {{{"name", "plan"}, {"values", TagValues(400)}}}},
                 {"or", {{{"name", "plan"}, {"values", TagValues(300)}}}},
                 {"userTags", {{{"name", "plan"}, {"values", TagValues(200)}}}},
                 {"sessionTags",
                  {{{"name", "region"}, {"values", TagValues(100)}}}}}),
      IsPage());
}

TEST_F(GetSessionsFilters, TagsWithMoreThanAThousandValuesAreABadRequest) {
  EXPECT_THAT(
      QueryTags(
          {{"and",
            {{{"name", "plan"}, {"values", TagValues(kMaxTagValues + 1)}}}}}),
      IsBadRequest(HasSubstr("tags: at most 1000 values in total, got 1001")));
  // The count is over the whole filter: 1,001 values in four forms.
  EXPECT_THAT(
      QueryTags({{"and", {{{"name", "plan"}, {"values", TagValues(400)}}}},
                 {"or", {{{"name", "plan"}, {"values", TagValues(300)}}}},
                 {"userTags", {{{"name", "plan"}, {"values", TagValues(200)}}}},
                 {"sessionTags",
                  {{{"name", "region"}, {"values", TagValues(101)}}}}}),
      IsBadRequest(HasSubstr("tags: at most 1000 values in total")));
}

// Conditions returns n conditions on "plan", the first one matching "gold".
json Conditions(size_t n) {
  json list = json::array();
  for (size_t i = 0; i < n; ++i) {
    list.push_back(
        {{"name", "plan"}, {"value", i == 0 ? "gold" : absl::StrCat("v", i)}});
  }
  return list;
}

TEST_F(GetSessionsFilters, TagsWithAHundredConditionsInTotalAreServed) {
  ExpectMatches(
      QueryTags({{"or", Conditions(kMaxTagConditions)}}),
      [](const Session& s) { return HasAnyTag(s, "plan", {"gold"}); });
  EXPECT_THAT(QueryTags({{"and", Conditions(1)},
                         {"or", Conditions(49)},
                         {"userTags", Conditions(25)},
                         {"sessionTags", Conditions(25)}}),
              IsPage());
}

TEST_F(GetSessionsFilters, TagsWithMoreThanAHundredConditionsAreABadRequest) {
  EXPECT_THAT(QueryTags({{"or", Conditions(kMaxTagConditions + 1)}}),
              IsBadRequest(
                  HasSubstr("tags: at most 100 conditions in total, got 101")));
  EXPECT_THAT(QueryTags({{"and", Conditions(1)},
                         {"or", Conditions(50)},
                         {"userTags", Conditions(25)},
                         {"sessionTags", Conditions(25)}}),
              IsBadRequest(HasSubstr("tags: at most 100 conditions in total")));
}

// The typed API meets the same rule (query/filter_validation).
TEST_F(GetSessionsFilters, TypedQueriesMeetTheTagLimitsToo) {
  SessionQuery q;
  q.bot_id = kBotA;
  q.tags.any_of.push_back({"plan", {}, TagKind::kAny});
  for (size_t i = 0; i <= kMaxTagValues; ++i) {
    q.tags.any_of[0].values.push_back(absl::StrCat("v", i));
  }
  EXPECT_THAT(
      store_->GetSessions(q).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("tags: at most 1000 values in total, got 1001")));
  q.tags.any_of[0].values.resize(kMaxTagValues);
  EXPECT_OK(store_->GetSessions(q).status());
  q.tags.any_of.assign(kMaxTagConditions + 1,
                       {"plan", {"gold"}, TagKind::kAny});
  EXPECT_THAT(
      store_->GetSessions(q).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("tags: at most 100 conditions in total, got 101")));
}

// 100,000 values (under 1 MiB of JSON) took 12.7 s, one index read per value,
// before the limit; now they are refused before any read.
TEST_F(GetSessionsFilters, AHundredThousandTagValuesAreRefusedAtOnce) {
  const absl::Time start = absl::Now();
  EXPECT_THAT(
      QueryTags({{"or", {{{"name", "plan"}, {"values", TagValues(100000)}}}}}),
      IsBadRequest(HasSubstr("tags: at most 1000 values in total")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// ---- Combination ----

// Sessions that match every filter, and near misses that each fail exactly
// one of them; only the former may come back.
TEST_F(GetSessionsFilters, AllFiltersCombineWithAnd) {
  ASSERT_OK(store_->LinkUserAliases({"u-combo", {"combo@corp.com"}}));
  const int64_t base = DefaultNow() - 36 * kMsPerHour;
  auto matching = [&](const std::string& id, int64_t offset_ms) {
    Session s = MakeSession(id, base + offset_ms);
    s.containment_type = ContainmentType::kSelfService;
    s.session_type = SessionType::kNonInteractive;
    s.user_id = "u-combo";
    s.user_tags = {{"segment", "smb"}};
    s.session_tags = {{"intent", "refund"}};
    return s;
  };
  std::vector<Session> extra;
  extra.push_back(matching("hit-1", 0));
  extra.push_back(matching("hit-2", 1000));
  extra.push_back(matching("hit-3", 1000));
  Session m = matching("miss-bot", 10);
  m.bot_id = kBotB;
  extra.push_back(m);
  m = matching("miss-containment", 20);
  m.containment_type = ContainmentType::kAgent;
  extra.push_back(m);
  m = matching("miss-type", 30);
  m.session_type = SessionType::kInteractive;
  extra.push_back(m);
  m = matching("miss-user", 40);
  m.user_id = "u-other";
  extra.push_back(m);
  m = matching("miss-user-tag", 50);
  m.user_tags = {{"segment", "enterprise"}};
  extra.push_back(m);
  m = matching("miss-session-tag", 60);
  m.session_tags = {{"intent", "complaint"}};
  extra.push_back(m);
  m = matching("miss-tag-kind", 70);  // intent=refund as a user tag
  m.user_tags = {{"segment", "smb"}, {"intent", "refund"}};
  m.session_tags = {};
  extra.push_back(m);
  m = matching("miss-window", 3 * kMsPerHour);
  extra.push_back(m);
  PutAll(extra);
  for (const Session& s : extra) all_.push_back(s);

  const json body = {
      {"userId", "COMBO@corp.com"},
      {"sessionType", "non-interactive"},
      {"dateFrom", "2024-03-13T23:00:00Z"},  // base is 03-14T00:00Z
      {"dateTo", "2024-03-14T01:00:00Z"},
      {"tags",
       {{"userTags", {{{"name", "segment"}, {"value", "smb"}}}},
        {"and",
         {{{"name", "intent"},
           {"values", {"refund"}},
           {"type", "session"}}}}}}};
  ExpectMatches(Query(body, "selfservice"), [](const Session& s) {
    return s.session_id.rfind("hit-", 0) == 0;
  });
}

TEST_F(GetSessionsFilters, ContainmentAndSessionTypeAndUserCombine) {
  ExpectMatches(
      Query({{"sessionType", "interactive"}, {"userId", "u-1"}}, "agent"),
      [](const Session& s) {
        return s.containment_type == ContainmentType::kAgent &&
               s.session_type == SessionType::kInteractive &&
               s.user_id == "u-1";
      });
}

TEST_F(GetSessionsFilters, ContainmentAndTagsCombine) {
  ExpectMatches(
      Query({{"tags",
              {{"sessionTags", {{{"name", "region"}, {"value", "us"}}}}}}},
            "dropOff"),
      [](const Session& s) {
        return s.containment_type == ContainmentType::kDropOff &&
               HasSessionTag(s, "region", {"us"});
      });
}

// ---- Scope of the routes ----

TEST_F(GetSessionsFilters, BotScopedRouteReturnsOnlyThatBot) {
  ExpectMatches(
      Query(json::object()), [](const Session&) { return true; }, kBotA);
  ApiResult r = Call(kBotB, std::nullopt, R"({"limit": 1000})");
  ExpectMatches(
      r, [](const Session&) { return true; }, kBotB);
}

TEST_F(GetSessionsFilters, AccountWideRouteCoversEveryBot) {
  ApiResult r = Call(std::nullopt, std::nullopt, R"({"limit": 1000})");
  ExpectMatches(
      r, [](const Session&) { return true; }, std::nullopt);
  // Both bots are in it.
  bool saw_a = false, saw_b = false;
  for (const auto& s : r.json["sessions"]) {
    saw_a |= s["botId"] == kBotA;
    saw_b |= s["botId"] == kBotB;
  }
  EXPECT_TRUE(saw_a);
  EXPECT_TRUE(saw_b);
}

TEST_F(GetSessionsFilters, UnknownBotIsAnEmptyResult) {
  ApiResult r = Call("st-no-such-bot", std::nullopt, "");
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), IsEmpty());
  EXPECT_EQ(Total(r), 0);
}

}  // namespace
}  // namespace sessiondb
