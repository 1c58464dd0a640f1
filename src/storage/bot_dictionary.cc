#include "storage/bot_dictionary.h"

#include <algorithm>

namespace sessiondb {

std::optional<uint32_t> BotDictionary::Find(std::string_view bot_id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = by_id_.find(std::string(bot_id));
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<uint32_t, std::string>> BotDictionary::All() const {
  absl::ReaderMutexLock lock(&mu_);
  return by_number_;
}

std::optional<std::string> BotDictionary::IdOf(uint32_t bot_no) const {
  absl::ReaderMutexLock lock(&mu_);
  auto pos = std::lower_bound(by_number_.begin(), by_number_.end(), bot_no,
                              [](const std::pair<uint32_t, std::string>& e,
                                 uint32_t n) { return e.first < n; });
  if (pos == by_number_.end() || pos->first != bot_no) return std::nullopt;
  return pos->second;
}

uint32_t BotDictionary::NextNumber() const {
  absl::ReaderMutexLock lock(&mu_);
  return by_number_.empty() ? 1 : by_number_.back().first + 1;
}

void BotDictionary::Insert(std::string bot_id, uint32_t bot_no) {
  absl::MutexLock lock(&mu_);
  if (!by_id_.emplace(bot_id, bot_no).second) return;
  auto pos = std::lower_bound(by_number_.begin(), by_number_.end(), bot_no,
                              [](const std::pair<uint32_t, std::string>& e,
                                 uint32_t n) { return e.first < n; });
  by_number_.insert(pos, {bot_no, std::move(bot_id)});
}

std::string BotDictionary::StorageKey(std::string_view bot_id) {
  std::string key(kStoragePrefix);
  key.append(bot_id);
  return key;
}

}  // namespace sessiondb
