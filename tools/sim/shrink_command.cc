#include "tools/sim/shrink_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "tools/sim/choice_io.h"
#include "tools/sim/isolated_trial.h"
#include "tools/sim/run_command.h"
#include "workloads/shrink.h"

namespace aurora::tools {

namespace {

constexpr double kProgressEvery_s = 10;

// A run that died (an assertion) could not count its operations: "-" in the table.
void print_sizes(const workloads::RunSize& a, const workloads::RunSize& b, bool sized) {
  const auto row = [&](const char* what, std::uint64_t x, std::uint64_t y) {
    if (!sized && std::string_view(what) != "choices") {
      std::printf("  %-11s %10s %10s\n", what, "-", "-");
      return;
    }
    std::printf("  %-11s %10llu %10llu\n", what, static_cast<unsigned long long>(x),
                static_cast<unsigned long long>(y));
  };
  std::printf("  %-11s %10s %10s\n", "", "original", "minimized");
  row("operations", a.ops, b.ops);
  row("faults", a.faults, b.faults);
  row("crashes", a.crashes, b.crashes);
  row("events", a.events, b.events);
  row("choices", a.choices, b.choices);
}

}  // namespace

std::optional<double> parse_budget(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  double per_unit = 0;
  switch (text.back()) {
    case 's': per_unit = 1; break;
    case 'm': per_unit = 60; break;
    case 'h': per_unit = 3600; break;
    default: return std::nullopt;
  }
  const std::string number(text.substr(0, text.size() - 1));
  if (number.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double n = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !(n > 0) || n * per_unit > 7 * 86400.0) {
    return std::nullopt;  // not a number, not positive, or beyond a week
  }
  return n * per_unit;
}

int shrink_command(const ShrinkCommandOptions& o) {
  const std::string out = o.out.empty() ? "shrunk-" + std::to_string(o.spec.seed) + ".choices" : o.out;
  std::cout << "shrinking: " << (o.from ? replay_command(o.from_path, o.spec) : reproduce_command(o.spec))
            << std::endl;
  workloads::ShrinkOptions options;
  options.max_runs = o.max_runs;
  options.runner = run_trial_isolated;
  if (o.verbose) options.on_step = [](const std::string& step) { std::cout << "  kept " << step << "\n"; };
  // Wall time decides only when to stop and when to print, never what is kept.
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  options.out_of_time = [&] { return seconds_since(start) >= o.budget_s; };
  auto last_progress = start;
  options.on_progress = [&](const workloads::ShrinkProgress& p) {
    if (seconds_since(last_progress) < kProgressEvery_s) return;
    last_progress = Clock::now();
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.0f", seconds_since(start));
    std::cout << "progress: " << elapsed << " s, " << p.runs << " runs, best: ";
    if (p.sized) {
      std::cout << "ops " << p.best.ops << ", crashes " << p.best.crashes << ", faults "
                << p.best.faults;
    } else {
      std::cout << "not counted (the run dies on an assertion)";
    }
    std::cout << std::endl;
  };
  std::optional<sim::Choices> from;
  if (o.from) from = o.from->choices;
  Result<workloads::ShrinkResult> shrunk = workloads::shrink(o.spec, from, options);
  if (!shrunk.is_ok()) {
    std::cerr << "sim shrink: " << shrunk.status().message() << "\n";
    return 2;
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const workloads::ShrinkResult& r = *shrunk;
  std::cout << "violation: " << r.invariant << "\n";
  print_sizes(r.original, r.minimized, r.sized);
  std::cout << "runs: " << r.runs;
  switch (r.stopped_by) {
    case workloads::ShrinkStop::kFixedPoint: break;
    case workloads::ShrinkStop::kMaxRuns:
      std::cout << " (stopped on the --max-runs limit: not a fixed point)";
      break;
    case workloads::ShrinkStop::kBudget:
      std::cout << " (stopped on the --budget of " << o.budget_text
                << ": the best run so far, not a fixed point)";
      break;
  }
  std::cout << "  wall_s: " << wall_s << "\n";
  const Status written = write_choice_file(out, choice_file_of(r.spec, r.invariant, r.choices));
  if (!written.is_ok()) {
    std::cerr << "sim shrink: " << written.message() << "\n";
    return 2;
  }
  std::cout << "minimized: " << r.minimized_violation.invariant << ": "
            << r.minimized_violation.message << "\n";
  std::cout << "written: " << out << "\n";
  std::cout << "reproduce: " << replay_command(out, r.spec) << "\n";
  return 0;
}

}  // namespace aurora::tools
