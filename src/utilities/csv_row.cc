#include "utilities/csv_row.h"

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"

namespace sessiondb {

std::string_view CsvHeader() {
  static const std::string* header = [] {
    auto* text = new std::string();
    for (std::string_view column : kCsvColumns) {
      if (!text->empty()) text->push_back(',');
      text->append(column);
    }
    text->append("\r\n");
    return text;
  }();
  return *header;
}

void AppendCsvField(std::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

absl::Status CsvRowWriter::Append(std::string_view json, std::string* out) {
  simdjson::dom::object session;
  if (parser_.parse(json.data(), json.size()).get(session) !=
      simdjson::SUCCESS) {
    return absl::InternalError(absl::StrCat("csv: not a session object: ",
                                            AsAbsl(json.substr(0, 80))));
  }
  bool first = true;
  for (std::string_view column : kCsvColumns) {
    if (!first) out->push_back(',');
    first = false;
    simdjson::dom::element value;
    if (session[column].get(value) != simdjson::SUCCESS) continue;  // end_time
    std::string_view text;
    if (value.get_string().get(text) == simdjson::SUCCESS) {
      AppendCsvField(text, out);
    } else {
      AppendCsvField(simdjson::minify(value), out);
    }
  }
  out->append("\r\n");
  return absl::OkStatus();
}

}  // namespace sessiondb
