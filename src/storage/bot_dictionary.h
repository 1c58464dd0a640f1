// BotDictionary maps botIds to the 4-byte numbers that prefix every key of a
// bot (key_codec.h). Numbers are assigned on a bot's first write, in the same
// WriteBatch as its first session, and never reused.
#ifndef SESSIONDB_STORAGE_BOT_DICTIONARY_H_
#define SESSIONDB_STORAGE_BOT_DICTIONARY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace sessiondb {

// Thread-safe.
class BotDictionary {
 public:
  std::optional<uint32_t> Find(std::string_view bot_id) const;
  // All returns every (bot_no, botId), by bot_no.
  std::vector<std::pair<uint32_t, std::string>> All() const;
  // IdOf is the botId numbered `bot_no`; nullopt when none is.
  std::optional<std::string> IdOf(uint32_t bot_no) const;
  uint32_t NextNumber() const;
  // Insert records a committed assignment.
  void Insert(std::string bot_id, uint32_t bot_no);

  // The default-CF key that persists an assignment.
  static std::string StorageKey(std::string_view bot_id);
  static constexpr std::string_view kStoragePrefix = "bot/";

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint32_t> by_id_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint32_t, std::string>> by_number_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_BOT_DICTIONARY_H_
