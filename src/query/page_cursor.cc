#include "query/page_cursor.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/base64url.h"
#include "base/crypto.h"
#include "storage/key_codec.h"

namespace sessiondb {
namespace {

constexpr size_t kMinSessionIdBytes = 1;
constexpr size_t kMaxSessionIdBytes = 128;  // ValidateSession's bound
// version + start + window + digest, before the sessionId.
constexpr size_t kHeadBytes = 1 + 8 + 8 + 8 + kCursorFilterDigestBytes;
constexpr size_t kMaxTokenBytes =
    kHeadBytes + kMaxSessionIdBytes + kSha256Bytes;
// base64url of kMaxTokenBytes, rounded up: longer text is refused unread.
constexpr size_t kMaxTokenChars = (kMaxTokenBytes * 4 + 2) / 3;

constexpr uint64_t kSignBit = uint64_t{1} << 63;

void AppendInt64(int64_t v, std::string* out) {
  AppendBigEndian64(static_cast<uint64_t>(v) ^ kSignBit, out);
}

int64_t DecodeInt64(const char* p) {
  return static_cast<int64_t>(DecodeBigEndian64(p) ^ kSignBit);
}

absl::Status BadCursor(std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("cursor: ", absl::string_view(why.data(), why.size())));
}

std::string FormatMs(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

// The canonical form is a sequence of length-prefixed fields, so no two
// filters serialize alike.
void AppendField(std::string_view bytes, std::string* out) {
  AppendBigEndian32(static_cast<uint32_t>(bytes.size()), out);
  out->append(bytes);
}

void AppendOptionalField(const std::optional<std::string>& v,
                         std::string* out) {
  out->push_back(v.has_value() ? '\1' : '\0');
  if (v.has_value()) AppendField(*v, out);
}

std::string CanonicalCondition(const TagCondition& c) {
  std::vector<std::string> values = c.values;
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::string out(1, static_cast<char>(c.kind));
  AppendField(c.name, &out);
  AppendBigEndian32(static_cast<uint32_t>(values.size()), &out);
  for (const std::string& v : values) AppendField(v, &out);
  return out;
}

void AppendConditions(const std::vector<TagCondition>& conditions,
                      std::string* out) {
  std::vector<std::string> canonical;
  for (const TagCondition& c : conditions)
    canonical.push_back(CanonicalCondition(c));
  std::sort(canonical.begin(), canonical.end());
  canonical.erase(std::unique(canonical.begin(), canonical.end()),
                  canonical.end());
  AppendBigEndian32(static_cast<uint32_t>(canonical.size()), out);
  for (const std::string& c : canonical) AppendField(c, out);
}

}  // namespace

std::string CursorFilterDigest(const SessionQuery& q) {
  std::string canonical = "sessiondb cursor filter v1";
  AppendOptionalField(q.bot_id, &canonical);
  canonical.push_back(
      q.containment.has_value() ? static_cast<char>(*q.containment) : '\xff');
  canonical.push_back(
      q.session_type.has_value() ? static_cast<char>(*q.session_type) : '\xff');
  AppendOptionalField(q.user_id, &canonical);
  AppendConditions(q.tags.all_of, &canonical);
  AppendConditions(q.tags.any_of, &canonical);
  AppendField(q.time_zone.empty() ? "UTC" : q.time_zone, &canonical);
  return Sha256(canonical).substr(0, kCursorFilterDigestBytes);
}

std::string EncodePageCursor(const PageCursor& cursor, std::string_view key) {
  std::string bytes(1, static_cast<char>(kCursorVersion));
  AppendInt64(cursor.start_ms, &bytes);
  AppendInt64(cursor.window.from_ms, &bytes);
  AppendInt64(cursor.window.to_ms, &bytes);
  bytes.append(cursor.filter_digest);
  bytes.append(cursor.session_id);
  bytes.append(HmacSha256(key, bytes));
  return Base64UrlEncode(bytes);
}

absl::StatusOr<PageCursor> DecodePageCursor(std::string_view token,
                                            std::string_view key) {
  std::string bytes;
  if (token.size() > kMaxTokenChars) {
    return BadCursor(absl::StrCat("malformed (", token.size(),
                                  " characters; a cursor has at most ",
                                  kMaxTokenChars, ")"));
  }
  if (!Base64UrlDecode(token, &bytes)) {
    return BadCursor("malformed (not base64url, as nextCursor gives it)");
  }
  if (bytes.size() < kHeadBytes + kMinSessionIdBytes + kSha256Bytes) {
    return BadCursor(absl::StrCat("malformed (", bytes.size(),
                                  " bytes is too short for a cursor)"));
  }
  const size_t signed_bytes = bytes.size() - kSha256Bytes;
  if (!ConstantTimeEqual(
          HmacSha256(key, std::string_view(bytes).substr(0, signed_bytes)),
          std::string_view(bytes).substr(signed_bytes))) {
    return BadCursor(
        "not a nextCursor of this store (altered, or issued by another "
        "store)");
  }
  if (static_cast<uint8_t>(bytes[0]) != kCursorVersion) {
    return BadCursor(
        absl::StrCat("unknown version ", static_cast<uint8_t>(bytes[0])));
  }
  PageCursor cursor;
  const char* p = bytes.data() + 1;
  cursor.start_ms = DecodeInt64(p);
  cursor.window.from_ms = DecodeInt64(p + 8);
  cursor.window.to_ms = DecodeInt64(p + 16);
  cursor.filter_digest.assign(p + 24, kCursorFilterDigestBytes);
  cursor.session_id.assign(bytes.data() + kHeadBytes,
                           signed_bytes - kHeadBytes);
  if (cursor.session_id.size() > kMaxSessionIdBytes) {
    return BadCursor("malformed (sessionId longer than 128 bytes)");
  }
  return cursor;
}

absl::StatusOr<CursorStart> StartFromCursor(const SessionQuery& query,
                                            const DateWindow& request_window,
                                            std::string_view key) {
  CursorStart start;
  if (query.cursor->empty()) {
    start.window = request_window;
    return start;
  }
  absl::StatusOr<PageCursor> cursor = DecodePageCursor(*query.cursor, key);
  if (!cursor.ok()) return cursor.status();
  if (cursor->filter_digest != CursorFilterDigest(query)) {
    return BadCursor(
        "issued for other filters: the bot, containmentType, userId, tags, "
        "sessionType and timeZone must be those of the walk's first request");
  }
  if (HasDateBound(query) &&
      (request_window.from_ms != cursor->window.from_ms ||
       request_window.to_ms != cursor->window.to_ms)) {
    return BadCursor(absl::StrCat(
        "issued for the window [", FormatMs(cursor->window.from_ms), ", ",
        FormatMs(cursor->window.to_ms), "), but dateFrom/dateTo give [",
        FormatMs(request_window.from_ms), ", ", FormatMs(request_window.to_ms),
        "); omit them to continue the walk's window"));
  }
  start.window = cursor->window;
  start.after = OrderPosition{cursor->start_ms, std::move(cursor->session_id)};
  return start;
}

}  // namespace sessiondb
