#include "storage/consistency_check.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "rocksdb/comparator.h"
#include "storage/bot_dictionary.h"
#include "storage/change_log.h"
#include "storage/counters.h"
#include "storage/index_entries.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/record_fields.h"
#include "storage/rocksdb_status.h"

namespace sessiondb {
namespace {

using ::sessiondb::View;  // record_fields.h

std::string_view View(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

std::string CountsText(const CellCounts& counts) {
  return absl::StrCat("[", absl::StrJoin(counts, ","), "]");
}

bool AllZero(const CellCounts& counts) {
  return std::all_of(counts.begin(), counts.end(),
                     [](int64_t c) { return c == 0; });
}

// Findings counts every inconsistency and keeps the first `max` of them.
class Findings {
 public:
  explicit Findings(int max) : max_(std::max(0, max)) {}

  void Add(Cf cf, std::string_view key, std::string problem) {
    ++count_;
    if (static_cast<int>(list_.size()) >= max_) return;
    list_.push_back(
        Inconsistency{CfName(cf), DebugKey(key), std::move(problem)});
  }

  int64_t count() const { return count_; }
  std::vector<Inconsistency> TakeList() { return std::move(list_); }

 private:
  const int max_;
  int64_t count_ = 0;
  std::vector<Inconsistency> list_;
};

// ExpectedEntry is one index entry the records say must exist; `owner`
// indexes the primary keys of the owning records. Values are kept as a
// fingerprint (a by_cell value is a whole record copy) and derived again
// from the owner when a repair writes one.
struct ExpectedEntry {
  std::string key;
  uint64_t value_hash;
  uint32_t owner;
};

uint64_t ValueHash(std::string_view value) {
  return absl::Hash<absl::string_view>()(
      absl::string_view(value.data(), value.size()));
}

// Pass is one check of the whole store at one view; with a RepairWriter it
// also stages the fix of each thing it finds (it never writes itself).
class Pass {
 public:
  Pass(const StorageEngine& engine, const ReadView& view,
       const CheckOptions& options, RepairWriter* repair)
      : engine_(engine), findings_(options.max_reported), repair_(repair) {
    read_options_.snapshot = view.snapshot();
    // Full scans must not be cut short by a prefix extractor.
    read_options_.total_order_seek = true;
    read_options_.fill_cache = false;
  }

  absl::Status Run(CheckReport* report) {
    DiscoverIndexCfs();
    SESSIONDB_RETURN_IF_ERROR(CheckFormatVersion());
    SESSIONDB_RETURN_IF_ERROR(CheckChangeLog());
    SESSIONDB_RETURN_IF_ERROR(CheckBotDictionary());
    SESSIONDB_RETURN_IF_ERROR(FindOwners());
    SESSIONDB_RETURN_IF_ERROR(DeriveFromRecords());
    for (int cf : index_cfs_) {
      SESSIONDB_RETURN_IF_ERROR(CompareIndex(static_cast<Cf>(cf)));
    }
    if (!IsIndexCf(Cf::kSessionIds)) {
      SESSIONDB_RETURN_IF_ERROR(CompareSessionIdMap());
    }
    if (!IsIndexCf(Cf::kCounts)) SESSIONDB_RETURN_IF_ERROR(CompareCounters());
    if (!IsIndexCf(Cf::kUsers)) SESSIONDB_RETURN_IF_ERROR(CompareUserCounts());
    if (!IsIndexCf(Cf::kAliases)) SESSIONDB_RETURN_IF_ERROR(CheckAliases());

    report->records = records_;
    report->index_entries = index_entries_;
    report->counters = static_cast<int64_t>(expected_counts_size_);
    report->users = static_cast<int64_t>(expected_users_size_);
    report->bots = static_cast<int64_t>(bots_by_id_.size());
    for (int i = 0; i < kNumCfs; ++i) {
      const Cf cf = static_cast<Cf>(i);
      const bool known = cf == Cf::kDefault || cf == Cf::kSessions ||
                         cf == Cf::kSessionIds || cf == Cf::kCounts ||
                         cf == Cf::kUsers || cf == Cf::kAliases ||
                         IsIndexCf(cf);
      if (!known) report->unverified_column_families.push_back(CfName(cf));
    }
    return absl::OkStatus();
  }

  int64_t finding_count() const { return findings_.count(); }
  std::vector<Inconsistency> TakeFindings() { return findings_.TakeList(); }
  std::vector<std::string> TakeDropped() { return std::move(dropped_); }

 private:
  bool IsIndexCf(Cf cf) const {
    return index_cfs_.count(static_cast<int>(cf)) > 0;
  }

  std::unique_ptr<rocksdb::Iterator> Scan(Cf cf) {
    return engine_.NewIterator(read_options_, cf);
  }

  static absl::Status ScanStatus(const rocksdb::Iterator& it, Cf cf) {
    return FromRocksStatus(it.status(),
                           absl::StrCat("scanning column family ", CfName(cf)));
  }

  // DiscoverIndexCfs asks ForEachIndexKey, for a record carrying every kind
  // of field, which column families hold index entries; DeriveFromRecords
  // adds any other it ever writes to.
  void DiscoverIndexCfs() {
    Session probe;
    probe.session_id = "probe";
    probe.bot_id = "probe";
    probe.channel = "rtm";
    probe.user_id = "u-probe";
    probe.start_time_ms = 0;
    probe.user_tags = {{"n", "v"}};
    probe.session_tags = {{"n", "v"}};
    const std::string bytes = EncodeRecordToString(probe);
    ForEachIndexKey(1, *fb::GetSession(bytes.data()),
                    [&](Cf cf, const std::string&) {
                      index_cfs_.insert(static_cast<int>(cf));
                    });
  }

  absl::Status CheckFormatVersion() {
    std::string version;
    rocksdb::Status s =
        engine_.Get(read_options_, Cf::kDefault, kFormatVersionKey, &version);
    if (s.IsNotFound()) {
      findings_.Add(Cf::kDefault, kFormatVersionKey,
                    "the format version is missing");
      return absl::OkStatus();
    }
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading the format version"));
    if (version != std::to_string(kFormatVersion)) {
      findings_.Add(Cf::kDefault, kFormatVersionKey,
                    absl::StrCat("format version \"", DebugKey(version),
                                 "\", this code writes ", kFormatVersion));
    }
    return absl::OkStatus();
  }

  // CheckChangeLog: the sequence and the trimmed mark are numbers, the mark
  // is not past the sequence, and every entry decodes and is numbered in
  // (mark, sequence]. A repair changes none of it (the log is history).
  absl::Status CheckChangeLog() {
    const std::string seq_key(kChangeSeqKey);
    absl::StatusOr<ChangeLogState> state =
        ReadChangeLogState(engine_, read_options_.snapshot);
    if (!state.ok()) {
      if (!absl::IsDataLoss(state.status())) return state.status();
      findings_.Add(Cf::kDefault, seq_key,
                    std::string(state.status().message()));
      return absl::OkStatus();
    }
    if (state->trimmed_through > state->sequence) {
      findings_.Add(
          Cf::kDefault, std::string(kChangeLogTrimmedKey),
          absl::StrCat("trimmed through ", state->trimmed_through,
                       ", past the change sequence ", state->sequence));
    }
    std::unique_ptr<rocksdb::Iterator> it = Scan(Cf::kDefault);
    const std::string prefix(kChangeLogPrefix);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      const std::string key = it->key().ToString();
      absl::StatusOr<ChangeEntry> entry =
          DecodeChangeEntry(key, it->value().ToStringView());
      if (!entry.ok()) {
        findings_.Add(Cf::kDefault, key, std::string(entry.status().message()));
        continue;
      }
      if (entry->number <= state->trimmed_through ||
          entry->number > state->sequence) {
        findings_.Add(
            Cf::kDefault, key,
            absl::StrCat("change ", entry->number, " is outside (",
                         state->trimmed_through, ", ", state->sequence, "]"));
      }
    }
    return ScanStatus(*it, Cf::kDefault);
  }

  absl::Status CheckBotDictionary() {
    const std::string prefix(BotDictionary::kStoragePrefix);
    std::unique_ptr<rocksdb::Iterator> it = Scan(Cf::kDefault);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      const std::string key = it->key().ToString();
      const std::string bot_id = key.substr(prefix.size());
      if (it->value().size() != kBotBytes) {
        findings_.Add(Cf::kDefault, key,
                      absl::StrCat("bot number is ", it->value().size(),
                                   " bytes, not ", kBotBytes));
        continue;
      }
      const uint32_t no = DecodeBigEndian32(it->value().data());
      if (no == 0) {
        findings_.Add(Cf::kDefault, key, "bot number 0 is never assigned");
        continue;
      }
      auto [pos, fresh] = bots_by_no_.emplace(no, bot_id);
      if (!fresh) {
        findings_.Add(
            Cf::kDefault, key,
            absl::StrCat("bot number ", no, " is also assigned to botId \"",
                         DebugKey(pos->second), "\""));
        continue;
      }
      bots_by_id_[bot_id] = no;
      max_bot_no_ = std::max(max_bot_no_, no);
      std::optional<uint32_t> in_memory = engine_.bots().Find(bot_id);
      if (!in_memory.has_value()) {
        findings_.Add(Cf::kDefault, key,
                      "missing from the in-memory bot dictionary");
        if (repair_ != nullptr) repair_->RestoreBot(bot_id, no);
      } else if (*in_memory != no) {
        findings_.Add(
            Cf::kDefault, key,
            absl::StrCat("the in-memory bot dictionary says #", *in_memory,
                         ", the store #", no, " (reopen the store)"));
      }
    }
    return ScanStatus(*it, Cf::kDefault);
  }

  // BotNumber is the dictionary number of `bot_id`. A botId the dictionary
  // lacks gets, once, the number its first record is stored under (when no
  // other bot has it) or a fresh one; with repair, that entry is written.
  absl::StatusOr<uint32_t> BotNumber(const std::string& bot_id,
                                     std::string_view record_key) {
    if (auto it = bots_by_id_.find(bot_id); it != bots_by_id_.end()) {
      return it->second;
    }
    uint32_t no = record_key.size() >= kBotBytes
                      ? DecodeBigEndian32(record_key.data())
                      : 0;
    if (no == 0 || bots_by_no_.contains(no)) no = max_bot_no_ + 1;
    max_bot_no_ = std::max(max_bot_no_, no);
    bots_by_id_[bot_id] = no;
    bots_by_no_[no] = bot_id;
    const std::string dict_key = BotDictionary::StorageKey(bot_id);
    findings_.Add(Cf::kDefault, dict_key,
                  absl::StrCat("botId of the record at ", DebugKey(record_key),
                               " has no bot dictionary entry"));
    if (repair_ != nullptr) {
      std::string value;
      AppendBigEndian32(no, &value);
      SESSIONDB_RETURN_IF_ERROR(repair_->Put(Cf::kDefault, dict_key, value));
      repair_->RestoreBot(bot_id, no);
    }
    return no;
  }

  // FindOwners reads every record once: unreadable ones are reported (and
  // dropped by a repair); a sessionId stored more than once is owned by the
  // copy the sessionId map names, else by the first in key order.
  absl::Status FindOwners() {
    absl::flat_hash_map<std::string, std::string> first_key;
    absl::flat_hash_map<std::string, std::vector<std::string>> repeated;
    std::unique_ptr<rocksdb::Iterator> it = Scan(Cf::kSessions);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++records_;
      const std::string key = it->key().ToString();
      absl::StatusOr<const fb::Session*> record =
          VerifyRecord(View(it->value()), DebugKey(key));
      if (!record.ok()) {
        findings_.Add(Cf::kSessions, key,
                      std::string(record.status().message()));
        unreadable_.insert(key);
        SESSIONDB_RETURN_IF_ERROR(Drop(key));
        continue;
      }
      std::string session_id((*record)->session_id()->str());
      auto [pos, fresh] = first_key.emplace(session_id, key);
      if (!fresh) {
        std::vector<std::string>& keys = repeated[session_id];
        if (keys.empty()) keys.push_back(pos->second);
        keys.push_back(key);
      }
    }
    SESSIONDB_RETURN_IF_ERROR(ScanStatus(*it, Cf::kSessions));

    for (const auto& [session_id, keys] : repeated) {
      std::string mapped;
      rocksdb::Status s =
          engine_.Get(read_options_, Cf::kSessionIds, session_id, &mapped);
      if (!s.ok() && !s.IsNotFound()) {
        return FromRocksStatus(s, "reading the sessionId map");
      }
      std::string owner = keys.front();
      if (s.ok() && std::find(keys.begin(), keys.end(), mapped) != keys.end()) {
        owner = mapped;
      }
      for (const std::string& key : keys) {
        if (key != owner) not_owner_.emplace(key, owner);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Drop(const std::string& key) {
    if (repair_ == nullptr) return absl::OkStatus();
    dropped_.push_back(DebugKey(key));
    return repair_->Delete(Cf::kSessions, key);
  }

  // DeriveFromRecords computes, from every owning record, the key it belongs
  // at and all the data derived from it.
  absl::Status DeriveFromRecords() {
    absl::flat_hash_map<std::string, CellCounts> counts;
    absl::flat_hash_map<std::string, int64_t> users;
    // Records moved to their right key, written after every delete of this
    // pass so that no delete can remove a moved record.
    std::vector<std::pair<std::string, std::string>> moves;

    std::unique_ptr<rocksdb::Iterator> it = Scan(Cf::kSessions);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string key = it->key().ToString();
      if (unreadable_.contains(key)) continue;
      absl::StatusOr<const fb::Session*> verified =
          VerifyRecord(View(it->value()), DebugKey(key));
      if (!verified.ok()) return verified.status();  // changed under a snapshot
      const fb::Session& record = **verified;
      const std::string_view session_id = View(record.session_id());
      if (auto dup = not_owner_.find(key); dup != not_owner_.end()) {
        findings_.Add(
            Cf::kSessions, key,
            absl::StrCat("sessionId \"", DebugKey(session_id),
                         "\" is stored again at ", DebugKey(dup->second),
                         ", the copy the sessionId map names"));
        SESSIONDB_RETURN_IF_ERROR(Drop(key));
        continue;
      }

      SESSIONDB_ASSIGN_OR_RETURN(
          const uint32_t bot_no,
          BotNumber(std::string(View(record.bot_id())), key));
      std::string primary_key =
          SessionKey(bot_no, record.start_time_ms(), session_id);
      if (primary_key != key) {
        findings_.Add(
            Cf::kSessions, key,
            absl::StrCat("the record (sessionId \"", DebugKey(session_id),
                         "\", botId \"", DebugKey(View(record.bot_id())),
                         "\" = bot #", bot_no, ", start_time ",
                         record.start_time_ms(), ") belongs at key ",
                         DebugKey(primary_key)));
        if (repair_ != nullptr) {
          SESSIONDB_RETURN_IF_ERROR(repair_->Delete(Cf::kSessions, key));
          moves.emplace_back(primary_key, it->value().ToString());
        }
      }
      absl::Status valid = ValidateSession(DecodeRecord(record));
      if (!valid.ok()) {
        findings_.Add(
            Cf::kSessions, key,
            absl::StrCat("the record breaks a write rule: ", valid.message()));
      }

      const uint32_t owner = static_cast<uint32_t>(owner_keys_.size());
      ForEachIndexEntry(
          bot_no, record, View(it->value()),
          [&](Cf cf, const std::string& entry_key, const std::string& value) {
            index_cfs_.insert(static_cast<int>(cf));
            expected_[static_cast<int>(cf)].push_back(
                ExpectedEntry{entry_key, ValueHash(value), owner});
            ++index_entries_;
          });
      if (primary_key != key) stored_at_.emplace(owner, key);
      const uint8_t cell = RecordCell(record);
      ForEachCounterKey(bot_no, record, [&](std::string_view key) {
        ++counts[std::string(key)][cell];
      });
      ++users[std::string(View(record.user_id()))];
      expected_session_ids_.emplace(std::string(session_id), primary_key);
      owner_keys_.push_back(std::move(primary_key));
    }
    SESSIONDB_RETURN_IF_ERROR(ScanStatus(*it, Cf::kSessions));
    for (const auto& [primary_key, bytes] : moves) {
      SESSIONDB_RETURN_IF_ERROR(
          repair_->Put(Cf::kSessions, primary_key, bytes));
    }
    expected_counts_ = std::move(counts);
    expected_users_ = std::move(users);
    expected_counts_size_ = expected_counts_.size();
    expected_users_size_ = expected_users_.size();
    return absl::OkStatus();
  }

  // DerivedValue reads the owner's record again (at the pass's snapshot,
  // where it was found) and returns the value it gives entry `e` of `cf`.
  absl::StatusOr<std::string> DerivedValue(Cf cf, const ExpectedEntry& e) {
    const std::string& primary_key = owner_keys_[e.owner];
    auto moved = stored_at_.find(e.owner);
    const std::string& stored_at =
        moved == stored_at_.end() ? primary_key : moved->second;
    std::string bytes;
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
        engine_.Get(read_options_, Cf::kSessions, stored_at, &bytes),
        "reading a record again"));
    SESSIONDB_ASSIGN_OR_RETURN(const fb::Session* record,
                               VerifyRecord(bytes, DebugKey(stored_at)));
    std::optional<std::string> value;
    ForEachIndexEntry(
        DecodeBigEndian32(primary_key.data()), *record, bytes,
        [&](Cf entry_cf, const std::string& key, const std::string& v) {
          if (entry_cf == cf && key == e.key) value = v;
        });
    if (!value.has_value()) {
      return absl::InternalError(
          absl::StrCat("the record at ", DebugKey(stored_at),
                       " no longer derives ", DebugKey(e.key)));
    }
    return *std::move(value);
  }

  // CompareIndex merges the sorted expected entries of `cf` with its actual
  // contents: entries no record owns, entries missing, values that differ.
  absl::Status CompareIndex(Cf cf) {
    std::vector<ExpectedEntry>& expected = expected_[static_cast<int>(cf)];
    const rocksdb::Comparator* cmp = engine_.comparator(cf);
    std::sort(expected.begin(), expected.end(),
              [cmp](const ExpectedEntry& a, const ExpectedEntry& b) {
                return cmp->Compare(a.key, b.key) < 0;
              });
    for (size_t i = 1; i < expected.size(); ++i) {
      if (cmp->Compare(expected[i - 1].key, expected[i].key) == 0) {
        findings_.Add(
            cf, expected[i].key,
            absl::StrCat("the records at ",
                         DebugKey(owner_keys_[expected[i - 1].owner]), " and ",
                         DebugKey(owner_keys_[expected[i].owner]),
                         " both own this entry"));
      }
    }
    auto missing = [&](const ExpectedEntry& e) -> absl::Status {
      findings_.Add(cf, e.key,
                    absl::StrCat("missing: the record at ",
                                 DebugKey(owner_keys_[e.owner]),
                                 " owns this index entry"));
      if (repair_ == nullptr) return absl::OkStatus();
      SESSIONDB_ASSIGN_OR_RETURN(std::string value, DerivedValue(cf, e));
      return repair_->Put(cf, e.key, value);
    };
    size_t i = 0;
    std::unique_ptr<rocksdb::Iterator> it = Scan(cf);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::Slice key = it->key();
      while (i < expected.size() && cmp->Compare(expected[i].key, key) < 0) {
        SESSIONDB_RETURN_IF_ERROR(missing(expected[i++]));
      }
      if (i < expected.size() && cmp->Compare(expected[i].key, key) == 0) {
        const ExpectedEntry& e = expected[i++];
        if (ValueHash(View(it->value())) != e.value_hash) {
          findings_.Add(
              cf, e.key,
              absl::StrCat("value (", it->value().size(),
                           " bytes) differs from the one derived from the "
                           "record at ",
                           DebugKey(owner_keys_[e.owner])));
          if (repair_ != nullptr) {
            SESSIONDB_ASSIGN_OR_RETURN(std::string value, DerivedValue(cf, e));
            SESSIONDB_RETURN_IF_ERROR(repair_->Put(cf, e.key, value));
          }
        }
        continue;
      }
      findings_.Add(cf, View(key), "stale: no record owns this index entry");
      if (repair_ != nullptr) {
        SESSIONDB_RETURN_IF_ERROR(repair_->Delete(cf, View(key)));
      }
    }
    SESSIONDB_RETURN_IF_ERROR(ScanStatus(*it, cf));
    while (i < expected.size())
      SESSIONDB_RETURN_IF_ERROR(missing(expected[i++]));
    expected.clear();
    expected.shrink_to_fit();
    return absl::OkStatus();
  }

  absl::Status CompareSessionIdMap() {
    std::unique_ptr<rocksdb::Iterator> it = Scan(Cf::kSessionIds);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string session_id = it->key().ToString();
      const std::string_view mapped = View(it->value());
      auto pos = expected_session_ids_.find(session_id);
      if (pos == expected_session_ids_.end()) {
        findings_.Add(Cf::kSessionIds, session_id,
                      absl::StrCat("maps to ", DebugKey(mapped),
                                   ", but no record has this sessionId"));
        if (repair_ != nullptr) {
          SESSIONDB_RETURN_IF_ERROR(
              repair_->Delete(Cf::kSessionIds, session_id));
        }
        continue;
      }
      if (mapped != pos->second) {
        findings_.Add(
            Cf::kSessionIds, session_id,
            absl::StrCat("maps to ", DebugKey(mapped),
                         ", but the record is at ", DebugKey(pos->second)));
        if (repair_ != nullptr) {
          SESSIONDB_RETURN_IF_ERROR(
              repair_->Put(Cf::kSessionIds, session_id, pos->second));
        }
      }
      expected_session_ids_.erase(pos);
    }
    SESSIONDB_RETURN_IF_ERROR(ScanStatus(*it, Cf::kSessionIds));
    for (const auto& [session_id, primary_key] : expected_session_ids_) {
      findings_.Add(Cf::kSessionIds, session_id,
                    absl::StrCat("missing: the record at ",
                                 DebugKey(primary_key), " has this sessionId"));
      if (repair_ != nullptr) {
        SESSIONDB_RETURN_IF_ERROR(
            repair_->Put(Cf::kSessionIds, session_id, primary_key));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CompareCounters() {
    std::unique_ptr<rocksdb::Iterator> it = Scan(Cf::kCounts);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string key = it->key().ToString();
      const CellCounts actual = DecodeCellCounts(View(it->value()));
      auto pos = expected_counts_.find(key);
      const CellCounts expected =
          pos == expected_counts_.end() ? CellCounts{} : pos->second;
      if (pos != expected_counts_.end()) expected_counts_.erase(pos);
      if (actual == expected) continue;
      findings_.Add(Cf::kCounts, key,
                    absl::StrCat("counts ", CountsText(actual),
                                 ", a recount of the records gives ",
                                 CountsText(expected)));
      if (repair_ == nullptr) continue;
      SESSIONDB_RETURN_IF_ERROR(
          AllZero(expected)
              ? repair_->Delete(Cf::kCounts, key)
              : repair_->Put(Cf::kCounts, key, EncodeCellCounts(expected)));
    }
    SESSIONDB_RETURN_IF_ERROR(ScanStatus(*it, Cf::kCounts));
    for (const auto& [key, expected] : expected_counts_) {
      findings_.Add(Cf::kCounts, key,
                    absl::StrCat("missing: a recount of the records gives ",
                                 CountsText(expected)));
      if (repair_ != nullptr) {
        SESSIONDB_RETURN_IF_ERROR(
            repair_->Put(Cf::kCounts, key, EncodeCellCounts(expected)));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CompareUserCounts() {
    std::unique_ptr<rocksdb::Iterator> it = Scan(Cf::kUsers);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string user_id = it->key().ToString();
      auto pos = expected_users_.find(user_id);
      const int64_t expected = pos == expected_users_.end() ? 0 : pos->second;
      if (pos != expected_users_.end()) expected_users_.erase(pos);
      int64_t actual = 0;
      std::string problem;
      if (it->value().size() != kCountBytes) {
        problem = absl::StrCat("malformed count (", it->value().size(),
                               " bytes, not ", kCountBytes,
                               "); a recount gives ", expected);
      } else {
        actual = DecodeCount(View(it->value()));
        if (actual == expected) continue;
        problem = absl::StrCat("session count ", actual,
                               ", a recount of the records gives ", expected);
      }
      findings_.Add(Cf::kUsers, user_id, std::move(problem));
      if (repair_ == nullptr) continue;
      SESSIONDB_RETURN_IF_ERROR(
          expected == 0
              ? repair_->Delete(Cf::kUsers, user_id)
              : repair_->Put(Cf::kUsers, user_id, EncodeCount(expected)));
    }
    SESSIONDB_RETURN_IF_ERROR(ScanStatus(*it, Cf::kUsers));
    for (const auto& [user_id, expected] : expected_users_) {
      findings_.Add(
          Cf::kUsers, user_id,
          absl::StrCat("missing: a recount of the records gives ", expected));
      if (repair_ != nullptr) {
        SESSIONDB_RETURN_IF_ERROR(
            repair_->Put(Cf::kUsers, user_id, EncodeCount(expected)));
      }
    }
    return absl::OkStatus();
  }

  // Aliases are not derived from the records (they are written by
  // LinkUserAliases), so they are checked for form only and never repaired.
  absl::Status CheckAliases() {
    std::unique_ptr<rocksdb::Iterator> it = Scan(Cf::kAliases);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view alias = View(it->key());
      if (AsciiLower(alias) != alias) {
        findings_.Add(Cf::kAliases, alias, "alias key is not ASCII-lowercase");
      }
      if (it->value().empty()) {
        findings_.Add(Cf::kAliases, alias, "alias maps to an empty userId");
      }
    }
    return ScanStatus(*it, Cf::kAliases);
  }

  const StorageEngine& engine_;
  rocksdb::ReadOptions read_options_;
  Findings findings_;
  RepairWriter* repair_;

  std::set<int> index_cfs_;
  absl::flat_hash_map<std::string, uint32_t> bots_by_id_;
  absl::flat_hash_map<uint32_t, std::string> bots_by_no_;
  uint32_t max_bot_no_ = 0;

  int64_t records_ = 0;
  int64_t index_entries_ = 0;
  absl::flat_hash_set<std::string> unreadable_;
  // Key of a record -> key of the owning copy of its sessionId.
  absl::flat_hash_map<std::string, std::string> not_owner_;
  std::vector<std::string> dropped_;

  std::vector<std::string> owner_keys_;
  // Owners whose record is stored at another key than its primary key (until
  // this pass's repair moves it): owner -> the key it was read at.
  absl::flat_hash_map<uint32_t, std::string> stored_at_;
  std::map<int, std::vector<ExpectedEntry>> expected_;
  absl::flat_hash_map<std::string, std::string> expected_session_ids_;
  absl::flat_hash_map<std::string, CellCounts> expected_counts_;
  absl::flat_hash_map<std::string, int64_t> expected_users_;
  size_t expected_counts_size_ = 0;
  size_t expected_users_size_ = 0;
};

}  // namespace

absl::StatusOr<CheckReport> FindInconsistencies(StorageEngine& engine,
                                                const CheckOptions& options) {
  CheckReport report;
  const ReadView view(engine, ReadView::BetweenWrites());
  Pass pass(engine, view, options, /*repair=*/nullptr);
  SESSIONDB_RETURN_IF_ERROR(pass.Run(&report));
  report.inconsistency_count = pass.finding_count();
  report.inconsistencies = pass.TakeFindings();
  return report;
}

absl::StatusOr<CheckReport> RepairInconsistencies(StorageEngine& engine,
                                                  const CheckOptions& options) {
  CheckReport report;
  SESSIONDB_ASSIGN_OR_RETURN(
      report.repair_writes,
      engine.Repair(options.repair_batch_ops,
                    [&](RepairWriter& writer) -> absl::Status {
                      // Writers are held out: this view is what the fixes
                      // apply to.
                      const ReadView view(engine);
                      Pass pass(engine, view, options, &writer);
                      SESSIONDB_RETURN_IF_ERROR(pass.Run(&report));
                      report.inconsistency_count = pass.finding_count();
                      report.inconsistencies = pass.TakeFindings();
                      report.dropped_records = pass.TakeDropped();
                      return absl::OkStatus();
                    }));
  report.repaired = report.inconsistency_count > 0;
  if (report.repaired) {
    SESSIONDB_ASSIGN_OR_RETURN(CheckReport after,
                               FindInconsistencies(engine, options));
    report.remaining_count = after.inconsistency_count;
    report.remaining = std::move(after.inconsistencies);
  }
  return report;
}

}  // namespace sessiondb
