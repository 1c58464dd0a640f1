// Streams of session keys in the API's order (start_time desc, sessionId
// desc). Every session-bearing key ends with the same `order` suffix
// (key_codec.h), so streams over different bots and indexes merge by
// comparing suffix bytes, and two entries of one session compare equal.
#ifndef SESSIONDB_QUERY_SESSION_STREAMS_H_
#define SESSIONDB_QUERY_SESSION_STREAMS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "rocksdb/db.h"
#include "storage/column_families.h"
#include "storage/key_codec.h"

namespace sessiondb {

class StorageEngine;

// StreamSpec names one contiguous key range family: the keys of `cf` that
// start with `prefix` (which includes the bot number `bot_no`).
struct StreamSpec {
  Cf cf;
  uint32_t bot_no;
  std::string prefix;
};

// KeyRangeStream walks one StreamSpec over a time window. Single-threaded.
class KeyRangeStream {
 public:
  // Positions at the newest key with from_ms <= start_time < to_ms and,
  // when `after_order` is not empty, an order suffix after it (a cursor's
  // position): one Seek, whatever the number of keys before it.
  KeyRangeStream(const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
                 const StreamSpec& spec, int64_t from_ms, int64_t to_ms,
                 std::string_view after_order = {});
  KeyRangeStream(const KeyRangeStream&) = delete;
  KeyRangeStream& operator=(const KeyRangeStream&) = delete;

  bool Valid() const { return iter_->Valid(); }
  void Next() { iter_->Next(); }
  // REQUIRES: Valid().
  std::string_view order() const {
    rocksdb::Slice k = iter_->key();
    return std::string_view(k.data() + prefix_size_, k.size() - prefix_size_);
  }
  std::string_view value() const {
    rocksdb::Slice v = iter_->value();
    return std::string_view(v.data(), v.size());
  }
  std::string_view key() const {
    rocksdb::Slice k = iter_->key();
    return std::string_view(k.data(), k.size());
  }
  uint32_t bot_no() const { return bot_no_; }
  // AppendPrimaryKey appends the key of the record the current entry names:
  // its bot + its order (key_codec.h). On a `sessions` stream, key() itself.
  // REQUIRES: Valid().
  void AppendPrimaryKey(std::string* out) const {
    AppendBot(bot_no_, out);
    out->append(order());
  }
  std::string PrimaryKey() const {
    std::string out;
    AppendPrimaryKey(&out);
    return out;
  }
  absl::Status status() const;

 private:
  uint32_t bot_no_;
  size_t prefix_size_;
  std::string upper_bound_;  // must outlive iter_
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> iter_;
};

// MergedStream yields the union of its streams in order, each session once.
// Single-threaded.
class MergedStream {
 public:
  // after_order: as KeyRangeStream's, for every stream.
  MergedStream(const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
               const std::vector<StreamSpec>& specs, int64_t from_ms,
               int64_t to_ms, std::string_view after_order = {});

  bool Valid() const { return !heap_.empty(); }
  // The stream holding the current (smallest) key. REQUIRES: Valid().
  const KeyRangeStream& current() const { return *streams_[heap_.front()]; }
  // Next advances past the current session, in every stream that holds it.
  void Next();
  // keys_visited counts every key stepped over, duplicates included.
  int64_t keys_visited() const { return keys_visited_; }
  absl::Status status() const;

 private:
  bool Greater(size_t a, size_t b) const;
  void SiftDown(size_t pos);
  void PopFront();
  void Advance(size_t stream_index);

  std::vector<std::unique_ptr<KeyRangeStream>> streams_;
  std::vector<size_t> heap_;  // min-heap of stream indexes by order()
  std::string last_order_;
  int64_t keys_visited_ = 0;
};

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_SESSION_STREAMS_H_
