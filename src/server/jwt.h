// HS256 JSON Web Tokens (RFC 7519) as API.md §5 uses them: signed with an app's
// client secret, carrying the claim `appId`; `exp` and `nbf` enforced when
// present. Only HS256 is accepted — `none` and every other `alg` are refused.
//
// Example:
//   absl::StatusOr<std::string> token = MintToken(*app, absl::Now(),
//                                                 absl::Hours(1));
//   absl::StatusOr<const App*> who = VerifyToken(*token, apps, absl::Now());
#ifndef SESSIONDB_SERVER_JWT_H_
#define SESSIONDB_SERVER_JWT_H_

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

// VerifyToken checks a compact JWS `header.payload.signature` and returns the
// app it was issued to (owned by `apps`). Returns Unauthenticated naming the
// reason: malformed token, alg other than HS256, missing appId, unknown app,
// bad signature (compared in constant time), expired (now >= exp) or not yet
// valid (now < nbf). Safe for concurrent use.
absl::StatusOr<const App*> VerifyToken(std::string_view token,
                                       const AppsConfig& apps, absl::Time now);

// HmacSha256 returns the raw 32-byte MAC of `data` under `key` (OpenSSL).
std::string HmacSha256(std::string_view key, std::string_view data);

// Base64UrlEncode writes RFC 4648 §5 base64url without padding, as JWS does.
std::string Base64UrlEncode(std::string_view bytes);

// Base64UrlDecode accepts exactly that alphabet, without padding; false on
// any other byte or an impossible length.
bool Base64UrlDecode(std::string_view text, std::string* bytes);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_JWT_H_
