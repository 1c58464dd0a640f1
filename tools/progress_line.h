// ProgressLine: one status line redrawn in place on a terminal (stderr) by
// the long-running commands (load, export, purge); silent when stderr is
// not a terminal, so logs and pipes get only the final summary.
#ifndef SESSIONDB_TOOLS_PROGRESS_LINE_H_
#define SESSIONDB_TOOLS_PROGRESS_LINE_H_

#include <unistd.h>

#include <chrono>
#include <ostream>
#include <string>

namespace sessiondb {

class ProgressLine {
 public:
  // enabled: draw at all (e.g. isatty(STDERR_FILENO)).
  ProgressLine(std::ostream& out, bool enabled)
      : out_(out),
        enabled_(enabled),
        start_(std::chrono::steady_clock::now()) {}
  ~ProgressLine() { Clear(); }

  // Seconds since construction.
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

  // Update redraws the line with `text`, at most four times a second.
  void Update(const std::string& text) {
    const double now = Seconds();
    if (!enabled_ || now < next_) return;
    next_ = now + 0.25;
    out_ << "\r" << text << "   " << std::flush;
    drawn_ = true;
  }

  // Clear erases the line (before other output, and at the end).
  void Clear() {
    if (drawn_) out_ << "\r\033[K" << std::flush;
    drawn_ = false;
  }

 private:
  std::ostream& out_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point start_;
  bool drawn_ = false;
  double next_ = 0;
};

}  // namespace sessiondb

#endif  // SESSIONDB_TOOLS_PROGRESS_LINE_H_
