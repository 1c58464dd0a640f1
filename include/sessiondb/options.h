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

  // The clock that defines "now" for requests without dates (SPEC §3).
  // Tests and the CLI's --now fix it. Called once per request; must be safe
  // to call from any thread. Default: absl::Now.
  std::function<absl::Time()> clock;

  // Sync the write-ahead log on every write. Without it an acknowledged write
  // survives a process crash (kill -9) but not a power loss or kernel crash;
  // with it, both, at the price of one fsync per write. Default: false.
  bool sync_writes = false;

  // ---- Performance ----

  // Size of the block cache shared by all column families. More cache keeps
  // more of a busy window's records in memory. Default: 256 MiB.
  size_t block_cache_bytes = size_t{256} << 20;

  // Memtable size per column family before a flush. Larger values absorb
  // ingest bursts at the cost of memory and recovery time. Default: 64 MiB.
  size_t write_buffer_bytes = size_t{64} << 20;
};

}  // namespace sessiondb

#endif  // SESSIONDB_OPTIONS_H_
