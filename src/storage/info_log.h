// The logger RocksDB writes its diagnostics (the store's LOG file) through.
#ifndef SESSIONDB_STORAGE_INFO_LOG_H_
#define SESSIONDB_STORAGE_INFO_LOG_H_

#include <memory>
#include <string_view>

#include "rocksdb/env.h"

namespace sessiondb {

// NewInfoLog returns a logger that appends to `<dir>/LOG` with stdio, at
// INFO level and above; a LOG over 16 MiB at open is first renamed LOG.old.
// A line that cannot be written (a full disk) is dropped and the next one is
// tried again. RocksDB's own logger cannot be used: in RocksDB 7.8 the write
// after a failed one trips an assertion, and Debian's librocksdb is built
// with assertions, so a full disk would abort the embedding process
// (docs/RELIABILITY.md). Thread-safe.
std::shared_ptr<rocksdb::Logger> NewInfoLog(std::string_view dir);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_INFO_LOG_H_
