// The OpenSSL primitives the library signs and checks tokens with: JWTs
// (server/jwt.h) and getSessions cursors (query/page_cursor.h).
#ifndef SESSIONDB_BASE_CRYPTO_H_
#define SESSIONDB_BASE_CRYPTO_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace sessiondb {

inline constexpr size_t kSha256Bytes = 32;

// HmacSha256 returns the raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// Sha256 returns the raw 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

// RandomBytes returns `n` bytes from OpenSSL's CSPRNG; Internal when it
// cannot seed.
absl::StatusOr<std::string> RandomBytes(size_t n);

// ConstantTimeEqual compares two strings in time that depends only on
// their sizes (for MACs: no early exit on the first differing byte).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace sessiondb

#endif  // SESSIONDB_BASE_CRYPTO_H_
