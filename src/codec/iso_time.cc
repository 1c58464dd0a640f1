#include "codec/iso_time.h"

#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"

namespace sessiondb {
namespace {

// Day numbers use Howard Hinnant's civil calendar algorithms
// (http://howardhinnant.github.io/date_algorithms.html): proleptic Gregorian,
// exact for every year we accept, no table, no time zone database.
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);  // 0-399
  const unsigned doy =
      (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;         // 0-365
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // 0-146096
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct CivilDay {
  int64_t year;
  unsigned month;
  unsigned day;
};

constexpr CivilDay CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);  // 0-146096
  const unsigned yoe =
      (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // 0-399
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // 0-365
  const unsigned mp = (5 * doy + 2) / 153;                       // 0-11
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;               // 1-31
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                  // 1-12
  return CivilDay{y + (m <= 2), m, d};
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(0, 1, 1) * kMsPerDay == kMinTimestampMs);
static_assert(CivilFromDays(-1).year == 1969);

constexpr unsigned DaysInMonth(int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

constexpr char kFormats[] =
    "must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)";

// Quote shows the offending text in a message, cut to a readable length on a
// UTF-8 boundary (the message is written into JSON unchanged).
std::string Quote(std::string_view text) {
  constexpr size_t kMaxShown = 64;
  if (text.size() <= kMaxShown) return absl::StrCat("\"", AsAbsl(text), "\"");
  size_t n = kMaxShown;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return absl::StrCat("\"", AsAbsl(text.substr(0, n)), "...\"");
}

absl::Status TimeError(std::string_view field, std::string_view what,
                       std::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat(AsAbsl(field), ": ", AsAbsl(what), ", got ", Quote(text)));
}

// Cursor over the text; every Read* fails rather than run past the end.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ == s_.size(); }
  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  // ReadDigits reads exactly `n` decimal digits into *value.
  bool ReadDigits(int n, unsigned* value) {
    if (s_.size() - pos_ < static_cast<size_t>(n)) return false;
    unsigned v = 0;
    for (int i = 0; i < n; ++i) {
      const unsigned d = static_cast<unsigned char>(s_[pos_ + i]) - '0';
      if (d > 9) return false;
      v = v * 10 + d;
    }
    pos_ += n;
    *value = v;
    return true;
  }
  // ReadFractionMs reads one or more digits and keeps the first three as ms.
  bool ReadFractionMs(unsigned* ms) {
    unsigned v = 0;
    int digits = 0;
    while (pos_ < s_.size() &&
           static_cast<unsigned>(static_cast<unsigned char>(s_[pos_]) - '0') <=
               9) {
      if (digits < 3) v = v * 10 + (s_[pos_] - '0');
      ++digits;
      ++pos_;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 3; ++i) v *= 10;
    *ms = v;
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// Writes the two digits of 0 <= v <= 99.
inline void Put2(unsigned v, char* p) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

absl::StatusOr<ParsedTime> ParseApiTime(std::string_view text,
                                        std::string_view field) {
  Scanner in(text);
  unsigned year, month, day;
  if (!in.ReadDigits(4, &year) || !in.Consume('-') ||
      !in.ReadDigits(2, &month) || !in.Consume('-') ||
      !in.ReadDigits(2, &day)) {
    return TimeError(field, kFormats, text);
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return TimeError(field, "no such date", text);
  }
  const int64_t days = DaysFromCivil(year, month, day);
  if (in.AtEnd()) return ParsedTime{days * kMsPerDay, /*date_only=*/true};

  in.Consume(' ');  // the API document's own example: "2019-04-01 T13:26:05Z"
  unsigned hh, mm, ss, frac_ms = 0;
  if (!in.Consume('T') || !in.ReadDigits(2, &hh) || !in.Consume(':') ||
      !in.ReadDigits(2, &mm) || !in.Consume(':') || !in.ReadDigits(2, &ss)) {
    return TimeError(field, kFormats, text);
  }
  if (hh > 23 || mm > 59 || ss > 59) {
    return TimeError(field, "no such time of day", text);
  }
  if (in.Consume('.') && !in.ReadFractionMs(&frac_ms)) {
    return TimeError(field, kFormats, text);
  }
  int64_t offset_ms = 0;
  if (in.AtEnd()) {
    return TimeError(field, "a time needs a zone (Z, +hh:mm or -hh:mm)", text);
  }
  if (!in.Consume('Z')) {
    int sign;
    if (in.Consume('+')) {
      sign = 1;
    } else if (in.Consume('-')) {
      sign = -1;
    } else {
      return TimeError(field, kFormats, text);
    }
    unsigned oh, om;
    if (!in.ReadDigits(2, &oh) || !in.Consume(':') || !in.ReadDigits(2, &om)) {
      return TimeError(field, kFormats, text);
    }
    if (oh > 23 || om > 59)
      return TimeError(field, "no such zone offset", text);
    offset_ms = sign * static_cast<int64_t>(oh * 3600 + om * 60) * 1000;
  }
  if (!in.AtEnd()) return TimeError(field, kFormats, text);

  // The local time minus its offset is UTC.
  const int64_t ms = days * kMsPerDay +
                     static_cast<int64_t>(hh * 3600 + mm * 60 + ss) * 1000 +
                     frac_ms - offset_ms;
  if (ms < kMinTimestampMs || ms > kMaxTimestampMs) {
    return TimeError(field, "must be within years 0000-9999 in UTC", text);
  }
  return ParsedTime{ms, /*date_only=*/false};
}

char* WriteIsoMillis(int64_t ms, char* buf) {
  // Floor division: -1 ms is 1969-12-31T23:59:59.999Z.
  int64_t days = ms / kMsPerDay;
  int64_t in_day = ms % kMsPerDay;
  if (in_day < 0) {
    in_day += kMsPerDay;
    --days;
  }
  const CivilDay c = CivilFromDays(days);
  const unsigned ms_of_day = static_cast<unsigned>(in_day);
  const unsigned secs = ms_of_day / 1000;
  const unsigned year = static_cast<unsigned>(c.year);  // 0-9999 (REQUIRES)

  // YYYY-MM-DDThh:mm:ss.mmmZ
  Put2(year / 100, buf);
  Put2(year % 100, buf + 2);
  buf[4] = '-';
  Put2(c.month, buf + 5);
  buf[7] = '-';
  Put2(c.day, buf + 8);
  buf[10] = 'T';
  Put2(secs / 3600, buf + 11);
  buf[13] = ':';
  Put2(secs / 60 % 60, buf + 14);
  buf[16] = ':';
  Put2(secs % 60, buf + 17);
  buf[19] = '.';
  const unsigned milli = ms_of_day % 1000;
  buf[20] = static_cast<char>('0' + milli / 100);
  Put2(milli % 100, buf + 21);
  buf[23] = 'Z';
  return buf + kIsoMillisSize;
}

void AppendIsoMillis(int64_t ms, std::string* out) {
  char buf[kIsoMillisSize];
  WriteIsoMillis(ms, buf);
  out->append(buf, sizeof(buf));
}

std::string FormatIsoMillis(int64_t ms) {
  std::string out;
  AppendIsoMillis(ms, &out);
  return out;
}

}  // namespace sessiondb
