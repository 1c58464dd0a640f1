// HS256 JWTs of SPEC §5: minted tokens verify; every other token is refused
// with Unauthenticated naming why.
#include "server/jwt.h"

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/base64url.h"
#include "base/crypto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/apps_config.h"
#include "testing/status_matchers.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

// Secrets of 32 bytes and more, as the apps file requires.
constexpr char kSecretA[] = "secret-a-0123456789abcdefghijklmn";
constexpr char kSecretB[] = "secret-b-0123456789abcdefghijklmn";

AppsConfig TestApps() {
  absl::StatusOr<AppsConfig> apps = AppsConfig::Parse(absl::StrCat(
      R"({"apps": [{"appId": "cs-a", "clientSecret": ")", kSecretA,
      R"(", "scopes": ["bot:sessions"]}, {"appId": "cs-b", "clientSecret": ")",
      kSecretB, R"(", "scopes": ["bot:sessions"]}]})"));
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

absl::Status Verify(const std::string& token, absl::Time now = kNow,
                    const TokenRules& rules = TokenRules()) {
  static const AppsConfig* apps = new AppsConfig(TestApps());
  return VerifyToken(token, *apps, now, rules).status();
}

// VerifiedApp returns the appId a token verifies as, or the error message.
std::string VerifiedApp(const std::string& token) {
  static const AppsConfig* apps = new AppsConfig(TestApps());
  absl::StatusOr<const App*> app = VerifyToken(token, *apps, kNow);
  return app.ok() ? (*app)->app_id : std::string(app.status().message());
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
  EXPECT_OK(Verify(Sign(kHs256, R"({"appId":"cs-a"})", kSecretA)));
}

TEST(Jwt, OptionalClaimsSubIatJtiAreAccepted) {
  EXPECT_OK(Verify(Sign(
      kHs256,
      R"({"appId":"cs-a","sub":"x","iat":1699999999,"jti":"j","exp":1700000001})",
      kSecretA)));
}

TEST(Jwt, TokenSignedWithAnotherAppsSecretIsRefused) {
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":"cs-a"})", kSecretB)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("signature does not verify")));
}

TEST(Jwt, PayloadChangedAfterSigningIsRefused) {
  const std::string good = Sign(kHs256, R"({"appId":"cs-a"})", kSecretA);
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
      Verify(Sign(R"({"alg":"none"})", R"({"appId":"cs-a"})", kSecretA)),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("alg")));
}

TEST(Jwt, AlgOtherThanHs256IsRefused) {
  for (const char* alg : {"HS512", "RS256", "hs256", "ES256"}) {
    SCOPED_TRACE(alg);
    EXPECT_THAT(Verify(Sign(std::string(R"({"alg":")") + alg + "\"}",
                            R"({"appId":"cs-a"})", kSecretA)),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("alg")));
  }
  EXPECT_THAT(Verify(Sign(R"({"typ":"JWT"})", R"({"appId":"cs-a"})", kSecretA)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("alg")));
}

TEST(Jwt, CritHeaderIsRefused) {
  EXPECT_THAT(Verify(Sign(R"({"alg":"HS256","crit":["exp"]})",
                          R"({"appId":"cs-a"})", kSecretA)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("crit")));
}

TEST(Jwt, ExpIsEnforcedAfterAMinuteOfLeeway) {
  const std::string token =
      Sign(kHs256, R"({"appId":"cs-a","exp":1700000000})", kSecretA);
  EXPECT_OK(Verify(token, kNow - absl::Seconds(1)));
  EXPECT_OK(Verify(token, kNow + absl::Seconds(59)));
  EXPECT_THAT(Verify(token, kNow + absl::Seconds(60)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("expired at 2023-11-14T22:13:20Z")));
  EXPECT_THAT(
      Verify(token, kNow + absl::Hours(1)),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST(Jwt, WithoutLeewayExpIsEnforcedAtTheSecond) {
  TokenRules strict;
  strict.leeway = absl::ZeroDuration();
  const std::string token =
      Sign(kHs256, R"({"appId":"cs-a","exp":1700000000})", kSecretA);
  EXPECT_OK(Verify(token, kNow - absl::Seconds(1), strict));
  EXPECT_THAT(
      Verify(token, kNow, strict),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST(Jwt, ExpMustBeANumber) {
  EXPECT_THAT(
      Verify(Sign(kHs256, R"({"appId":"cs-a","exp":"tomorrow"})", kSecretA)),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("exp")));
}

TEST(Jwt, NbfMoreThanTheLeewayInTheFutureIsRefused) {
  const std::string token =
      Sign(kHs256, R"({"appId":"cs-a","nbf":1700000061})", kSecretA);
  EXPECT_THAT(Verify(token), StatusIs(absl::StatusCode::kUnauthenticated,
                                      HasSubstr("not valid before")));
  EXPECT_OK(Verify(token, kNow + absl::Seconds(1)));
  EXPECT_OK(
      Verify(Sign(kHs256, R"({"appId":"cs-a","nbf":1700000060})", kSecretA)));
}

TEST(Jwt, HugeTimeClaimsAreRefusedNotMisread) {
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":"cs-a","nbf":1e300})", kSecretA)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("not valid before 1e+300")));
  EXPECT_THAT(
      Verify(Sign(kHs256, R"({"appId":"cs-a","exp":-1e300})", kSecretA)),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST(Jwt, AnAppClaimIsRequiredAndMustBeAString) {
  EXPECT_THAT(Verify(Sign(kHs256, R"({"sub":"cs-a"})", kSecretA)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("appId, clientId or iss is required")));
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":7})", kSecretA)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("appId")));
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":""})", kSecretA)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("appId")));
}

// Real clients (SPEC §5, issue 13 item 4): an analytics tool built on
// jsonwebtoken signs {"iss": client id, "sub": bot id, "iat", "exp", "aud"};
// its earlier version sent {"clientId": ...}.
TEST(Jwt, IssNamesTheAppAsRealClientsSendIt) {
  EXPECT_EQ(
      VerifiedApp(Sign(kHs256,
                       R"({"iss":"cs-b","sub":"st-1234","iat":1699999990,)"
                       R"("exp":1700003590,"aud":"https://bots.kore.ai"})",
                       kSecretB)),
      "cs-b");
}

TEST(Jwt, ClientIdNamesTheAppAsEarlierClientsSentIt) {
  EXPECT_EQ(VerifiedApp(Sign(kHs256,
                             R"({"clientId":"cs-a","iat":1699999990,)"
                             R"("exp":1700003590})",
                             kSecretA)),
            "cs-a");
}

TEST(Jwt, TheFirstOfAppIdClientIdIssNamesTheApp) {
  // appId before clientId before iss, whatever their order in the payload.
  const std::string all = R"({"iss":"cs-z","clientId":"cs-b","appId":"cs-a"})";
  EXPECT_EQ(VerifiedApp(Sign(kHs256, all, kSecretA)), "cs-a");
  EXPECT_THAT(
      Verify(Sign(kHs256, all, kSecretB)),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature")));
  EXPECT_EQ(VerifiedApp(
                Sign(kHs256, R"({"iss":"cs-a","clientId":"cs-b"})", kSecretB)),
            "cs-b");
  // A present claim that is not a string is an error, not skipped.
  EXPECT_THAT(Verify(Sign(kHs256, R"({"clientId":7,"iss":"cs-a"})", kSecretA)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("claim clientId must be a non-empty string")));
}

TEST(Jwt, SubAudJtiAreIgnoredWhateverTheirValue) {
  EXPECT_EQ(VerifiedApp(Sign(kHs256,
                             R"({"iss":"cs-a","sub":7,"aud":["x",{"y":1}],)"
                             R"("jti":null})",
                             kSecretA)),
            "cs-a");
}

// ---- --max-token-age ----

TokenRules MaxAge(absl::Duration age) {
  TokenRules rules;
  rules.max_age = age;
  return rules;
}

// VerifyA verifies `payload` signed with cs-a's secret, at kNow.
absl::Status VerifyA(const std::string& payload, const TokenRules& rules) {
  return Verify(Sign(kHs256, payload, kSecretA), kNow, rules);
}

TEST(Jwt, MaxAgeRefusesTokensIssuedLongerAgo) {
  const TokenRules rules = MaxAge(absl::Seconds(300));
  // iat 300 s ago, then 360 s ago (the leeway), then one more second.
  EXPECT_OK(
      VerifyA(R"({"appId":"cs-a","iat":1699999700,"exp":1800000000})", rules));
  EXPECT_OK(
      VerifyA(R"({"appId":"cs-a","iat":1699999640,"exp":1800000000})", rules));
  EXPECT_THAT(
      VerifyA(R"({"appId":"cs-a","iat":1699999639,"exp":1800000000})", rules),
      StatusIs(absl::StatusCode::kUnauthenticated,
               HasSubstr("older than 300 s")));
  // Without a maximum the same token is good until exp.
  EXPECT_OK(VerifyA(R"({"appId":"cs-a","iat":1600000000,"exp":1800000000})",
                    TokenRules()));
}

TEST(Jwt, MaxAgeRequiresIatAndExp) {
  const TokenRules rules = MaxAge(absl::Hours(1));
  EXPECT_THAT(VerifyA(R"({"appId":"cs-a","exp":1700000100})", rules),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("claim iat is required")));
  EXPECT_THAT(VerifyA(R"({"appId":"cs-a","iat":1700000000})", rules),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("claim exp is required")));
  EXPECT_THAT(
      VerifyA(R"({"appId":"cs-a","iat":"now","exp":1800000000})", rules),
      StatusIs(absl::StatusCode::kUnauthenticated,
               HasSubstr("claim iat must be a number")));
}

TEST(Jwt, MaxAgeRefusesIatMoreThanTheLeewayInTheFuture) {
  const TokenRules rules = MaxAge(absl::Hours(1));
  EXPECT_OK(
      VerifyA(R"({"appId":"cs-a","iat":1700000060,"exp":1700003600})", rules));
  EXPECT_THAT(
      VerifyA(R"({"appId":"cs-a","iat":1700000061,"exp":1700003600})", rules),
      StatusIs(absl::StatusCode::kUnauthenticated,
               HasSubstr("issued in the future")));
}

TEST(Jwt, UnknownAppIsRefused) {
  EXPECT_THAT(Verify(Sign(kHs256, R"({"appId":"cs-z"})", kSecretA)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("\"cs-z\" is not a known app")));
}

TEST(Jwt, MalformedTokensAreRefused) {
  const std::string good = Sign(kHs256, R"({"appId":"cs-a"})", kSecretA);
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
