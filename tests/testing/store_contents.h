// Structural verification of a closed store: every column family read raw
// and compared with what a model of the live sessions says it must hold (no
// stale entry, none missing, counters equal a recount).
//
//   store.reset();  // close it first: the store is opened read-only here
//   ExpectStoreHolds(dir.path(), model);
#ifndef SESSIONDB_TESTS_TESTING_STORE_CONTENTS_H_
#define SESSIONDB_TESTS_TESTING_STORE_CONTENTS_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "sessiondb/options.h"
#include "sessiondb/session.h"
#include "storage/column_families.h"
#include "storage/counters.h"
#include "storage/key_codec.h"

namespace sessiondb::testing {

using KeyValues = std::map<std::string, std::string>;

// ReadAllColumnFamilies opens the closed store read-only and returns every
// column family's contents.
inline std::map<std::string, KeyValues> ReadAllColumnFamilies(
    const std::string& path) {
  Options options;
  auto descriptors = BuildCfDescriptors(options, rocksdb::NewLRUCache(8 << 20));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path,
                                                   descriptors, &handles, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::map<std::string, KeyValues> out;
  if (!s.ok()) return out;
  for (size_t i = 0; i < handles.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    KeyValues& kv = out[descriptors[i].name];
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      kv[it->key().ToString()] = it->value().ToString();
    }
    db->DestroyColumnFamilyHandle(handles[i]).PermitUncheckedError();
  }
  delete db;
  return out;
}

inline std::set<std::string> Keys(const KeyValues& kv) {
  std::set<std::string> keys;
  for (const auto& [k, v] : kv) keys.insert(k);
  return keys;
}

// Counter values with every all-zero entry dropped (a moved session leaves
// zero counts behind, which are equal to absent ones).
inline std::map<std::string, CellCounts> NonZeroCounts(const KeyValues& kv) {
  std::map<std::string, CellCounts> out;
  for (const auto& [k, v] : kv) {
    CellCounts c = DecodeCellCounts(v);
    bool zero = true;
    for (int64_t n : c) zero = zero && n == 0;
    if (!zero) out[k] = c;
  }
  return out;
}

inline uint8_t Cell(const Session& s) {
  return static_cast<uint8_t>(static_cast<int>(s.containment_type) * 2 +
                              static_cast<int>(s.session_type));
}

// IndexPayloadOf restates the by_user / by_tag value of a session
// (src/storage/index_payload.h): its cell, then every tag (kind, varint
// sizes) in order while they take at most 128 bytes; past that the cell alone
// with bit 0x80 set.
inline std::string IndexPayloadOf(const Session& s) {
  std::string tags;
  auto varint = [&](size_t n) {
    for (; n >= 0x80; n >>= 7) tags.push_back(static_cast<char>(n | 0x80));
    tags.push_back(static_cast<char>(n));
  };
  auto append = [&](const std::vector<Tag>& list, char kind) {
    for (const Tag& t : list) {
      tags.push_back(kind);
      varint(t.name.size());
      tags += t.name;
      varint(t.value.size());
      tags += t.value;
    }
  };
  append(s.user_tags, 1);
  append(s.session_tags, 2);
  if (tags.size() > 128)
    return std::string(1, static_cast<char>(Cell(s) | 0x80));
  return std::string(1, static_cast<char>(Cell(s))) + tags;
}

// ExpectStoreHolds checks every column family against `model`.
inline void ExpectStoreHolds(const std::string& path,
                             const std::map<std::string, Session>& model) {
  std::map<std::string, KeyValues> cfs = ReadAllColumnFamilies(path);
  std::map<std::string, uint32_t> bot_numbers;
  for (const auto& [k, v] : cfs["default"]) {
    if (k.rfind("bot/", 0) == 0)
      bot_numbers[k.substr(4)] = DecodeBigEndian32(v.data());
  }
  std::set<std::string> sessions, by_cell, session_ids;
  KeyValues by_user, by_tag;
  std::map<std::string, CellCounts> counts;
  std::map<std::string, int64_t> users;
  for (const auto& [id, s] : model) {
    ASSERT_TRUE(bot_numbers.count(s.bot_id)) << s.bot_id;
    const uint32_t bot = bot_numbers[s.bot_id];
    std::string order;
    AppendOrder(s.start_time_ms, s.session_id, &order);
    const std::string primary = SessionKey(bot, s.start_time_ms, s.session_id);
    sessions.insert(primary);
    session_ids.insert(s.session_id);
    EXPECT_EQ(cfs["session_ids"][s.session_id], primary)
        << "sessionId map of " << id;
    by_cell.insert(CellIndexPrefix(bot, Cell(s)) + order);
    const std::string payload = IndexPayloadOf(s);
    by_user[UserIndexPrefix(bot, s.user_id) + order] = payload;
    for (const Tag& t : s.user_tags) {
      by_tag[TagIndexPrefix(bot, kTagKindUser, t.name, t.value) + order] =
          payload;
    }
    for (const Tag& t : s.session_tags) {
      by_tag[TagIndexPrefix(bot, kTagKindSession, t.name, t.value) + order] =
          payload;
    }
    for (int level = 0; level < kCounterLevels; ++level) {
      counts[CounterKey(bot, level, s.start_time_ms)][Cell(s)] += 1;
    }
    counts[BotTotalCounterKey(bot)][Cell(s)] += 1;
    // User and tag scopes keep hour and day buckets; a tag repeated within
    // one kind counts once.
    std::set<std::string> scopes = {UserCounterScope(bot, s.user_id)};
    std::set<std::tuple<uint8_t, std::string, std::string>> distinct;
    for (const Tag& t : s.user_tags)
      distinct.emplace(kTagKindUser, t.name, t.value);
    for (const Tag& t : s.session_tags)
      distinct.emplace(kTagKindSession, t.name, t.value);
    for (const auto& [kind, name, value] : distinct)
      scopes.insert(TagCounterScope(bot, kind, name, value));
    // Pairs of distinct tags, unless there are more than kMaxPairedTags.
    if (distinct.size() > static_cast<size_t>(kMaxPairedTags)) {
      scopes.insert(ManyTagsCounterScope(bot));
    } else {
      for (auto a = distinct.begin(); a != distinct.end(); ++a) {
        for (auto b = std::next(a); b != distinct.end(); ++b) {
          scopes.insert(TagPairCounterScope(
              bot, {std::get<0>(*a), std::get<1>(*a), std::get<2>(*a)},
              {std::get<0>(*b), std::get<1>(*b), std::get<2>(*b)}));
        }
      }
    }
    for (const std::string& scope : scopes) {
      for (int level : {kHourLevel, kDayLevel})
        counts[CounterKey(scope, level, s.start_time_ms)][Cell(s)] += 1;
    }
    users[s.user_id] += 1;
  }
  EXPECT_EQ(Keys(cfs["sessions"]), sessions);
  EXPECT_EQ(Keys(cfs["session_ids"]), session_ids);
  EXPECT_EQ(Keys(cfs["by_cell"]), by_cell);
  // by_cell values are copies of the records.
  for (const auto& [key, value] : cfs["by_cell"]) {
    const std::string primary =
        key.substr(0, kBotBytes) + key.substr(kBotBytes + 1);
    EXPECT_EQ(value, cfs["sessions"][primary]) << DebugKey(key);
  }
  // by_user and by_tag values are the sessions' payloads.
  EXPECT_EQ(cfs["by_user"], by_user);
  EXPECT_EQ(cfs["by_tag"], by_tag);
  EXPECT_EQ(NonZeroCounts(cfs["counts"]), counts);
  std::map<std::string, int64_t> actual_users;
  for (const auto& [k, v] : cfs["users"]) {
    int64_t n = 0;
    std::memcpy(&n, v.data(), std::min<size_t>(8, v.size()));
    if (n != 0) actual_users[k] = n;
  }
  EXPECT_EQ(actual_users, users);
}

}  // namespace sessiondb::testing

#endif  // SESSIONDB_TESTS_TESTING_STORE_CONTENTS_H_
