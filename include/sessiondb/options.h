// Options for opening a Store.
#ifndef SESSIONDB_OPTIONS_H_
#define SESSIONDB_OPTIONS_H_

#include <cstddef>
#include <functional>

#include "absl/time/time.h"

namespace sessiondb {

struct Options {
  // ---- Behaviour ----

  // Create the store if the directory holds none. Default: true.
  bool create_if_missing = true;

  // The clock that defines "now" for requests without dates (API.md §3).
  // Tests and the CLI's --now fix it. Called once per request; must be safe
  // to call from any thread. Default: absl::Now.
  std::function<absl::Time()> clock;

  // Sync the write-ahead log on every write. Without it an acknowledged write
  // survives a process crash (kill -9) but not a power loss or kernel crash;
  // with it, both, at the price of one fsync per write. Default: false.
  bool sync_writes = false;

  // ---- Performance ----

  // All the memory the store's data may take: one LRU block cache of this
  // size, which the memtables of every column family are charged to (they
  // may take up to half of it; the largest is flushed when they reach it).
  // More keeps more of a busy window's records in memory and absorbs
  // larger ingest bursts; less bounds the process. Each column family's
  // memtable is an eighth of the budget (at least 64 KiB, at most 64 MiB),
  // and the write-ahead log is kept under half of the budget, which bounds
  // what an open after a crash replays. Indexes, filters and iterators'
  // pinned blocks live in the cache too. Default: 256 MiB.
  size_t memory_budget_bytes = size_t{256} << 20;
};

}  // namespace sessiondb

#endif  // SESSIONDB_OPTIONS_H_
