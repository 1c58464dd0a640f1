#include "server/apps_registry.h"

#include <mutex>
#include <utility>

namespace sessiondb {

AppsRegistry::AppsRegistry(AppsConfig apps)
    : current_(std::make_shared<const AppsConfig>(std::move(apps))) {}

std::shared_ptr<const AppsConfig> AppsRegistry::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void AppsRegistry::Replace(AppsConfig apps) {
  auto next = std::make_shared<const AppsConfig>(std::move(apps));
  std::shared_ptr<const AppsConfig> previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    previous = std::exchange(current_, std::move(next));
  }
  // The previous config is released here, outside the lock, unless a
  // request still holds it.
}

}  // namespace sessiondb
