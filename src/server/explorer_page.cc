#include "server/explorer_page.h"

#include <map>
#include <string>
#include <string_view>

namespace sessiondb {

const ExplorerFile* FindExplorerFile(std::string_view path) {
  for (const ExplorerFile& file : ExplorerFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

HttpAnswer ExplorerAnswer(
    const ExplorerFile& file,
    const std::multimap<std::string, std::string>& params) {
  HttpAnswer answer{200, std::string(file.body), file.content_type, {}};
  bool current_version = false;
  if (file.path != "/") {
    auto [begin, end] = params.equal_range("v");
    current_version = begin != end && std::next(begin) == end &&
                      begin->second == file.version;
  }
  answer.headers = {
      {"Cache-Control",
       current_version ? "public, max-age=31536000, immutable" : "no-cache"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
  if (file.path == "/") {
    // The policy matters for the document; X-Frame-Options is for browsers
    // that do not know frame-ancestors.
    answer.headers.push_back(
        {"Content-Security-Policy", kExplorerContentSecurityPolicy});
    answer.headers.push_back({"X-Frame-Options", "DENY"});
  }
  return answer;
}

}  // namespace sessiondb
