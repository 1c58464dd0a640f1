// SESSIONDB_EXPORT marks the symbols of the public API. The library is built
// with hidden visibility; only what carries this macro is linkable.
#ifndef SESSIONDB_EXPORT_H_
#define SESSIONDB_EXPORT_H_

#if defined(SESSIONDB_SHARED_LIBRARY)
#if defined(SESSIONDB_COMPILE_LIBRARY)
#define SESSIONDB_EXPORT __attribute__((visibility("default")))
#else
#define SESSIONDB_EXPORT
#endif
#else
#define SESSIONDB_EXPORT
#endif

#endif  // SESSIONDB_EXPORT_H_
