// The sessions explorer page (SPEC §8) as the endpoint serves it: which path
// is which embedded file, and the headers that keep the page to itself —
// a Content-Security-Policy that allows only this origin's script, style
// and API, no framing, no sniffing, no referrer — and its caching.
#ifndef SESSIONDB_SERVER_EXPLORER_PAGE_H_
#define SESSIONDB_SERVER_EXPLORER_PAGE_H_

#include <map>
#include <string>
#include <string_view>

#include "server/explorer_files.h"
#include "server/http_answer.h"

namespace sessiondb {

// kExplorerContentSecurityPolicy: nothing but this origin's own files and
// API. No inline script or style (the page has none), no plugins, no
// <base>, no form posts, no framing by another page.
inline constexpr std::string_view kExplorerContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// FindExplorerFile returns the embedded file served at `path` (exact match:
// "/", "/explorer.css", "/explorer.js"), or nullptr.
const ExplorerFile* FindExplorerFile(std::string_view path);

// ExplorerAnswer answers a GET or HEAD of `file`. The page itself is
// `Cache-Control: no-cache` (a new binary's page shows at the next load); an
// asset asked for with its current version (`?v=<version>`, as the page names
// it) may be cached for a year, any other request of it is revalidated.
// `params` are the request's decoded query parameters.
HttpAnswer ExplorerAnswer(
    const ExplorerFile& file,
    const std::multimap<std::string, std::string>& params);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_EXPLORER_PAGE_H_
