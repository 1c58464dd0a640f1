// The memory allocator of the block cache: blocks in a reserved region that
// is faulted in 2 MiB at a time and reused after eviction.
#ifndef SESSIONDB_STORAGE_BLOCK_ALLOCATOR_H_
#define SESSIONDB_STORAGE_BLOCK_ALLOCATOR_H_

#include <cstddef>
#include <memory>

#include "rocksdb/memory_allocator.h"

namespace sessiondb {

// NewBlockAllocator returns the allocator the block cache of `capacity`
// bytes puts its blocks in. Why: a fresh process fills its cache from fresh
// heap, one 4 KiB page fault per page of decompressed block, and on this
// project's (virtualized) machines those faults were a fifth of a cold
// pass's CPU (docs/PERFORMANCE.md, "Cold start"). This allocator reserves
// `capacity` bytes of address space, asks for transparent huge pages on it
// (madvise, scoped to the region; nothing process-wide changes) and
// populates it 2 MiB at a time as blocks are carved from it, so the region
// is faulted in with one call per 2 MiB. Freed blocks go to a free list of
// their size class and are reused; the region is never returned to the OS
// before the allocator is destroyed, so it never holds more than `capacity`
// bytes. Allocations that do not fit (the region is used up, or a block
// larger than the largest class) come from malloc. Thread-safe.
std::shared_ptr<rocksdb::MemoryAllocator> NewBlockAllocator(size_t capacity);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_BLOCK_ALLOCATOR_H_
