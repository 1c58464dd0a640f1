// The apps file of SPEC §5: what it accepts, and errors that name the entry
// and the field.
#include "server/apps_config.h"

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kGoodApps[] = R"({"apps": [
  {"appId": "cs-reader", "clientSecret": "reader-secret-0123456789abcdefghij", "scopes": ["bot:sessions"],
   "bots": ["st-a", "st-b"]},
  {"appId": "cs-admin", "clientSecret": "admin-secret-0123456789abcdefghijk", "scopes": ["admin:bot-sessions"]},
  {"appId": "cs-writer", "clientSecret": "writer-secret-0123456789abcdefghij", "scopes": ["sessions:write"]},
  {"appId": "cs-all", "clientSecret": "all-secret-0123456789abcdefghijklm",
   "scopes": ["bot:sessions", "admin:bot-sessions", "sessions:write"]}
]})";

TEST(AppsConfig, ParsesEveryAppWithItsSecretScopesAndBots) {
  absl::StatusOr<AppsConfig> apps = AppsConfig::Parse(kGoodApps);
  ASSERT_OK(apps);
  EXPECT_EQ(apps->apps().size(), 4u);
  const App* reader = apps->Find("cs-reader");
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->client_secret, "reader-secret-0123456789abcdefghij");
  EXPECT_TRUE(reader->bot_sessions);
  EXPECT_FALSE(reader->admin_bot_sessions);
  EXPECT_FALSE(reader->sessions_write);
  EXPECT_TRUE(reader->bots.contains("st-a"));
  EXPECT_TRUE(reader->bots.contains("st-b"));
  const App* all = apps->Find("cs-all");
  ASSERT_NE(all, nullptr);
  EXPECT_TRUE(all->bot_sessions && all->admin_bot_sessions &&
              all->sessions_write);
}

TEST(AppsConfig, AbsentBotsMeansNoBot) {
  absl::StatusOr<AppsConfig> apps = AppsConfig::Parse(
      R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234", "scopes": ["bot:sessions"]}]})");
  ASSERT_OK(apps);
  EXPECT_TRUE(apps->Find("a")->bots.empty());
}

TEST(AppsConfig, SecretOfExactly32BytesIsAccepted) {
  EXPECT_OK(AppsConfig::Parse(
      R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234", "scopes": []}]})"));
}

TEST(AppsConfig, FindOfUnknownAppIsNull) {
  absl::StatusOr<AppsConfig> apps = AppsConfig::Parse(kGoodApps);
  ASSERT_OK(apps);
  EXPECT_EQ(apps->Find("cs-nobody"), nullptr);
  EXPECT_EQ(apps->Find(""), nullptr);
}

struct BadAppsCase {
  const char* name;
  const char* json;
  const char* entry;  // the entry the message must name
  const char* field;  // and the field
};

class AppsConfigRejects : public ::testing::TestWithParam<BadAppsCase> {};

TEST_P(AppsConfigRejects, NamingTheEntryAndTheField) {
  const BadAppsCase& c = GetParam();
  EXPECT_THAT(AppsConfig::Parse(c.json),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(c.entry), HasSubstr(c.field))));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AppsConfigRejects,
    ::testing::Values(
        BadAppsCase{
            "MissingSecret",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234", "scopes": []},
                                 {"appId": "b", "scopes": ["bot:sessions"]}]})",
            "apps[1] (appId \"b\")", "clientSecret: is required"},
        BadAppsCase{
            "EmptySecret",
            R"({"apps": [{"appId": "a", "clientSecret": "", "scopes": []}]})",
            "apps[0] (appId \"a\")",
            "clientSecret: must be at least 32 bytes (RFC 7518 §3.2), got 0"},
        BadAppsCase{
            "ShortSecret",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234", "scopes": []},
                         {"appId": "cs-weak", "clientSecret": "abc", "scopes": []}]})",
            "apps[1] (appId \"cs-weak\")",
            "clientSecret: must be at least 32 bytes (RFC 7518 §3.2), got 3"},
        BadAppsCase{
            "SecretOneByteShort",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-0123", "scopes": []}]})",
            "apps[0] (appId \"a\")", "got 31"},
        BadAppsCase{
            "SecretNotString",
            R"({"apps": [{"appId": "a", "clientSecret": 7, "scopes": []}]})",
            "apps[0] (appId \"a\")", "clientSecret: must be a string"},
        BadAppsCase{
            "MissingAppId",
            R"({"apps": [{"clientSecret": "secret-of-exactly-32-bytes-01234", "scopes": []}]})",
            "apps[0]", "appId: is required"},
        BadAppsCase{
            "UnknownScope",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234",
                                  "scopes": ["bot:sessions", "bot:session"]}]})",
            "apps[0] (appId \"a\")",
            "scopes[1]: unknown scope \"bot:session\""},
        BadAppsCase{
            "MissingScopes",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234"}]})",
            "apps[0] (appId \"a\")", "scopes: is required"},
        BadAppsCase{
            "ScopesNotArray",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234", "scopes": "bot:sessions"}]})",
            "apps[0] (appId \"a\")", "scopes: must be an array"},
        BadAppsCase{
            "BotNotString",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234",
                                  "scopes": ["bot:sessions"], "bots": ["st-1", 2]}]})",
            "apps[0] (appId \"a\")", "bots[1]: must be a string"},
        BadAppsCase{
            "EmptyBot",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234",
                                  "scopes": ["bot:sessions"], "bots": [""]}]})",
            "apps[0] (appId \"a\")", "bots[0]: must not be empty"},
        BadAppsCase{
            "UnknownKeyInEntry",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234",
                                  "scopes": ["bot:sessions"], "bot": ["st-1"]}]})",
            "apps[0] (appId \"a\")", "bot: unknown key"},
        BadAppsCase{
            "DuplicateAppId",
            R"({"apps": [{"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-01234", "scopes": []},
                                 {"appId": "a", "clientSecret": "secret-of-exactly-32-bytes-56789", "scopes": []}]})",
            "apps[1] (appId \"a\")", "appId: duplicates apps[0]"},
        BadAppsCase{"EntryNotObject", R"({"apps": ["a"]})", "apps[0]",
                    "must be an object"},
        BadAppsCase{"NoAppsArray", R"({"applications": []})", "applications",
                    "unknown key"},
        BadAppsCase{"EmptyAppsArray", R"({"apps": []})", "apps",
                    "at least one app"},
        BadAppsCase{"NotJson", R"({"apps": [)", "not valid JSON", ""}),
    [](const ::testing::TestParamInfo<BadAppsCase>& info) {
      return std::string(info.param.name);
    });

TEST(AppsConfig, LoadPrefixesThePathToParseErrors) {
  sessiondb::testing::TempDir dir;
  const std::string path = dir.Sub("apps.json");
  std::ofstream(path) << R"({"apps": [{"appId": "a", "scopes": []}]})";
  EXPECT_THAT(
      AppsConfig::Load(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path), HasSubstr("apps[0] (appId \"a\")"),
                     HasSubstr("clientSecret"))));
}

TEST(AppsConfig, LoadOfMissingFileIsNotFound) {
  sessiondb::testing::TempDir dir;
  EXPECT_THAT(AppsConfig::Load(dir.Sub("absent.json")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.json")));
}

TEST(AppsConfig, FileAccessibleByGroupOrOthersGetsAWarning) {
  sessiondb::testing::TempDir dir;
  const std::string path = dir.Sub("apps.json");
  std::ofstream(path) << kGoodApps;
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  EXPECT_EQ(AppsFileAccessWarning(path), "");
  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  EXPECT_THAT(AppsFileAccessWarning(path),
              AllOf(HasSubstr(path), HasSubstr("group or others"),
                    HasSubstr("0640"), HasSubstr("chmod 600")));
  ASSERT_EQ(chmod(path.c_str(), 0604), 0);
  EXPECT_THAT(AppsFileAccessWarning(path), HasSubstr("0604"));
  EXPECT_EQ(AppsFileAccessWarning(dir.Sub("absent.json")), "");
}

}  // namespace
}  // namespace sessiondb
