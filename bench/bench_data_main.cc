// bench_data: the benchmark datasets from the command line.
//
//   bench_data build  [--dataset=1m] [--data_dir=build/bench-data]
//                     [--reuse_store]
//       builds (or checks) the persisted dataset and prints its facts;
//   bench_data ndjson --sessions=N [--seed=5]
//       writes the generator's sessions exactly as
//       `gen_sessions.py --sessions N --seed S` does (tools/run_bench.sh
//       compares the two before every run).
#include <iostream>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "bench_dataset.h"
#include "generator/session_generator.h"

namespace sessiondb::bench {
namespace {

using generator::GeneratedSessions;
using generator::GeneratorConfig;

int Usage() {
  std::cerr << "usage: bench_data build [--dataset=1m] [--data_dir=DIR] "
               "[--reuse_store]\n"
               "       bench_data ndjson --sessions=N [--seed=S]\n";
  return 2;
}

int Main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string_view command = argv[1];
  DatasetConfig config;
  int64_t sessions = 0;
  for (int i = 2; i < argc; ++i) {
    std::string v;
    absl::StatusOr<bool> dataset_flag = ParseDatasetFlag(argv[i], &config);
    if (!dataset_flag.ok()) {
      std::cerr << dataset_flag.status().message() << "\n";
      return 2;
    }
    if (*dataset_flag) {
      continue;
    } else if (FlagValue(argv[i], "sessions", &v)) {
      if (!absl::SimpleAtoi(v, &sessions) || sessions < 1) return Usage();
    } else if (FlagValue(argv[i], "seed", &v)) {
      if (!absl::SimpleAtoi(v, &config.seed)) return Usage();
    } else {
      std::cerr << "unknown argument " << argv[i] << "\n";
      return Usage();
    }
  }
  if (command == "ndjson") {
    if (sessions < 1) return Usage();
    GeneratorConfig gen;
    gen.sessions = sessions;
    gen.seed = config.seed;
    const GeneratedSessions data(gen);
    std::ios::sync_with_stdio(false);
    data.WriteScriptNdjson(0, data.size(), std::cout);
    return std::cout.good() ? 0 : 1;
  }
  if (command != "build") return Usage();
  absl::StatusOr<std::unique_ptr<Dataset>> dataset =
      Dataset::OpenOrBuild(config);
  if (!dataset.ok()) {
    std::cerr << "bench_data: " << dataset.status() << "\n";
    return 1;
  }
  for (const auto& [key, value] : (*dataset)->Context()) {
    std::cout << key << ": " << value << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace sessiondb::bench

int main(int argc, char** argv) { return sessiondb::bench::Main(argc, argv); }
