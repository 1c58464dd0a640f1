// Fuzz target: token verification (VerifyToken, SPEC §5) — the JWS framing,
// the header, and the claims that name the app and bound its time.
// Input: a byte of mode, then the rest. Mode bit 0: the rest is a payload,
// signed here with cs-a's secret (so the claims are reached past the
// signature); else the rest is the whole token. Mode bit 1: a maximum age.
// Properties: a refusal is Unauthenticated starting "token: "; an accepted
// token names a configured app; a maximum age only ever adds refusals.
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "base/base64url.h"
#include "base/crypto.h"
#include "fuzz_input.h"
#include "server/apps_config.h"
#include "server/jwt.h"

namespace {

const sessiondb::AppsConfig& Apps() {
  static const sessiondb::AppsConfig* apps =
      new sessiondb::AppsConfig(*sessiondb::AppsConfig::Parse(R"({"apps": [
    {"appId": "cs-a", "clientSecret": "fuzz-secret-a-0123456789abcdefghij",
     "scopes": ["bot:sessions"]},
    {"appId": "cs-b", "clientSecret": "fuzz-secret-b-0123456789abcdefghij",
     "scopes": ["admin:bot-sessions"]}]})"));
  return *apps;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sessiondb::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  std::string token(in.Rest());
  if (mode & 1) {
    std::string input =
        sessiondb::Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." +
        sessiondb::Base64UrlEncode(token);
    const std::string mac =
        sessiondb::HmacSha256(Apps().Find("cs-a")->client_secret, input);
    token = input + "." + sessiondb::Base64UrlEncode(mac);
  }
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  sessiondb::TokenRules rules;
  if (mode & 2) rules.max_age = absl::Seconds(300);
  absl::StatusOr<const sessiondb::App*> app =
      sessiondb::VerifyToken(token, Apps(), now, rules);
  if (!app.ok()) {
    FUZZ_CHECK(app.status().code() == absl::StatusCode::kUnauthenticated);
    FUZZ_CHECK(app.status().message().substr(0, 7) == "token: ");
    return 0;
  }
  FUZZ_CHECK(*app == Apps().Find((*app)->app_id));
  if (mode & 2) {
    absl::StatusOr<const sessiondb::App*> without =
        sessiondb::VerifyToken(token, Apps(), now);
    FUZZ_CHECK(without.ok() && *without == *app);
  }
  return 0;
}
