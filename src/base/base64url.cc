#include "base/base64url.h"

#include "absl/strings/escaping.h"
#include "base/absl_compat.h"

namespace sessiondb {
namespace {

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  absl::WebSafeBase64Escape(AsAbsl(bytes), &out);
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string* bytes) {
  // Abseil also accepts padding and the standard alphabet; neither is ours,
  // so the alphabet is checked here first.
  for (char c : text) {
    if (!IsBase64UrlChar(c)) return false;
  }
  if (text.size() % 4 == 1) return false;
  return absl::WebSafeBase64Unescape(AsAbsl(text), bytes);
}

}  // namespace sessiondb
