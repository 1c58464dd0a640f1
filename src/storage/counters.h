// Exact per-bucket session counts, kept in the same WriteBatch as the data.
//
// A counter belongs to a scope (a set of sessions with its own index range)
// and a time bucket, and holds a CellCounts: one count per cell
// (containment x sessionType). Scopes:
//   bot            every session of the bot; levels minute, quarter hour,
//                  hour, day, plus the bot's total
//   bot + user     the bot's sessions of one userId; levels hour, day
//   bot + tag      the bot's sessions carrying one (kind, name, value);
//                  levels hour, day
//   bot + 2 tags   the bot's sessions carrying both of two distinct tags,
//                  among those with at most kMaxPairedTags distinct tags;
//                  levels hour, day
//   bot, many tags the bot's sessions with more than kMaxPairedTags
//                  distinct tags (absent from every pair scope); a pair's
//                  count is exact over hours where this one is zero
// A count over a window [from, to) sums the aligned buckets the window
// covers and iterates only the partial buckets below the scope's smallest
// level at its two edges, so `total` and a deep `skip` cost a small multiple
// of a page instead of a walk over every match (docs/STORAGE.md, "The
// measured floor").
#ifndef SESSIONDB_STORAGE_COUNTERS_H_
#define SESSIONDB_STORAGE_COUNTERS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rocksdb/merge_operator.h"
#include "storage/key_codec.h"

namespace sessiondb {

// CellCounts is stored as kCells little-endian int64s; merge operands add.
using CellCounts = std::array<int64_t, kCells>;

// A stored count is kCountBytes bytes: an int64, two's complement,
// little-endian whatever the host's byte order. Counters hold kCells of
// them; a user map value (cf users) holds one, the user's session count.
inline constexpr size_t kCountBytes = 8;

// EncodeCount writes `v` to dst[0, kCountBytes).
void EncodeCount(int64_t v, char* dst);
// EncodeCount returns the kCountBytes bytes of `v`.
std::string EncodeCount(int64_t v);
// DecodeCount reads the count at the start of `bytes`; bytes missing at
// the end of a short value read as zero.
int64_t DecodeCount(std::string_view bytes);

// Levels are numbered by width; a level's children are the level below.
// The quarter hour exists so that a local midnight in any time zone (every
// UTC offset is a multiple of 15 minutes) is a few aligned buckets of the
// bot scope away from a UTC hour, not up to 59 minute counters.
inline constexpr int kMinuteLevel = 0;
inline constexpr int kQuarterHourLevel = 1;
inline constexpr int kHourLevel = 2;
inline constexpr int kDayLevel = 3;
inline constexpr int kCounterLevels = 4;
inline constexpr int64_t kLevelWidthMs[kCounterLevels] = {
    60'000, 900'000, 3'600'000, 86'400'000};
// A level's byte in a counter key (key_codec.h): the levels of format 3 kept
// their bytes when format 4 added the quarter hour, so an upgrade only adds
// keys (format_upgrade.h).
inline constexpr uint8_t kLevelKeyByte[kCounterLevels] = {0, 3, 1, 2};
inline constexpr uint8_t kTotalLevel = 0xFF;

std::string EncodeCellCounts(const CellCounts& counts);
// DecodeCellCounts reads a stored value; missing trailing cells count 0.
CellCounts DecodeCellCounts(std::string_view value);

// The smallest level each scope keeps.
inline constexpr int kBotScopeMinLevel = kMinuteLevel;
inline constexpr int kIndexScopeMinLevel = kHourLevel;

// A session with more distinct tags than this adds to no pair scope (it
// would add n(n-1)/2 of them) but to its bot's many-tags scope.
inline constexpr int kMaxPairedTags = 8;

// TagRef names one tag: kind (kTagKindUser / kTagKindSession), name, value.
struct TagRef {
  uint8_t kind;
  std::string_view name;
  std::string_view value;
};

// Scope prefixes (key_codec.h): the bytes before a counter's level.
std::string BotCounterScope(uint32_t bot_no);
std::string UserCounterScope(uint32_t bot_no, std::string_view user_id);
std::string TagCounterScope(uint32_t bot_no, uint8_t kind,
                            std::string_view name, std::string_view value);

// TagPairCounterScope is the same for (a, b) and (b, a).
// REQUIRES: a and b differ.
std::string TagPairCounterScope(uint32_t bot_no, const TagRef& a,
                                const TagRef& b);
std::string ManyTagsCounterScope(uint32_t bot_no);

// CounterKey is scope, the level's key byte, then the bucket (the start
// divided by the level's width, rounded down) as 8 big-endian bytes with the
// sign bit flipped: one level's keys sort by time, negative times first.
std::string CounterKey(std::string_view scope, int level,
                       int64_t start_ms_in_bucket);
std::string CounterKey(uint32_t bot_no, int level, int64_t start_ms_in_bucket);
std::string BotTotalCounterKey(uint32_t bot_no);

// The same bytes appended to a buffer, for a caller that builds many keys
// in one (ForEachCounterKey): EncodeTagRef is a tag's part of its scopes;
// AppendTagScope and AppendTagPairScope append TagCounterScope's and
// TagPairCounterScope's bytes from EncodeTagRef's (the pair's in either
// order; REQUIRES: the two differ); AppendCounterLevel appends what
// CounterKey puts after the scope.
std::string EncodeTagRef(const TagRef& tag);
void AppendTagScope(uint32_t bot_no, std::string_view encoded_tag,
                    std::string* out);
void AppendTagPairScope(uint32_t bot_no, std::string_view encoded_a,
                        std::string_view encoded_b, std::string* out);
void AppendCounterLevel(int level, int64_t start_ms_in_bucket,
                        std::string* key);

// The bytes that end every CounterKey: its bucket.
inline constexpr size_t kCounterBucketBytes = 8;

// DecodeCounterBucket reads the bucket a CounterKey ends with (the start
// divided by its level's width). REQUIRES key.size() >= kCounterBucketBytes.
int64_t DecodeCounterBucket(std::string_view key);

// WindowPiece is [lo_ms, hi_ms): an aligned bucket of `level`, or with level
// -1 a partial minute that must be counted by iteration.
struct WindowPiece {
  int64_t lo_ms;
  int64_t hi_ms;
  int level;
};

// DecomposeWindow covers [from, to) with the fewest aligned buckets of
// level >= min_level plus at most two partial pieces (level -1, each shorter
// than a bucket of min_level), in ascending time order.
std::vector<WindowPiece> DecomposeWindow(int64_t from_ms, int64_t to_ms,
                                         int min_level = kBotScopeMinLevel);
// AppendWindowPieces appends the same pieces to *out (for a caller that
// decomposes many windows into one vector).
void AppendWindowPieces(int64_t from_ms, int64_t to_ms, int min_level,
                        std::vector<WindowPiece>* out);

// CoveringBuckets covers [from, to) rounded outward to whole buckets of
// min_level with the fewest aligned buckets (no partial pieces).
std::vector<WindowPiece> CoveringBuckets(int64_t from_ms, int64_t to_ms,
                                         int min_level);

// SplitPiece splits an aligned bucket of level >= 1 into its children of
// level - 1, ascending.
std::vector<WindowPiece> SplitPiece(const WindowPiece& piece);

// NewCountsMergeOperator returns the associative operator of the `counts`
// and `users` column families: element-wise int64 addition.
// Its name ("sessiondb.Int64VectorAdd") is REQUIRED to stay the same across
// opens.
std::shared_ptr<rocksdb::MergeOperator> NewCountsMergeOperator();

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_COUNTERS_H_
