// The sessions explorer's files (SPEC §8): web/explorer/, built into the
// binary by cmake/embed_files.cmake, so `serve` fetches nothing at run time
// and nothing from another host.
#ifndef SESSIONDB_SERVER_EXPLORER_FILES_H_
#define SESSIONDB_SERVER_EXPLORER_FILES_H_

#include <string_view>

#include "absl/types/span.h"

namespace sessiondb {

// ExplorerFile is one embedded file. Every view points into static storage.
struct ExplorerFile {
  std::string_view path;          // where it is served: "/", "/explorer.js"
  std::string_view content_type;  // from its extension
  std::string_view body;
  // The first 16 hex digits of the body's SHA-256. The page names its assets
  // as "/explorer.js?v=<version>" (cmake/embed_files.cmake fills it in).
  std::string_view version;
};

// ExplorerFiles returns every embedded file (defined in the generated
// explorer_files.cc). Thread-safe: constant data.
absl::Span<const ExplorerFile> ExplorerFiles();

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_EXPLORER_FILES_H_
