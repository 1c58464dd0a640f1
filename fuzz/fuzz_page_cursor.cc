// Fuzz target: the getSessions cursor decoder (DecodePageCursor, SPEC §7).
// Properties: any text is refused with InvalidArgument starting "cursor:"
// or, signed by the key, decoded; a cursor built from the input's bytes
// round-trips through its token; that token with any one byte of its
// decoded form flipped is refused.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/base64url.h"
#include "fuzz_input.h"
#include "query/page_cursor.h"

namespace {

const std::string& Key() {
  static const std::string key(32, 'k');
  return key;
}

void CheckRefusal(const absl::Status& s) {
  FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  FUZZ_CHECK(s.message().substr(0, 7) == "cursor:");
}

int64_t Int64(std::string_view bytes, size_t at) {
  uint64_t v = 0;
  for (size_t i = at; i < at + 8 && i < bytes.size(); ++i)
    v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<int64_t>(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<sessiondb::PageCursor> decoded =
      sessiondb::DecodePageCursor(text, Key());
  if (!decoded.ok()) CheckRefusal(decoded.status());

  // The input as a cursor's fields: three times, a digest, then the id.
  sessiondb::PageCursor cursor;
  cursor.start_ms = Int64(text, 0);
  cursor.window.from_ms = Int64(text, 8);
  cursor.window.to_ms = Int64(text, 16);
  cursor.filter_digest = std::string(text.substr(std::min<size_t>(24, size)))
                             .substr(0, sessiondb::kCursorFilterDigestBytes);
  cursor.filter_digest.resize(sessiondb::kCursorFilterDigestBytes, '\0');
  cursor.session_id =
      std::string(text.substr(std::min<size_t>(40, size))).substr(0, 128);
  if (cursor.session_id.empty()) cursor.session_id.push_back('s');
  const std::string token = sessiondb::EncodePageCursor(cursor, Key());
  absl::StatusOr<sessiondb::PageCursor> back =
      sessiondb::DecodePageCursor(token, Key());
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->start_ms == cursor.start_ms &&
             back->window.from_ms == cursor.window.from_ms &&
             back->window.to_ms == cursor.window.to_ms &&
             back->filter_digest == cursor.filter_digest &&
             back->session_id == cursor.session_id);
  std::string bytes;
  FUZZ_CHECK(sessiondb::Base64UrlDecode(token, &bytes));
  const size_t at = size > 0 ? data[0] % bytes.size() : 0;
  bytes[at] = static_cast<char>(bytes[at] ^ (size > 1 ? data[1] | 1 : 1));
  absl::StatusOr<sessiondb::PageCursor> flipped =
      sessiondb::DecodePageCursor(sessiondb::Base64UrlEncode(bytes), Key());
  FUZZ_CHECK(!flipped.ok());
  CheckRefusal(flipped.status());
  return 0;
}
