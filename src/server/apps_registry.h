// AppsRegistry: the apps file in force. `serve` replaces it on SIGHUP so that
// secrets and scopes rotate without a restart; each request takes the
// current config once and keeps it until it is answered, so a reload never
// changes a request half-way.
//
// Example:
//   AppsRegistry registry(*std::move(apps));
//   std::shared_ptr<const AppsConfig> apps = registry.Current();  // per
//   request registry.Replace(*std::move(reloaded));                       // on
//   SIGHUP
#ifndef SESSIONDB_SERVER_APPS_REGISTRY_H_
#define SESSIONDB_SERVER_APPS_REGISTRY_H_

#include <memory>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "server/apps_config.h"

namespace sessiondb {

// AppsRegistry is safe for concurrent use.
class AppsRegistry {
 public:
  explicit AppsRegistry(AppsConfig apps);
  AppsRegistry(const AppsRegistry&) = delete;
  AppsRegistry& operator=(const AppsRegistry&) = delete;

  // Current returns the config in force. It stays valid (and unchanged) for
  // as long as the caller holds it, whatever Replace does meanwhile.
  std::shared_ptr<const AppsConfig> Current() const;

  // Replace puts `apps` in force for every later Current.
  void Replace(AppsConfig apps);

 private:
  // std::mutex, not absl::Mutex: Debian's Abseil is not built for TSan
  // (docs/RELIABILITY.md), and this swap is what TSan must be able to check.
  mutable std::mutex mu_;
  std::shared_ptr<const AppsConfig> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_APPS_REGISTRY_H_
