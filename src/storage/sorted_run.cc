#include "storage/sorted_run.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "storage/key_codec.h"

namespace sessiondb {
namespace {

// The checksum covers the file in pieces of this many bytes, counted from
// its start, so the writer (whatever its buffer) and the reader agree.
constexpr size_t kPieceBytes = size_t{1} << 20;
constexpr size_t kTrailerBytes = 16;
// Either end's buffer: a piece and the entry that crosses into the next one.
constexpr size_t kBufferBytes = 2 * kPieceBytes;
// Three varint32s: shared key bytes, the key's other bytes, value bytes.
constexpr size_t kMaxHeaderBytes = 15;

uint64_t ExtendChecksum(uint64_t checksum, std::string_view piece) {
  return absl::HashOf(checksum, piece);
}

absl::Status ErrnoError(const char* what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " bulk-load run ", path, ": ", std::strerror(errno)));
}

}  // namespace

SortedRunWriter::SortedRunWriter(std::string path) : path_(std::move(path)) {}

SortedRunWriter::~SortedRunWriter() {
  if (fd_ >= 0) close(fd_);
}

absl::Status SortedRunWriter::Open() {
  fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return ErrnoError("creating", path_);
  buffer_.reserve(kBufferBytes);
  return absl::OkStatus();
}

absl::Status SortedRunWriter::Add(std::string_view key,
                                  std::string_view value) {
  if (key.size() > UINT32_MAX || value.size() > UINT32_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("bulk-load run ", path_, ": an entry of 4 GiB or more"));
  }
  const size_t limit = std::min(key.size(), last_key_.size());
  size_t shared = 0;
  while (shared < limit && key[shared] == last_key_[shared]) ++shared;
  AppendVarint32(static_cast<uint32_t>(shared), &buffer_);
  AppendVarint32(static_cast<uint32_t>(key.size() - shared), &buffer_);
  AppendVarint32(static_cast<uint32_t>(value.size()), &buffer_);
  buffer_.append(key.substr(shared));
  buffer_.append(value);
  last_key_.assign(key);
  ++entries_;
  return buffer_.size() >= kPieceBytes ? WriteFull(/*all=*/false)
                                       : absl::OkStatus();
}

absl::Status SortedRunWriter::Finish() {
  absl::Status status = WriteFull(/*all=*/true);
  if (status.ok()) {
    std::string trailer;
    AppendBigEndian64(entries_, &trailer);
    AppendBigEndian64(checksum_, &trailer);
    status = Write(trailer);
  }
  if (close(fd_) != 0 && status.ok()) status = ErrnoError("closing", path_);
  fd_ = -1;
  return status;
}

absl::Status SortedRunWriter::WriteFull(bool all) {
  size_t done = 0;
  while (buffer_.size() - done >= kPieceBytes ||
         (all && done < buffer_.size())) {
    const size_t n = std::min(kPieceBytes, buffer_.size() - done);
    const std::string_view piece(buffer_.data() + done, n);
    checksum_ = ExtendChecksum(checksum_, piece);
    if (absl::Status s = Write(piece); !s.ok()) return s;
    done += n;
  }
  buffer_.erase(0, done);
  return absl::OkStatus();
}

absl::Status SortedRunWriter::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("writing", path_);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SortedRunReader>> SortedRunReader::Open(
    const std::string& path) {
  // Allocated first: nothing below can throw while the file is open.
  std::unique_ptr<char[]> buffer(new char[kBufferBytes]);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("opening", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    absl::Status status = ErrnoError("reading", path);
    close(fd);
    return status;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  char trailer[kTrailerBytes];
  ssize_t r = 0;
  if (size >= kTrailerBytes) {
    do {
      r = pread(fd, trailer, kTrailerBytes,
                static_cast<off_t>(size - kTrailerBytes));
    } while (r < 0 && errno == EINTR);
  }
  if (r < 0) {
    absl::Status status = ErrnoError("reading", path);
    close(fd);
    return status;
  }
  if (size < kTrailerBytes || r != static_cast<ssize_t>(kTrailerBytes)) {
    close(fd);
    return absl::DataLossError(
        absl::StrCat("bulk-load run ", path, " is truncated"));
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // Advice.
  std::unique_ptr<SortedRunReader> reader(new SortedRunReader(
      path, fd, std::move(buffer), size - kTrailerBytes,
      DecodeBigEndian64(trailer), DecodeBigEndian64(trailer + 8)));
  reader->Next();
  return reader;
}

SortedRunReader::SortedRunReader(std::string path, int fd,
                                 std::unique_ptr<char[]> buffer,
                                 size_t data_size, uint64_t entries,
                                 uint64_t checksum)
    : path_(std::move(path)),
      fd_(fd),
      data_size_(data_size),
      expected_entries_(entries),
      expected_checksum_(checksum),
      buffer_(std::move(buffer)),
      buffer_capacity_(kBufferBytes) {}

SortedRunReader::~SortedRunReader() { close(fd_); }

void SortedRunReader::Fail(const std::string& why) {
  status_ =
      absl::DataLossError(absl::StrCat("bulk-load run ", path_, " ", why));
}

bool SortedRunReader::Fill(size_t n) {
  if (n > data_size_ - offset_) return false;
  const size_t end = offset_ + n;
  if (end <= buffer_offset_ + buffer_size_) return true;
  // Drop the whole pieces before the next entry; read pieces until it fits.
  const size_t keep_from = offset_ / kPieceBytes * kPieceBytes;
  const size_t dropped = keep_from - buffer_offset_;
  std::memmove(buffer_.get(), buffer_.get() + dropped, buffer_size_ - dropped);
  buffer_size_ -= dropped;
  buffer_offset_ = keep_from;
  while (buffer_offset_ + buffer_size_ < end) {
    const size_t at = buffer_offset_ + buffer_size_;
    const size_t want = std::min(kPieceBytes, data_size_ - at);
    if (buffer_size_ + want > buffer_capacity_) {
      // An entry longer than a piece: the buffer grows (and stays grown).
      const size_t capacity =
          std::max(2 * buffer_capacity_, buffer_size_ + want);
      std::unique_ptr<char[]> grown(new char[capacity]);
      std::memcpy(grown.get(), buffer_.get(), buffer_size_);
      buffer_ = std::move(grown);
      buffer_capacity_ = capacity;
    }
    char* const dest = buffer_.get() + buffer_size_;
    size_t got = 0;
    while (got < want) {
      const ssize_t r =
          pread(fd_, dest + got, want - got, static_cast<off_t>(at + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        status_ = r < 0 ? ErrnoError("reading", path_)
                        : absl::DataLossError(absl::StrCat(
                              "bulk-load run ", path_, " is truncated"));
        return false;
      }
      got += static_cast<size_t>(r);
    }
    checksum_ = ExtendChecksum(checksum_, std::string_view(dest, want));
    buffer_size_ += want;
  }
  return true;
}

void SortedRunReader::Next() {
  valid_ = false;
  if (!status_.ok()) return;
  if (offset_ == data_size_) {
    if (checksum_ != expected_checksum_) {
      Fail("is damaged (its checksum differs)");
    } else if (read_entries_ != expected_entries_) {
      Fail(absl::StrCat("holds ", read_entries_, " entries, its trailer says ",
                        expected_entries_));
    }
    return;
  }
  if (!Fill(std::min(kMaxHeaderBytes, data_size_ - offset_))) {
    if (status_.ok()) Fail("ends inside an entry");
    return;
  }
  const std::string_view header(buffer_.get() + (offset_ - buffer_offset_),
                                buffer_offset_ + buffer_size_ - offset_);
  size_t pos = 0;
  uint32_t shared = 0, suffix_size = 0, value_size = 0;
  if (!ReadVarint32(header, &pos, &shared) ||
      !ReadVarint32(header, &pos, &suffix_size) ||
      !ReadVarint32(header, &pos, &value_size)) {
    Fail("ends inside an entry");
    return;
  }
  if (shared > key_.size()) {
    Fail("shares more of a key than the key before it has");
    return;
  }
  const size_t entry = pos + size_t{suffix_size} + value_size;
  if (!Fill(entry)) {
    if (status_.ok()) Fail("ends inside an entry");
    return;
  }
  const char* p = buffer_.get() + (offset_ - buffer_offset_) + pos;
  key_buffer_.resize(shared);  // key_ viewed it: the previous key's prefix
  key_buffer_.append(p, suffix_size);
  key_ = key_buffer_;
  value_ = std::string_view(p + suffix_size, value_size);
  offset_ += entry;
  ++read_entries_;
  valid_ = true;
}

}  // namespace sessiondb
