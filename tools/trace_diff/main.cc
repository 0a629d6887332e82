// trace-diff A.jsonl B.jsonl [--ignore FIELD]... [--context N] [--window W]
// Where two traces (sim --trace-json) first part, and how: a different event, extra
// events, missing events (tools/trace_diff/README.md).
// Exit codes (DESIGN.md section 7): 0 identical (after the ignores), 1 they differ, 2 bad
// usage or bad input (a file that cannot be read, a line that is not an event).
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/trace_diff/trace_diff.h"

namespace {

constexpr int kIdentical = 0;
constexpr int kDifferent = 1;
constexpr int kBadInput = 2;

int compare(const std::string& a_path, const std::string& b_path,
            const aurora::tools::TraceDiffOptions& options) {
  using namespace aurora::tools;
  if (const aurora::Status s = check_trace_diff_options(options); !s.is_ok()) {
    std::cerr << "trace-diff: " << s.message() << "\n";
    return kBadInput;
  }
  // Two streams even for one path: each side reads at its own pace.
  std::ifstream a(a_path, std::ios::binary);
  if (!a.is_open()) {
    std::cerr << "trace-diff: cannot open " << a_path << ": " << std::strerror(errno) << "\n";
    return kBadInput;
  }
  std::ifstream b(b_path, std::ios::binary);
  if (!b.is_open()) {
    std::cerr << "trace-diff: cannot open " << b_path << ": " << std::strerror(errno) << "\n";
    return kBadInput;
  }
  aurora::Result<TraceDiffResult> result =
      diff_traces(TraceInput{a_path, a}, TraceInput{b_path, b}, options);
  if (!result.is_ok()) {
    std::cerr << "trace-diff: " << result.status().message() << "\n";
    return kBadInput;
  }
  std::cout << format_trace_diff(*result, a_path, b_path, options) << std::flush;
  return result->kind == DivergenceKind::kNone ? kIdentical : kDifferent;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aurora::tools;
  CLI::App app{"trace-diff: where two traces (sim --trace-json) first part, and how"};
  std::string a_path;
  std::string b_path;
  TraceDiffOptions options;
  app.add_option("A", a_path, "the first trace (JSON Lines)")->required();
  app.add_option("B", b_path, "the second trace")->required();
  // One name per --ignore, so that `--ignore wall_ns a.jsonl b.jsonl` leaves the files alone.
  app.add_option("--ignore", options.ignore,
                 "leave out a data field (wall_ns, data.wall_ns) or t_ns, node, fiber; repeatable")
      ->allow_extra_args(false);
  app.add_option("--context", options.context, "matching events shown before the divergence")
      ->check(CLI::Range(std::size_t{0}, kMaxDiffContext));
  app.add_option("--window", options.window,
                 "events looked ahead on each side to realign after an insertion or deletion")
      ->check(CLI::Range(std::size_t{0}, kMaxDiffWindow));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kIdentical : kBadInput;
  }
  try {
    return compare(a_path, b_path, options);
  } catch (const std::exception& e) {
    // Nothing here throws on bad input (the reader reports it as a Status); this is for
    // running out of memory, so that it is a message and not an abort.
    std::cerr << "trace-diff: " << e.what() << "\n";
    return kBadInput;
  }
}
