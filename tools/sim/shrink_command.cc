#include "tools/sim/shrink_command.h"

#include <chrono>
#include <cstdio>
#include <iostream>

#include "tools/sim/choice_io.h"
#include "tools/sim/isolated_trial.h"
#include "tools/sim/run_command.h"
#include "workloads/shrink.h"

namespace aurora::tools {

namespace {

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

int shrink_command(const ShrinkCommandOptions& o) {
  const std::string out = o.out.empty() ? "shrunk-" + std::to_string(o.spec.seed) + ".choices" : o.out;
  std::cout << "shrinking: " << (o.from ? replay_command(o.from_path, o.spec) : reproduce_command(o.spec))
            << std::endl;
  workloads::ShrinkOptions options;
  options.max_runs = o.max_runs;
  options.runner = run_trial_isolated;
  if (o.verbose) options.on_step = [](const std::string& step) { std::cout << "  kept " << step << "\n"; };
  const auto start = std::chrono::steady_clock::now();
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
  std::cout << "runs: " << r.runs << (r.exhausted ? " (the --max-runs limit: not a fixed point)" : "")
            << "  wall_s: " << wall_s << "\n";
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
