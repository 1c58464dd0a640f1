#include "server/jwt.h"

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/absl_compat.h"
#include "base/base64url.h"
#include "base/crypto.h"
#include "base/status_macros.h"
#include "codec/json_escape.h"

namespace sessiondb {
namespace {

// Tokens travel in one header line; anything longer is not one of ours.
constexpr size_t kMaxTokenBytes = 8192;

absl::Status Unauthenticated(std::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("token: ", AsAbsl(what)));
}

// DecodeJsonSegment decodes one base64url segment holding a JSON object.
absl::Status DecodeJsonSegment(std::string_view segment, std::string_view name,
                               simdjson::dom::parser& parser,
                               simdjson::dom::object* out) {
  std::string json;
  if (!Base64UrlDecode(segment, &json)) {
    return Unauthenticated(
        absl::StrCat("malformed ", AsAbsl(name), " (not base64url)"));
  }
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS ||
      root.get_object().get(*out) != simdjson::SUCCESS) {
    return Unauthenticated(
        absl::StrCat("malformed ", AsAbsl(name), " (not a JSON object)"));
  }
  return absl::OkStatus();
}

// The claims that may name the app, in the order SPEC §5 gives: real
// clients send `clientId`, or `iss` (with `sub` = the bot), instead of
// `appId`.
constexpr const char* kAppClaims[] = {"appId", "clientId", "iss"};

// AppClaim returns the value of the first app claim present.
absl::StatusOr<std::string_view> AppClaim(simdjson::dom::object payload) {
  for (const char* claim : kAppClaims) {
    simdjson::dom::element value;
    if (payload[claim].get(value) != simdjson::SUCCESS) continue;
    std::string_view app_id;
    if (value.get_string().get(app_id) != simdjson::SUCCESS || app_id.empty()) {
      return Unauthenticated(
          absl::StrCat("claim ", claim, " must be a non-empty string"));
    }
    return app_id;
  }
  return Unauthenticated(
      "no claim names the app (appId, clientId or iss is required)");
}

// NumericDate reads a time claim: seconds since the epoch, possibly
// fractional. nullopt when the claim is absent.
absl::StatusOr<std::optional<double>> NumericDate(simdjson::dom::object payload,
                                                  const char* claim) {
  simdjson::dom::element value;
  if (payload[claim].get(value) != simdjson::SUCCESS) return std::nullopt;
  double seconds = 0;
  if (value.get_double().get(seconds) != simdjson::SUCCESS ||
      !std::isfinite(seconds)) {
    return Unauthenticated(absl::StrCat("claim ", claim, " must be a number"));
  }
  return seconds;
}

// ShowTime writes a NumericDate as an ISO time when it is one of years
// 0001-9999, else as the number.
std::string ShowTime(double seconds) {
  constexpr double kYear10000 = 253402300800.0;
  if (seconds < -62135596800.0 || seconds >= kYear10000) {
    return absl::StrCat(seconds);
  }
  return absl::FormatTime(
      "%Y-%m-%dT%H:%M:%SZ",
      absl::FromUnixSeconds(static_cast<int64_t>(std::floor(seconds))),
      absl::UTCTimeZone());
}

// CheckTimeClaims enforces exp and nbf when present and, under
// rules.max_age, iat; each with rules.leeway of clock skew.
absl::Status CheckTimeClaims(simdjson::dom::object payload, absl::Time now,
                             const TokenRules& rules) {
  const double now_s = absl::ToDoubleSeconds(now - absl::UnixEpoch());
  const double leeway_s = absl::ToDoubleSeconds(rules.leeway);
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<double> exp,
                             NumericDate(payload, "exp"));
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<double> nbf,
                             NumericDate(payload, "nbf"));
  if (exp.has_value() && now_s >= *exp + leeway_s) {
    return Unauthenticated(absl::StrCat("expired at ", ShowTime(*exp)));
  }
  if (nbf.has_value() && now_s < *nbf - leeway_s) {
    return Unauthenticated(absl::StrCat("not valid before ", ShowTime(*nbf)));
  }
  if (!rules.max_age.has_value()) return absl::OkStatus();
  const int64_t max_age_s = absl::ToInt64Seconds(*rules.max_age);
  // iat is read only here: without a maximum age it is ignored, as SPEC §5
  // says of the claims it does not name.
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<double> iat,
                             NumericDate(payload, "iat"));
  if (!iat.has_value() || !exp.has_value()) {
    return Unauthenticated(absl::StrCat(
        "claim ", iat.has_value() ? "exp" : "iat",
        " is required (tokens may be at most ", max_age_s, " s old)"));
  }
  if (*iat > now_s + leeway_s) {
    return Unauthenticated(
        absl::StrCat("issued in the future (iat ", ShowTime(*iat), ")"));
  }
  if (now_s - *iat > absl::ToDoubleSeconds(*rules.max_age) + leeway_s) {
    return Unauthenticated(absl::StrCat("older than ", max_age_s, " s (iat ",
                                        ShowTime(*iat), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> MintToken(const App& app, absl::Time now,
                                      absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ttl: must be positive");
  }
  absl::StatusOr<std::string> nonce = RandomBytes(16);
  if (!nonce.ok()) {
    return absl::InternalError(absl::StrCat("jti: ", nonce.status().message()));
  }
  const int64_t iat = absl::ToUnixSeconds(now);
  const int64_t exp =
      iat + absl::ToInt64Seconds(absl::Ceil(ttl, absl::Seconds(1)));
  std::string payload = "{\"appId\":";
  AppendJsonString(app.app_id, &payload);
  absl::StrAppend(&payload, ",\"iat\":", iat, ",\"exp\":", exp, ",\"jti\":\"",
                  absl::BytesToHexString(*nonce), "\"}");
  std::string signing_input =
      absl::StrCat(Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})"), ".",
                   Base64UrlEncode(payload));
  const std::string mac = HmacSha256(app.client_secret, signing_input);
  absl::StrAppend(&signing_input, ".", Base64UrlEncode(mac));
  return signing_input;
}

absl::StatusOr<const App*> VerifyToken(std::string_view token,
                                       const AppsConfig& apps, absl::Time now,
                                       const TokenRules& rules) {
  if (token.empty()) return Unauthenticated("missing");
  if (token.size() > kMaxTokenBytes) {
    return Unauthenticated(
        absl::StrCat("malformed (longer than ", kMaxTokenBytes, " bytes)"));
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(AsAbsl(token), absl::ByChar('.'));
  if (parts.size() != 3) {
    return Unauthenticated(
        "malformed (expected header.payload.signature in base64url)");
  }
  simdjson::dom::parser parser;
  simdjson::dom::object header;
  absl::Status s =
      DecodeJsonSegment(std::string_view(parts[0].data(), parts[0].size()),
                        "header", parser, &header);
  if (!s.ok()) return s;
  std::string_view alg;
  if (header["alg"].get_string().get(alg) != simdjson::SUCCESS) {
    return Unauthenticated("header has no alg");
  }
  if (alg != "HS256") {
    return Unauthenticated(
        absl::StrCat("alg must be HS256, got \"", AsAbsl(alg), "\""));
  }
  simdjson::dom::element unused;
  if (header["crit"].get(unused) == simdjson::SUCCESS) {
    return Unauthenticated("header crit is not supported");
  }

  // The payload names the app whose secret verifies the signature; nothing
  // in it is trusted until the signature checks.
  simdjson::dom::parser payload_parser;
  simdjson::dom::object payload;
  s = DecodeJsonSegment(std::string_view(parts[1].data(), parts[1].size()),
                        "payload", payload_parser, &payload);
  if (!s.ok()) return s;
  SESSIONDB_ASSIGN_OR_RETURN(std::string_view app_id, AppClaim(payload));
  const App* app = apps.Find(app_id);

  std::string signature;
  if (!Base64UrlDecode(std::string_view(parts[2].data(), parts[2].size()),
                       &signature) ||
      signature.size() != kSha256Bytes) {
    return Unauthenticated("malformed signature (not 32 bytes of base64url)");
  }
  // An unknown app costs the same HMAC as a known one, so that the time to
  // answer does not tell whether an app id exists.
  static constexpr char kNoAppKey[kMinClientSecretBytes] = {};
  const size_t signing_input_bytes = parts[0].size() + 1 + parts[1].size();
  const std::string expected = HmacSha256(
      app != nullptr ? std::string_view(app->client_secret)
                     : std::string_view(kNoAppKey, sizeof(kNoAppKey)),
      token.substr(0, signing_input_bytes));
  if (app == nullptr) {
    return Unauthenticated(
        absl::StrCat("app \"", AsAbsl(app_id), "\" is not a known app"));
  }
  if (!ConstantTimeEqual(expected, signature)) {
    return Unauthenticated("signature does not verify");
  }
  SESSIONDB_RETURN_IF_ERROR(CheckTimeClaims(payload, now, rules));
  return app;
}

}  // namespace sessiondb
