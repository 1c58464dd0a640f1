#include "storage/change_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {
namespace {

// The entry's encoding version, its first byte.
constexpr uint8_t kEntryFormat = 1;
constexpr uint8_t kFlagEverything = 1;
constexpr uint8_t kSessionExisted = 1;
constexpr uint8_t kSessionExists = 2;
constexpr uint8_t kAliasExists = 1;

void AppendBytes(std::string_view s, std::string* out) {
  AppendBigEndian32(static_cast<uint32_t>(s.size()), out);
  out->append(s);
}

// Reader walks an encoded entry; every Read fails (returns false) past the
// end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Byte(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t* v) {
    if (in_.size() < 4) return false;
    *v = DecodeBigEndian32(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool U64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = DecodeBigEndian64(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  bool Bytes(std::string* v) {
    uint32_t n = 0;
    if (!U32(&n) || in_.size() < n) return false;
    v->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }
  size_t left() const { return in_.size(); }

 private:
  std::string_view in_;
};

std::string ShippedPath(std::string_view store_dir) {
  return absl::StrCat(AsAbsl(store_dir), "/", AsAbsl(kShippedFileName));
}

}  // namespace

std::string ChangeKey(uint64_t number) {
  std::string key(kChangeLogPrefix);
  AppendBigEndian64(number, &key);
  return key;
}

bool SetEncodedChangeTime(int64_t time_ms, std::string* encoded) {
  // An entry starts with its format byte, then time_ms (EncodeChangeEntry).
  std::string time;
  AppendBigEndian64(static_cast<uint64_t>(time_ms), &time);
  if (encoded->size() < 1 + time.size() ||
      static_cast<uint8_t>((*encoded)[0]) != kEntryFormat) {
    return false;
  }
  encoded->replace(1, time.size(), time);
  return true;
}

std::string EncodeChangeEntry(const ChangeEntry& entry) {
  std::string out;
  size_t reserve = 22;
  for (const SessionChange& s : entry.sessions)
    reserve += s.session_id.size() + 17;
  out.reserve(reserve);
  out.push_back(static_cast<char>(kEntryFormat));
  AppendBigEndian64(static_cast<uint64_t>(entry.time_ms), &out);
  out.push_back(static_cast<char>(entry.everything ? kFlagEverything : 0));
  AppendBigEndian32(static_cast<uint32_t>(entry.sessions.size()), &out);
  for (const SessionChange& s : entry.sessions) {
    AppendBytes(s.session_id, &out);
    out.push_back(static_cast<char>((s.previous ? kSessionExisted : 0) |
                                    (s.exists ? kSessionExists : 0)));
    if (s.previous) {
      AppendBigEndian32(s.previous->bot_no, &out);
      AppendBigEndian64(static_cast<uint64_t>(s.previous->start_ms), &out);
    }
  }
  AppendBigEndian32(static_cast<uint32_t>(entry.aliases.size()), &out);
  for (const AliasChange& a : entry.aliases) {
    AppendBytes(a.alias, &out);
    out.push_back(static_cast<char>(a.user_id ? kAliasExists : 0));
    if (a.user_id) AppendBytes(*a.user_id, &out);
  }
  return out;
}

absl::StatusOr<uint64_t> DecodeChangeNumber(std::string_view what,
                                            std::string_view value) {
  if (value.size() != 8) {
    return absl::DataLossError(
        absl::StrCat(AsAbsl(what), " is ", value.size(), " bytes, not 8"));
  }
  return DecodeBigEndian64(value.data());
}

absl::StatusOr<ChangeEntry> DecodeChangeEntry(std::string_view key,
                                              std::string_view value) {
  auto bad = [&](std::string_view why) {
    return absl::DataLossError(absl::StrCat(
        "change log entry ", AsAbsl(DebugKey(key)), ": ", AsAbsl(why)));
  };
  if (key.size() != kChangeLogPrefix.size() + 8 ||
      !key.starts_with(kChangeLogPrefix)) {
    return bad("malformed key");
  }
  ChangeEntry entry;
  entry.number = DecodeBigEndian64(key.data() + kChangeLogPrefix.size());
  Reader r(value);
  uint8_t format = 0, flags = 0;
  uint64_t time = 0;
  uint32_t n = 0;
  if (!r.Byte(&format)) return bad("empty");
  if (format != kEntryFormat) {
    return bad(absl::StrCat("unknown entry format ", format));
  }
  if (!r.U64(&time) || !r.Byte(&flags) || !r.U32(&n)) return bad("truncated");
  entry.time_ms = static_cast<int64_t>(time);
  entry.everything = (flags & kFlagEverything) != 0;
  // Each session takes at least 5 bytes: a count beyond that is damage.
  if (n > r.left() / 5) return bad("session count past the end");
  entry.sessions.resize(n);
  for (SessionChange& s : entry.sessions) {
    uint8_t state = 0;
    if (!r.Bytes(&s.session_id) || !r.Byte(&state)) return bad("truncated");
    s.exists = (state & kSessionExists) != 0;
    if (state & kSessionExisted) {
      SessionChange::Key k;
      uint64_t start = 0;
      if (!r.U32(&k.bot_no) || !r.U64(&start)) return bad("truncated");
      k.start_ms = static_cast<int64_t>(start);
      s.previous = k;
    }
  }
  if (!r.U32(&n)) return bad("truncated");
  if (n > r.left() / 5) return bad("alias count past the end");
  entry.aliases.resize(n);
  for (AliasChange& a : entry.aliases) {
    uint8_t state = 0;
    if (!r.Bytes(&a.alias) || !r.Byte(&state)) return bad("truncated");
    if (state & kAliasExists) {
      std::string user;
      if (!r.Bytes(&user)) return bad("truncated");
      a.user_id = std::move(user);
    }
  }
  if (!r.done()) return bad("trailing bytes");
  return entry;
}

absl::StatusOr<ChangeLogState> ReadChangeLogState(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ChangeLogState state;
  for (auto [key, out] :
       {std::pair{kChangeSeqKey, &state.sequence},
        std::pair{kChangeLogTrimmedKey, &state.trimmed_through}}) {
    std::string value;
    rocksdb::Status s = engine.Get(ro, Cf::kDefault, key, &value);
    if (s.IsNotFound()) continue;  // a store older than the change log
    SESSIONDB_RETURN_IF_ERROR(
        FromRocksStatus(s, absl::StrCat("reading ", AsAbsl(key))));
    SESSIONDB_ASSIGN_OR_RETURN(*out, DecodeChangeNumber(key, value));
  }
  return state;
}

ChangeLogIterator::ChangeLogIterator(const StorageEngine& engine,
                                     const rocksdb::Snapshot* snapshot,
                                     uint64_t after) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  it_ = engine.NewIterator(ro, Cf::kDefault);
  if (after == UINT64_MAX) {
    status_ = absl::OkStatus();
    return;
  }
  it_->Seek(ChangeKey(after + 1));
  Load();
}

void ChangeLogIterator::Next() {
  if (!valid_) return;
  it_->Next();
  Load();
}

void ChangeLogIterator::Load() {
  valid_ = false;
  if (!it_->Valid()) {
    status_ = FromRocksStatus(it_->status(), "reading the change log");
    return;
  }
  const std::string_view key = it_->key().ToStringView();
  if (!key.starts_with(kChangeLogPrefix)) return;  // past the log
  absl::StatusOr<ChangeEntry> entry =
      DecodeChangeEntry(key, it_->value().ToStringView());
  if (!entry.ok()) {
    status_ = entry.status();
    return;
  }
  entry_ = *std::move(entry);
  valid_ = true;
}

absl::StatusOr<std::optional<uint64_t>> ReadShippedMark(
    std::string_view store_dir) {
  const std::string path = ShippedPath(store_dir);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<uint64_t>();
    return absl::InternalError(
        absl::StrCat("reading ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  uint64_t number = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text.str()), &number)) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a change number: \"", text.str(), "\""));
  }
  return std::optional<uint64_t>(number);
}

absl::Status WriteShippedMark(std::string_view store_dir, uint64_t number) {
  const std::string path = ShippedPath(store_dir);
  const std::string tmp = path + ".tmp";
  const std::string text = absl::StrCat(number, "\n");
  auto fail = [&](std::string_view what) {
    return absl::InternalError(
        absl::StrCat(AsAbsl(what), " ", tmp, ": ", std::strerror(errno)));
  };
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("creating");
  const bool written = ::write(fd, text.data(), text.size()) ==
                           static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (!written) return fail("writing");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("renaming");
  return absl::OkStatus();
}

}  // namespace sessiondb
