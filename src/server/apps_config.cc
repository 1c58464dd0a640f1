#include "server/apps_config.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/absl_compat.h"

namespace sessiondb {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// EntryErrors prefixes every message with the entry it is about, so a
// malformed file names the entry and the field.
class EntryErrors {
 public:
  explicit EntryErrors(size_t index)
      : prefix_(absl::StrCat("apps[", index, "]")) {}
  void SetAppId(std::string_view app_id) {
    absl::StrAppend(&prefix_, " (appId \"", AsAbsl(app_id), "\")");
  }
  absl::Status Invalid(std::string_view field, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix_, ": ", AsAbsl(field), ": ", AsAbsl(what)));
  }

 private:
  std::string prefix_;
};

absl::Status ParseStringArray(
    element value, std::string_view field, const EntryErrors& errors,
    const std::function<absl::Status(size_t, std::string_view)>& each) {
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return errors.Invalid(field, "must be an array of strings");
  }
  size_t i = 0;
  for (element item : array) {
    std::string_view s;
    const std::string item_field = absl::StrCat(AsAbsl(field), "[", i, "]");
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      return errors.Invalid(item_field, "must be a string");
    }
    if (s.empty()) return errors.Invalid(item_field, "must not be empty");
    absl::Status status = each(i, s);
    if (!status.ok()) {
      return errors.Invalid(
          item_field,
          std::string_view(status.message().data(), status.message().size()));
    }
    ++i;
  }
  return absl::OkStatus();
}

absl::StatusOr<App> ParseApp(element entry, size_t index) {
  EntryErrors errors(index);
  object fields;
  if (entry.get_object().get(fields) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("apps[", index, "]: must be an object"));
  }
  App app;
  // appId first, so that every later message names the app.
  std::string_view app_id;
  element value;
  if (fields["appId"].get(value) != simdjson::SUCCESS) {
    return errors.Invalid("appId", "is required");
  }
  if (value.get_string().get(app_id) != simdjson::SUCCESS) {
    return errors.Invalid("appId", "must be a string");
  }
  if (app_id.empty()) return errors.Invalid("appId", "must not be empty");
  app.app_id = std::string(app_id);
  errors.SetAppId(app_id);

  bool has_secret = false;
  bool has_scopes = false;
  for (auto [key, field_value] : fields) {
    if (key == "appId") continue;
    if (key == "clientSecret") {
      std::string_view secret;
      if (field_value.get_string().get(secret) != simdjson::SUCCESS) {
        return errors.Invalid("clientSecret", "must be a string");
      }
      if (secret.size() < kMinClientSecretBytes) {
        return errors.Invalid(
            "clientSecret",
            absl::StrCat("must be at least ", kMinClientSecretBytes,
                         " bytes (RFC 7518 §3.2), got ", secret.size()));
      }
      app.client_secret = std::string(secret);
      has_secret = true;
    } else if (key == "scopes") {
      has_scopes = true;
      absl::Status s = ParseStringArray(
          field_value, "scopes", errors,
          [&app](size_t, std::string_view scope) -> absl::Status {
            if (scope == kScopeBotSessions) {
              app.bot_sessions = true;
            } else if (scope == kScopeAdminBotSessions) {
              app.admin_bot_sessions = true;
            } else if (scope == kScopeSessionsWrite) {
              app.sessions_write = true;
            } else {
              return absl::InvalidArgumentError(
                  absl::StrCat("unknown scope \"", AsAbsl(scope),
                               "\"; expected ", AsAbsl(kScopeBotSessions), ", ",
                               AsAbsl(kScopeAdminBotSessions), " or ",
                               AsAbsl(kScopeSessionsWrite)));
            }
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
    } else if (key == "bots") {
      absl::Status s = ParseStringArray(
          field_value, "bots", errors,
          [&app](size_t, std::string_view bot) -> absl::Status {
            app.bots.insert(std::string(bot));
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
    } else {
      return errors.Invalid(
          key, "unknown key; expected appId, clientSecret, scopes or bots");
    }
  }
  if (!has_secret) return errors.Invalid("clientSecret", "is required");
  if (!has_scopes) return errors.Invalid("scopes", "is required");
  return app;
}

}  // namespace

absl::StatusOr<AppsConfig> AppsConfig::Parse(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  const simdjson::padded_string padded(json);
  if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON (", simdjson::error_message(error), ")"));
  }
  object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "must be a JSON object {\"apps\": [...]}");
  }
  for (auto [key, unused] : top) {
    if (key != "apps") {
      return absl::InvalidArgumentError(
          absl::StrCat(AsAbsl(key), ": unknown key; expected apps"));
    }
  }
  simdjson::dom::array entries;
  if (top["apps"].get_array().get(entries) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("apps: is required and must be an array");
  }
  AppsConfig config;
  size_t index = 0;
  for (element entry : entries) {
    absl::StatusOr<App> app = ParseApp(entry, index);
    if (!app.ok()) return app.status();
    auto [it, inserted] = config.index_.emplace(app->app_id, index);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("apps[", index, "] (appId \"", app->app_id,
                       "\"): appId: duplicates apps[", it->second, "]"));
    }
    config.apps_.push_back(*std::move(app));
    ++index;
  }
  if (config.apps_.empty()) {
    return absl::InvalidArgumentError("apps: must list at least one app");
  }
  return config;
}

absl::StatusOr<AppsConfig> AppsConfig::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<AppsConfig> config = Parse(text.str());
  if (!config.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

std::string AppsFileAccessWarning(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0 || (info.st_mode & 077) == 0) {
    return "";
  }
  return absl::StrFormat(
      "warning: %s is accessible by group or others (mode %04o); its client "
      "secrets sign tokens: chmod 600 it",
      path, info.st_mode & 07777);
}

const App* AppsConfig::Find(std::string_view app_id) const {
  auto it = index_.find(AsAbsl(app_id));
  return it == index_.end() ? nullptr : &apps_[it->second];
}

}  // namespace sessiondb
