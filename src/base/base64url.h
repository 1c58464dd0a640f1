// base64url (RFC 4648 §5) without padding: the text form of JWS segments
// (server/jwt.h) and of getSessions cursors (query/page_cursor.h), safe in
// URLs and JSON strings as is.
#ifndef SESSIONDB_BASE_BASE64URL_H_
#define SESSIONDB_BASE_BASE64URL_H_

#include <string>
#include <string_view>

namespace sessiondb {

// Base64UrlEncode writes RFC 4648 §5 base64url without padding.
std::string Base64UrlEncode(std::string_view bytes);

// Base64UrlDecode accepts exactly that alphabet, without padding; false on
// any other byte or an impossible length.
bool Base64UrlDecode(std::string_view text, std::string* bytes);

}  // namespace sessiondb

#endif  // SESSIONDB_BASE_BASE64URL_H_
