// Key layout of every column family. These byte forms reach disk: changing
// one needs a new kFormatVersion (storage_engine.h).
//
// Components (all integers big-endian, so byte order is numeric order):
//   bot      := bot_no(4)     the bot's number in the bot dictionary (cf
//                             default); 0 is never assigned
//   desc_ts  := ~(uint64(start_ms) ^ 1<<63)   (8 bytes)
//                             start_time with the sign bit flipped (so
//                             negative times sort first) and complemented:
//                             newer sessions sort FIRST
//   asc(s)   := s with 0x00 written as 0x00 0xFF, then 0x00 0x01
//                             order-preserving and prefix-free, so any
//                             string (NUL bytes included) can be followed by
//                             more components
//   desc(s)  := every byte of asc(s) complemented
//                             prefix-free, so complementing reverses order:
//                             larger sessionIds sort FIRST
//   order    := desc_ts desc(sessionId)
//                             the API's order (start_time desc, sessionId
//                             desc) as a plain forward scan. Every key that
//                             names a session ENDS with `order`, so streams
//                             over different indexes merge by comparing
//                             their order suffixes bytewise.
//   cell     := containment(1) * 2 + sessionType(1)   in [0, 6)
//
// Column families:
//   default:     "format_version"                  -> decimal version
//                "bot/" botId                      -> bot_no(4)
//                "cursor_key"                      -> 32 random bytes, the
//                                                     key cursors are signed
//                                                     with (never changed)
//                "change_seq"                      -> number(8): the last
//                                                     committed change
//                "changes/" number(8)              -> change entry
//                "changes_trimmed"                 -> number(8): entries
//                                                     <= it are gone
//                                                     (change_log.h)
//   sessions:    bot order                         -> fb::Session record
//   session_ids: sessionId                         -> bot order (the
//                                                     record's primary key)
//   by_cell:     bot cell(1) order                 -> a copy of the record
//   by_user:     bot asc(userId) order             -> index value
//   by_tag:      bot kind(1) asc(name) asc(value) order -> index value
//                index value := the session's payload (cell and tags,
//                bounded; index_payload.h)
//                kind: 1 = userTags, 2 = sessionTags (frozen)
//   counts:      scope level(1) bucket(8)          -> CellCounts (merge add)
//                bot 0xFF                          -> CellCounts, bot total
//                scope := bot                      (level bytes 0-3)
//                       | bot 0x10 asc(userId)     (level bytes 1, 2)
//                       | bot 0x20 tag              (level bytes 1, 2)
//                       | bot 0x30 tag tag          (level bytes 1, 2;
//                                                    tags in byte order)
//                       | bot 0x31                 (level bytes 1, 2)
//                tag := kind(1) asc(name) asc(value)
//                level 0/1/2/3 = minute/hour/day/quarter-hour buckets
//                (counters.h: kLevelKeyByte; 3 since format 4);
//                bucket := floor(ms / width) with the sign bit flipped
//   users:       userId                            -> int64 (merge add):
//                                                     sessions with it
//   aliases:     ascii_lower(alias)                -> userId
#ifndef SESSIONDB_STORAGE_KEY_CODEC_H_
#define SESSIONDB_STORAGE_KEY_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessiondb {

inline constexpr size_t kBotBytes = 4;
inline constexpr size_t kTimeBytes = 8;
inline constexpr uint8_t kTagKindUser = 1;
inline constexpr uint8_t kTagKindSession = 2;
inline constexpr int kCells = 6;
// The byte after `bot` that starts a user, tag, tag-pair or many-tags
// counter scope; distinct
// from the bot scope's level bytes (0 to 3) and its total (0xFF).
inline constexpr uint8_t kUserScopeByte = 0x10;
inline constexpr uint8_t kTagScopeByte = 0x20;
inline constexpr uint8_t kTagPairScopeByte = 0x30;
inline constexpr uint8_t kManyTagsScopeByte = 0x31;

inline uint8_t CellOf(uint8_t containment, uint8_t session_type) {
  return static_cast<uint8_t>(containment * 2 + session_type);
}

// Varint32: 7 bits a byte, least significant first; the high bit says
// another byte follows. ReadVarint32 reads at *pos and advances it; false
// when the bytes end first or the value takes more than 5 bytes.
void AppendVarint32(uint32_t v, std::string* out);
bool ReadVarint32(std::string_view bytes, size_t* pos, uint32_t* v);

void AppendBigEndian32(uint32_t v, std::string* out);
void AppendBigEndian64(uint64_t v, std::string* out);
uint32_t DecodeBigEndian32(const char* p);
uint64_t DecodeBigEndian64(const char* p);

void AppendBot(uint32_t bot_no, std::string* out);
void AppendDescTime(int64_t ms, std::string* out);
int64_t DecodeDescTime(const char* p);
void AppendAscString(std::string_view s, std::string* out);
void AppendDescString(std::string_view s, std::string* out);
// AppendOrder appends `order` = desc_ts desc(sessionId).
void AppendOrder(int64_t start_ms, std::string_view session_id,
                 std::string* out);

// Keys of the session-bearing column families.
std::string SessionKey(uint32_t bot_no, int64_t start_ms,
                       std::string_view session_id);
std::string CellIndexPrefix(uint32_t bot_no, uint8_t cell);
std::string UserIndexPrefix(uint32_t bot_no, std::string_view user_id);
std::string TagIndexPrefix(uint32_t bot_no, uint8_t kind, std::string_view name,
                           std::string_view value);
// TagNamePrefix covers every value of one tag name (asc(name) is followed by
// asc(value)).
std::string TagNamePrefix(uint32_t bot_no, uint8_t kind, std::string_view name);

// OrderLowerBound / OrderUpperBound turn a time window [from_ms, to_ms) into
// the order-suffix range [lower, upper) after some prefix: the first key at
// or before to_ms - 1 and the first key past from_ms (exclusive).
std::string OrderLowerBound(std::string_view prefix, int64_t to_ms);
std::string OrderUpperBound(std::string_view prefix, int64_t from_ms);

// AsciiLower is the alias key (API.md §2: aliases match ASCII
// case-insensitively).
std::string AsciiLower(std::string_view s);

// ParseAscString reads one asc() component at `*pos`, advancing it; nullopt
// when malformed.
std::optional<std::string> ParseAscString(std::string_view key, size_t* pos);

// DebugKey renders a key as printable text with hex escapes, for errors.
std::string DebugKey(std::string_view key);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_KEY_CODEC_H_
