// sessiondb compact: a full compaction of every column family (Store::Compact),
// so deleted and replaced sessions leave the files and the store is at its
// smallest. Prints the store's size before and after.
#include <chrono>
#include <iostream>

#include "absl/strings/str_format.h"
#include "command.h"

namespace sessiondb::tools {
namespace {

absl::StatusOr<int64_t> StoreBytes(Store& store) {
  absl::StatusOr<StoreStats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  return stats->approximate_disk_bytes;
}

int RunCompact(const StoreFlags& flags) {
  Options options;
  options.create_if_missing = false;  // compacting never creates a store
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options, flags.db);
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<int64_t> before = StoreBytes(**store);
  if (!before.ok()) return Fail(before.status());
  const auto start = std::chrono::steady_clock::now();
  if (absl::Status s = (*store)->Compact(); !s.ok()) return Fail(s);
  const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start;
  absl::StatusOr<int64_t> after = StoreBytes(**store);
  if (!after.ok()) return Fail(after.status());
  std::cout << absl::StrFormat(
      "before: %d bytes\nafter:  %d bytes\ntook:   %.2f s\n", *before, *after,
      took.count());
  return 0;
}

SESSIONDB_REGISTER_COMMAND(
    compact, Command{"compact",
                     "rewrite every column family fully: the store at its "
                     "smallest (after a load, purge or forget-user)",
                     [](CLI::App* app) {
                       auto flags = std::make_shared<StoreFlags>();
                       flags->AddTo(app, /*with_now=*/false);
                       return std::function<int()>(
                           [flags] { return RunCompact(*flags); });
                     }});

}  // namespace
}  // namespace sessiondb::tools
