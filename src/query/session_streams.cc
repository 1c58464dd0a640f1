#include "query/session_streams.h"

#include <algorithm>
#include <utility>

#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {

KeyRangeStream::KeyRangeStream(const StorageEngine& engine,
                               const rocksdb::Snapshot* snapshot,
                               const StreamSpec& spec, int64_t from_ms,
                               int64_t to_ms, std::string_view after_order)
    : bot_no_(spec.bot_no),
      prefix_size_(spec.prefix.size()),
      upper_bound_(OrderUpperBound(spec.prefix, from_ms)),
      upper_slice_(upper_bound_) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.iterate_upper_bound = &upper_slice_;
  iter_ = engine.NewIterator(ro, spec.cf);
  std::string start = OrderLowerBound(spec.prefix, to_ms);
  if (!after_order.empty()) {
    // `order` is prefix-free (key_codec.h), so no key of this range starts
    // with prefix+after_order but that one: appending 0x00 makes the
    // smallest key strictly after it.
    std::string after = spec.prefix;
    after.append(after_order);
    after.push_back('\0');
    if (after > start) start = std::move(after);
  }
  iter_->Seek(start);
}

absl::Status KeyRangeStream::status() const {
  return FromRocksStatus(iter_->status(), "scanning an index");
}

MergedStream::MergedStream(const StorageEngine& engine,
                           const rocksdb::Snapshot* snapshot,
                           const std::vector<StreamSpec>& specs,
                           int64_t from_ms, int64_t to_ms,
                           std::string_view after_order) {
  streams_.reserve(specs.size());
  for (const StreamSpec& spec : specs) {
    streams_.push_back(std::make_unique<KeyRangeStream>(
        engine, snapshot, spec, from_ms, to_ms, after_order));
    if (streams_.back()->Valid()) {
      heap_.push_back(streams_.size() - 1);
      ++keys_visited_;
    }
  }
  for (size_t i = heap_.size(); i-- > 0;) SiftDown(i);
}

bool MergedStream::Greater(size_t a, size_t b) const {
  return streams_[heap_[a]]->order() > streams_[heap_[b]]->order();
}

void MergedStream::SiftDown(size_t pos) {
  const size_t n = heap_.size();
  while (true) {
    size_t smallest = pos;
    size_t l = 2 * pos + 1, r = l + 1;
    if (l < n && Greater(smallest, l)) smallest = l;
    if (r < n && Greater(smallest, r)) smallest = r;
    if (smallest == pos) return;
    std::swap(heap_[pos], heap_[smallest]);
    pos = smallest;
  }
}

void MergedStream::PopFront() {
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) SiftDown(0);
}

void MergedStream::Advance(size_t stream_index) {
  KeyRangeStream& s = *streams_[stream_index];
  s.Next();
  if (s.Valid()) {
    ++keys_visited_;
    SiftDown(0);
  } else {
    PopFront();
  }
}

void MergedStream::Next() {
  if (streams_.size() == 1) {  // nothing to merge or deduplicate
    Advance(heap_.front());
    return;
  }
  last_order_.assign(current().order());
  Advance(heap_.front());
  // The same session reached through another stream (an OR of tags, a tag
  // of both kinds) is skipped: equal order suffix means equal sessionId.
  while (!heap_.empty() && current().order() == last_order_) {
    Advance(heap_.front());
  }
}

absl::Status MergedStream::status() const {
  for (const auto& s : streams_) {
    absl::Status st = s->status();
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace sessiondb
