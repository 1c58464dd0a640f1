#include "storage/info_log.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace sessiondb {
namespace {

constexpr off_t kRotateBytes = off_t{16} << 20;

class StdioInfoLog : public rocksdb::Logger {
 public:
  explicit StdioInfoLog(std::string path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL),
        path_(std::move(path)) {
    struct stat st;
    if (stat(path_.c_str(), &st) == 0 && st.st_size > kRotateBytes) {
      std::rename(path_.c_str(), (path_ + ".old").c_str());
    }
  }
  ~StdioInfoLog() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[4096];
    struct timeval now;
    gettimeofday(&now, nullptr);
    struct tm t;
    localtime_r(&now.tv_sec, &t);
    int n = std::snprintf(line, sizeof(line),
                          "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ",
                          t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                          t.tm_min, t.tm_sec, static_cast<long>(now.tv_usec));
    if (n < 0) return;
    va_list copy;
    va_copy(copy, ap);
    const int m = std::vsnprintf(line + n, sizeof(line) - n, format, copy);
    va_end(copy);
    if (m < 0) return;
    size_t len = std::min(sizeof(line) - 2, static_cast<size_t>(n + m));
    if (len == 0 || line[len - 1] != '\n') line[len++] = '\n';

    absl::MutexLock lock(&mu_);
    // Opened lazily: RocksDB logs before it creates a new store's directory.
    if (file_ == nullptr) file_ = std::fopen(path_.c_str(), "a");
    if (file_ == nullptr) return;
    if (std::fwrite(line, 1, len, file_) != len || std::fflush(file_) != 0) {
      // Dropped (the disk is full); clear the error so a later line can go.
      std::clearerr(file_);
    }
  }

 private:
  const std::string path_;
  absl::Mutex mu_;
  std::FILE* file_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLog(std::string_view dir) {
  return std::make_shared<StdioInfoLog>(std::string(dir) + "/LOG");
}

}  // namespace sessiondb
