// HS256 JWTs of SPEC §5: minted tokens verify; every other token is refused
// with Unauthenticated naming why.
#include "server/jwt.h"

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/apps_config.h"
#include "testing/status_matchers.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

AppsConfig TestApps() {
  absl::StatusOr<AppsConfig> apps = AppsConfig::Parse(R"({"apps": [
    {"appId": "cs-a", "clientSecret": "secret-a", "scopes": ["bot:sessions"]},
    {"appId": "cs-b", "clientSecret": "secret-b", "scopes": ["bot:sessions"]}]})");
  EXPECT_OK(apps);
  return *std::move(apps);
}

// Sign builds a compact JWS from raw header and payload JSON.
std::string Sign(const std::string& header, const std::string& payload,
                 const std::string& secret) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return input + "." + Base64UrlEncode(HmacSha256(secret, input));
}

constexpr char kHs256[] = R"({"alg":"HS256","typ":"JWT"})";

absl::Status Verify(const std::string& token, absl::Time now = kNow) {
  static const AppsConfig* apps = new AppsConfig(TestApps());
  return VerifyToken(token, *apps, now).status();
}

TEST(Jwt, HmacSha256MatchesRfc4231TestCase2) {
  EXPECT_EQ(absl::BytesToHexString(
                HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Jwt, SignatureMatchesTheHs256ExampleOfRfc7515) {
  // RFC 7515 Appendix A.1: another implementation's token, byte for byte.
  std::string key;
  ASSERT_TRUE(Base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcg"
      "UuTwjAzZr1Z9CAow",
      &key));
  const std::string input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
      "bS9pc19yb290Ijp0cnVlfQ";
  EXPECT_EQ(Base64UrlEncode(HmacSha256(key, input)),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

TEST(Jwt, MintedTokenVerifiesAsItsApp) {
  AppsConfig apps = TestApps();
  absl::StatusOr<std::string> token =
      MintToken(*apps.Find("cs-b"), kNow, absl::Hours(1));
  ASSERT_OK(token);
  absl::StatusOr<const App*> app = VerifyToken(*token, apps, kNow);
  ASSERT_OK(app);
  EXPECT_EQ((*app)->app_id, "cs-b");
}

TEST(Jwt, MintedTokenCarriesAppIdIatExpAndJtiWithHs256Header) {
  AppsConfig apps = TestApps();
  absl::StatusOr<std::string> token =
      MintToken(*apps.Find("cs-a"), kNow, absl::Seconds(90));
  ASSERT_OK(token);
  const size_t dot1 = token->find('.');
  const size_t dot2 = token->find('.', dot1 + 1);
  std::string header, payload;
  ASSERT_TRUE(Base64UrlDecode(token->substr(0, dot1), &header));
  ASSERT_TRUE(
      Base64UrlDecode(token->substr(dot1 + 1, dot2 - dot1 - 1), &payload));
  nlohmann::json h = nlohmann::json::parse(header);
  nlohmann::json p = nlohmann::json::parse(payload);
  EXPECT_EQ(h["alg"], "HS256");
  EXPECT_EQ(h["typ"], "JWT");
  EXPECT_EQ(p["appId"], "cs-a");
  EXPECT_EQ(p["iat"], 1700000000);
  EXPECT_EQ(p["exp"], 1700000090);
  EXPECT_TRUE(p["jti"].is_string());
}

TEST(Jwt, TwoMintedTokensHaveDifferentJti) {
  AppsConfig apps = TestApps();
  EXPECT_NE(*MintToken(*apps.Find("cs-a"), kNow, absl::Hours(1)),
            *MintToken(*apps.Find("cs-a"), kNow, absl::Hours(1)));
}

TEST(Jwt, MintRefusesNonPositiveTtl) {
  AppsConfig apps = TestApps();
  EXPECT_THAT(MintToken(*apps.Find("cs-a"), kNow, absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ttl")));
}

TEST(Jwt, TokenWithoutExpIsAccepted) {
  EXPECT_OK(Verify(Sign(kHs256, R"({"appId":"cs-a"})", "secret-a")));
}

TEST(Jwt, OptionalClaimsSubIatJtiAreAccepted) {
  EXPECT_OK(Verify(Sign(
      kHs256,
      R"({"appId":"cs-a","sub":"x","iat":1699999999,"jti":"j","exp":1700000001})",
      "secret-a")));
}

TEST(Jwt, TokenSignedWithAnotherAppsSecretIsRefused) {
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":"cs-a"})", "secret-b")),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("signature does not verify")));
}

TEST(Jwt, PayloadChangedAfterSigningIsRefused) {
  const std::string good = Sign(kHs256, R"({"appId":"cs-a"})", "secret-a");
  const std::string forged_payload = Base64UrlEncode(R"({"appId":"cs-b"})");
  const size_t dot1 = good.find('.');
  const size_t dot2 = good.find('.', dot1 + 1);
  const std::string forged =
      good.substr(0, dot1 + 1) + forged_payload + good.substr(dot2);
  EXPECT_THAT(Verify(forged), StatusIs(absl::StatusCode::kUnauthenticated,
                                       HasSubstr("signature")));
}

TEST(Jwt, AlgNoneIsRefusedWithOrWithoutASignature) {
  const std::string unsigned_token =
      Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
      Base64UrlEncode(R"({"appId":"cs-a"})") + ".";
  EXPECT_THAT(Verify(unsigned_token),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("alg must be HS256, got \"none\"")));
  EXPECT_THAT(
      Verify(Sign(R"({"alg":"none"})", R"({"appId":"cs-a"})", "secret-a")),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("alg")));
}

TEST(Jwt, AlgOtherThanHs256IsRefused) {
  for (const char* alg : {"HS512", "RS256", "hs256", "ES256"}) {
    SCOPED_TRACE(alg);
    EXPECT_THAT(Verify(Sign(std::string(R"({"alg":")") + alg + "\"}",
                            R"({"appId":"cs-a"})", "secret-a")),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("alg")));
  }
  EXPECT_THAT(
      Verify(Sign(R"({"typ":"JWT"})", R"({"appId":"cs-a"})", "secret-a")),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("alg")));
}

TEST(Jwt, CritHeaderIsRefused) {
  EXPECT_THAT(Verify(Sign(R"({"alg":"HS256","crit":["exp"]})",
                          R"({"appId":"cs-a"})", "secret-a")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("crit")));
}

TEST(Jwt, ExpIsEnforcedAtTheSecond) {
  const std::string token =
      Sign(kHs256, R"({"appId":"cs-a","exp":1700000000})", "secret-a");
  EXPECT_OK(Verify(token, kNow - absl::Seconds(1)));
  EXPECT_THAT(Verify(token, kNow), StatusIs(absl::StatusCode::kUnauthenticated,
                                            HasSubstr("expired")));
  EXPECT_THAT(
      Verify(token, kNow + absl::Hours(1)),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST(Jwt, ExpMustBeANumber) {
  EXPECT_THAT(
      Verify(Sign(kHs256, R"({"appId":"cs-a","exp":"tomorrow"})", "secret-a")),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("exp")));
}

TEST(Jwt, NbfInTheFutureIsRefused) {
  const std::string token =
      Sign(kHs256, R"({"appId":"cs-a","nbf":1700000060})", "secret-a");
  EXPECT_THAT(Verify(token), StatusIs(absl::StatusCode::kUnauthenticated,
                                      HasSubstr("not valid before")));
  EXPECT_OK(Verify(token, kNow + absl::Minutes(1)));
}

TEST(Jwt, AppIdClaimIsRequiredAndMustBeAString) {
  EXPECT_THAT(Verify(Sign(kHs256, R"({"sub":"cs-a"})", "secret-a")),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("appId is required")));
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":7})", "secret-a")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("appId")));
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":""})", "secret-a")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("appId")));
}

TEST(Jwt, UnknownAppIsRefused) {
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":"cs-z"})", "secret-a")),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("\"cs-z\" is not a known app")));
}

TEST(Jwt, MalformedTokensAreRefused) {
  const std::string good = Sign(kHs256, R"({"appId":"cs-a"})", "secret-a");
  for (const std::string& token :
       {std::string("abc"), std::string("a.b"), good + ".x",
        std::string("!!.@@.##"), good + "=",
        Base64UrlEncode("not json") + "." +
            Base64UrlEncode(R"({"appId":"cs-a"})") + ".AAAA",
        Base64UrlEncode(kHs256) + "." + Base64UrlEncode("[1]") + ".AAAA",
        good.substr(0, good.rfind('.') + 1) + "AAAA", std::string(9000, 'a')}) {
    SCOPED_TRACE(token.substr(0, 80));
    EXPECT_THAT(Verify(token), StatusIs(absl::StatusCode::kUnauthenticated,
                                        HasSubstr("malformed")));
  }
  EXPECT_THAT(Verify(""), StatusIs(absl::StatusCode::kUnauthenticated,
                                   HasSubstr("missing")));
}

TEST(Jwt, Base64UrlRoundTripsAndRejectsOtherAlphabetsAndPadding) {
  const std::string bytes("\xfb\xff\x00\x01 ok", 7);
  const std::string text = Base64UrlEncode(bytes);
  EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
  std::string back;
  ASSERT_TRUE(Base64UrlDecode(text, &back));
  EXPECT_EQ(back, bytes);
  EXPECT_FALSE(Base64UrlDecode("+/8=", &back));
  EXPECT_FALSE(Base64UrlDecode("AAA=", &back));
  EXPECT_FALSE(Base64UrlDecode("A", &back));
  EXPECT_FALSE(Base64UrlDecode("AA AA", &back));
}

}  // namespace
}  // namespace sessiondb
