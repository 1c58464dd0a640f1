#include "storage/counters.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

namespace sessiondb {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorTo(int64_t ms, int64_t width) {
  return FloorDiv(ms, width) * width;
}

int64_t CeilTo(int64_t ms, int64_t width) {
  int64_t f = FloorTo(ms, width);
  return f == ms ? f : f + width;
}

void AddEncoded(std::string_view operand, std::string* acc) {
  if (acc->size() < operand.size()) acc->resize(operand.size(), '\0');
  for (size_t i = 0; i + kCountBytes <= operand.size(); i += kCountBytes) {
    const int64_t a = DecodeCount(std::string_view(*acc).substr(i));
    const int64_t b = DecodeCount(operand.substr(i));
    // Wrapping add: counts never approach 2^63, and wrapping keeps
    // corrupt operands from being undefined behaviour.
    EncodeCount(static_cast<int64_t>(static_cast<uint64_t>(a) +
                                     static_cast<uint64_t>(b)),
                acc->data() + i);
  }
}

class Int64VectorAddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/,
             const rocksdb::Slice* existing_value, const rocksdb::Slice& value,
             std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    new_value->clear();
    if (existing_value != nullptr) {
      new_value->assign(existing_value->data(), existing_value->size());
    }
    AddEncoded(std::string_view(value.data(), value.size()), new_value);
    return true;
  }
  const char* Name() const override { return "sessiondb.Int64VectorAdd"; }
};

// AppendScopeStart appends `bot scope_byte`, the start of every scope but
// the bot's.
void AppendScopeStart(uint32_t bot_no, uint8_t scope_byte, std::string* out) {
  AppendBot(bot_no, out);
  out->push_back(static_cast<char>(scope_byte));
}

std::string ScopeStart(uint32_t bot_no, uint8_t scope_byte) {
  std::string scope;
  AppendScopeStart(bot_no, scope_byte, &scope);
  return scope;
}

}  // namespace

std::string EncodeTagRef(const TagRef& tag) {
  std::string out;
  out.push_back(static_cast<char>(tag.kind));
  AppendAscString(tag.name, &out);
  AppendAscString(tag.value, &out);
  return out;
}

void EncodeCount(int64_t v, char* dst) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (size_t i = 0; i < kCountBytes; ++i)
    dst[i] = static_cast<char>((u >> (8 * i)) & 0xFF);
}

std::string EncodeCount(int64_t v) {
  std::string out(kCountBytes, '\0');
  EncodeCount(v, out.data());
  return out;
}

namespace {

// LoadCount reads the kCountBytes at `p` (little-endian) with one load.
int64_t LoadCount(const char* p) {
  static_assert(kCountBytes == sizeof(uint64_t));
  uint64_t u;
  std::memcpy(&u, p, sizeof(u));
  if constexpr (std::endian::native == std::endian::big)
    u = __builtin_bswap64(u);
  return static_cast<int64_t>(u);
}

}  // namespace

int64_t DecodeCount(std::string_view bytes) {
  if (bytes.size() >= kCountBytes) return LoadCount(bytes.data());
  uint64_t u = 0;
  for (size_t i = 0; i < kCountBytes && i < bytes.size(); ++i)
    u |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  return static_cast<int64_t>(u);
}

std::string EncodeCellCounts(const CellCounts& counts) {
  std::string out(kCells * kCountBytes, '\0');
  for (int i = 0; i < kCells; ++i)
    EncodeCount(counts[i], out.data() + kCountBytes * i);
  return out;
}

CellCounts DecodeCellCounts(std::string_view value) {
  CellCounts counts{};
  const size_t n = std::min<size_t>(kCells, value.size() / kCountBytes);
  for (size_t i = 0; i < n; ++i) {
    counts[i] = LoadCount(value.data() + kCountBytes * i);
  }
  return counts;
}

std::string BotCounterScope(uint32_t bot_no) {
  std::string scope;
  AppendBot(bot_no, &scope);
  return scope;
}

std::string UserCounterScope(uint32_t bot_no, std::string_view user_id) {
  std::string scope = ScopeStart(bot_no, kUserScopeByte);
  AppendAscString(user_id, &scope);
  return scope;
}

std::string TagPairCounterScope(uint32_t bot_no, const TagRef& a,
                                const TagRef& b) {
  std::string scope;
  AppendTagPairScope(bot_no, EncodeTagRef(a), EncodeTagRef(b), &scope);
  return scope;
}

void AppendTagPairScope(uint32_t bot_no, std::string_view encoded_a,
                        std::string_view encoded_b, std::string* out) {
  if (encoded_b < encoded_a) std::swap(encoded_a, encoded_b);
  AppendScopeStart(bot_no, kTagPairScopeByte, out);
  out->append(encoded_a);
  out->append(encoded_b);
}

std::string TagCounterScope(uint32_t bot_no, uint8_t kind,
                            std::string_view name, std::string_view value) {
  std::string scope;
  AppendTagScope(bot_no, EncodeTagRef({kind, name, value}), &scope);
  return scope;
}

void AppendTagScope(uint32_t bot_no, std::string_view encoded_tag,
                    std::string* out) {
  AppendScopeStart(bot_no, kTagScopeByte, out);
  out->append(encoded_tag);
}

std::string ManyTagsCounterScope(uint32_t bot_no) {
  return ScopeStart(bot_no, kManyTagsScopeByte);
}

std::string CounterKey(std::string_view scope, int level,
                       int64_t start_ms_in_bucket) {
  std::string key;
  key.reserve(scope.size() + 1 + kCounterBucketBytes);
  key.append(scope);
  AppendCounterLevel(level, start_ms_in_bucket, &key);
  return key;
}

void AppendCounterLevel(int level, int64_t start_ms_in_bucket,
                        std::string* key) {
  key->push_back(static_cast<char>(kLevelKeyByte[level]));
  int64_t bucket = FloorDiv(start_ms_in_bucket, kLevelWidthMs[level]);
  AppendBigEndian64(static_cast<uint64_t>(bucket) ^ kSignBit, key);
}

int64_t DecodeCounterBucket(std::string_view key) {
  return static_cast<int64_t>(
      DecodeBigEndian64(key.data() + key.size() - kCounterBucketBytes) ^
      kSignBit);
}

std::string CounterKey(uint32_t bot_no, int level, int64_t start_ms_in_bucket) {
  return CounterKey(BotCounterScope(bot_no), level, start_ms_in_bucket);
}

std::string BotTotalCounterKey(uint32_t bot_no) {
  std::string key;
  AppendBot(bot_no, &key);
  key.push_back(static_cast<char>(kTotalLevel));
  return key;
}

std::vector<WindowPiece> DecomposeWindow(int64_t from_ms, int64_t to_ms,
                                         int min_level) {
  std::vector<WindowPiece> pieces;
  AppendWindowPieces(from_ms, to_ms, min_level, &pieces);
  return pieces;
}

void AppendWindowPieces(int64_t from_ms, int64_t to_ms, int min_level,
                        std::vector<WindowPiece>* out) {
  if (from_ms >= to_ms) return;
  const int64_t unit = kLevelWidthMs[min_level];
  int64_t a = CeilTo(from_ms, unit);
  int64_t b = FloorTo(to_ms, unit);
  if (a > b) {  // inside one bucket of min_level
    out->push_back({from_ms, to_ms, -1});
    return;
  }
  if (from_ms < a) out->push_back({from_ms, a, -1});
  while (a < b) {
    int level = min_level;
    for (int l = kCounterLevels - 1; l > min_level; --l) {
      if (a % kLevelWidthMs[l] == 0 && b - a >= kLevelWidthMs[l]) {
        level = l;
        break;
      }
    }
    out->push_back({a, a + kLevelWidthMs[level], level});
    a += kLevelWidthMs[level];
  }
  if (b < to_ms) out->push_back({b, to_ms, -1});
}

std::vector<WindowPiece> CoveringBuckets(int64_t from_ms, int64_t to_ms,
                                         int min_level) {
  const int64_t unit = kLevelWidthMs[min_level];
  return DecomposeWindow(FloorTo(from_ms, unit), CeilTo(to_ms, unit),
                         min_level);
}

std::vector<WindowPiece> SplitPiece(const WindowPiece& piece) {
  std::vector<WindowPiece> children;
  int child = piece.level - 1;
  for (int64_t t = piece.lo_ms; t < piece.hi_ms; t += kLevelWidthMs[child]) {
    children.push_back({t, t + kLevelWidthMs[child], child});
  }
  return children;
}

std::shared_ptr<rocksdb::MergeOperator> NewCountsMergeOperator() {
  return std::make_shared<Int64VectorAddOperator>();
}

}  // namespace sessiondb
