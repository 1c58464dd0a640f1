// Sorted runs: a bulk load's temporary files of key-values in key order,
// each written once and read back once by the process that wrote it
// (bulk_loader.cc merges them into the store's table files).
//
// Why not table files: a run needs no index, filter or block structure, and
// writing and iterating RocksDB table files was ~15% of a bulk load's CPU
// (docs/PERFORMANCE.md, "Bulk load"). A run is the entries back to back,
// each three varint32s (the bytes its key shares with the key before it,
// the key's other bytes, the value's size), the key's other bytes and the
// value; then a trailer of the entry count and a checksum of
// every byte before it (8 bytes each, big-endian). The checksum (absl::Hash
// over 1 MiB pieces) is stable only within one process, which is all a run
// needs: a damaged run fails the load instead of reaching the store. Runs are
// read with pread into one buffer, not mapped: a mapping's pages count in the
// process's resident size (a 1M load's merge showed 1.25 GB) and each costs
// a fault.
#ifndef SESSIONDB_STORAGE_SORTED_RUN_H_
#define SESSIONDB_STORAGE_SORTED_RUN_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sessiondb {

// SortedRunWriter writes one run. The caller adds keys in ascending order
// (not checked: the reader's merge relies on it) and removes the file when
// it is done with it.
class SortedRunWriter {
 public:
  explicit SortedRunWriter(std::string path);
  ~SortedRunWriter();  // closes the file if Finish was not reached
  SortedRunWriter(const SortedRunWriter&) = delete;
  SortedRunWriter& operator=(const SortedRunWriter&) = delete;

  // Open creates (or truncates) the file.
  absl::Status Open();
  // Add appends an entry (InvalidArgument for a key or value of 4 GiB or
  // more). REQUIRES: Open succeeded.
  absl::Status Add(std::string_view key, std::string_view value);
  // Finish writes the trailer and closes the file.
  absl::Status Finish();

  const std::string& path() const { return path_; }
  int64_t entries() const { return static_cast<int64_t>(entries_); }

 private:
  // WriteFull writes and checksums the buffer's whole pieces (all of it
  // with `all`).
  absl::Status WriteFull(bool all);
  absl::Status Write(std::string_view bytes);

  const std::string path_;
  int fd_ = -1;
  std::string buffer_;
  std::string last_key_;
  uint64_t entries_ = 0;
  uint64_t checksum_ = 0;
};

// SortedRunReader iterates over one run, from its first entry, reading it
// a piece at a time (no more than a piece and the largest entry in memory).
class SortedRunReader {
 public:
  // Open opens the file and reads its trailer: DataLoss names the file when
  // it is too short to hold one.
  static absl::StatusOr<std::unique_ptr<SortedRunReader>> Open(
      const std::string& path);
  ~SortedRunReader();
  SortedRunReader(const SortedRunReader&) = delete;
  SortedRunReader& operator=(const SortedRunReader&) = delete;

  bool Valid() const { return valid_; }
  // REQUIRES: Valid(). Views valid until the next call of Next.
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  // Next moves to the next entry; past the last one Valid() is false and
  // status() says whether the run was whole: DataLoss names the file when
  // its bytes do not match the checksum, an entry is cut short, or the
  // entries are not as many as the trailer says. Entries read before a
  // damaged piece is found are not checked: the caller's work is lost on
  // any error (a bulk load ingests nothing).
  void Next();
  const absl::Status& status() const { return status_; }

 private:
  SortedRunReader(std::string path, int fd, std::unique_ptr<char[]> buffer,
                  size_t data_size, uint64_t entries, uint64_t checksum);
  // Fill makes the file's bytes [offset_, offset_ + n) readable in
  // buffer_, reading and checksumming whole pieces in order.
  bool Fill(size_t n);
  void Fail(const std::string& why);

  const std::string path_;
  const int fd_;
  const size_t data_size_;  // bytes before the trailer
  const uint64_t expected_entries_;
  const uint64_t expected_checksum_;
  // The file's bytes [buffer_offset_, buffer_offset_ + buffer_size_);
  // buffer_offset_ is a piece boundary. Allocated once (fresh memory
  // costs page faults), grown only for an entry longer than a piece.
  std::unique_ptr<char[]> buffer_;
  size_t buffer_capacity_;
  size_t buffer_size_ = 0;
  size_t buffer_offset_ = 0;
  size_t offset_ = 0;      // the next entry's
  uint64_t checksum_ = 0;  // of the pieces read
  uint64_t read_entries_ = 0;
  bool valid_ = false;
  std::string key_buffer_;  // key_'s bytes
  std::string_view key_, value_;
  absl::Status status_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_SORTED_RUN_H_
