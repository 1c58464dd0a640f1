// HS256 JSON Web Tokens (RFC 7519) as SPEC §5 uses them: signed with an app's
// client secret and naming the app by the first of the claims `appId`,
// `clientId`, `iss` that is present; `exp` and `nbf` enforced when present.
// Only HS256 is accepted — `none` and every other `alg` are refused.
//
// Example:
//   absl::StatusOr<std::string> token = MintToken(*app, absl::Now(),
//                                                 absl::Hours(1));
//   absl::StatusOr<const App*> who = VerifyToken(*token, apps, absl::Now());
#ifndef SESSIONDB_SERVER_JWT_H_
#define SESSIONDB_SERVER_JWT_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/apps_config.h"

namespace sessiondb {

// MintToken signs {"appId", "iat", "exp", "jti"} for `app` with its client
// secret; exp = now + ttl. REQUIRES: ttl > 0.
absl::StatusOr<std::string> MintToken(const App& app, absl::Time now,
                                      absl::Duration ttl);

// TokenRules: what a token must meet besides its signature.
struct TokenRules {
  // Clock skew tolerated between the token's signer and this server, on exp,
  // nbf and iat alike. Default: 60 s.
  absl::Duration leeway = absl::Seconds(60);
  // When set, a token must carry iat and exp, and iat must be at most
  // max_age + leeway in the past and at most leeway in the future (so a
  // token lives at most max_age, whatever exp it claims). Default: unset.
  std::optional<absl::Duration> max_age;
};

// VerifyToken checks a compact JWS `header.payload.signature` and returns the
// app it was issued to (owned by `apps`). Returns Unauthenticated naming the
// reason, for logs (a server shows clients one message for all of them):
// malformed token, alg other than HS256, no app claim, unknown app, bad
// signature (compared in constant time; an unknown app costs the same
// HMAC), expired (now >= exp + leeway), not yet valid (now < nbf - leeway),
// or, under rules.max_age, no iat or exp, or an iat too old or in the
// future. Safe for concurrent use.
absl::StatusOr<const App*> VerifyToken(std::string_view token,
                                       const AppsConfig& apps, absl::Time now,
                                       const TokenRules& rules = TokenRules());

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_JWT_H_
