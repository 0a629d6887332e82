// sim: the command line of aurora-sim. `sim --seed N [--spec S]`: run one seeded
// simulation of a workload spec and report. Exit codes (DESIGN.md section 7): 0 pass, 1 an invariant was
// violated, 2 bad usage or bad input.
#include <cstdlib>
#include <iostream>
#include <string>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "tools/sim/run_command.h"

namespace {

bool want_color(bool no_color_flag) {
  if (no_color_flag) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return isatty(STDOUT_FILENO) != 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aurora;
  CLI::App app{"aurora-sim: deterministic simulation of a log-is-the-database storage engine"};
  app.set_version_flag("--version", "aurora-sim 0.1");

  tools::RunOptions options;
  workloads::RunSpec& spec = options.spec;
  std::string scheduler = "random";
  std::string workload = "mtr";
  std::string faults;
  std::string crash_mode;
  std::uint64_t ops = 0;
  std::uint32_t nodes = 0;
  std::uint32_t crashes = 0;
  bool no_color = false;

  app.add_option("--seed", spec.seed, "master seed of the run")->required();
  app.add_option("--spec", spec.spec_arg,
                 "workload spec: a shipped spec's name (default, crash_heavy, torn_writes, "
                 "fsync_errors, media_faults, tiered, many_nodes) or a .toml file");
  app.add_option("--workload", workload, "what runs: the engine (mtr) or the disk smoke test")
      ->check(CLI::IsMember({"mtr", "file-churn"}));
  auto* ops_opt = app.add_option("--ops", ops, "operations in the safety phase (overrides the spec)")
                      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  auto* nodes_opt = app.add_option("--nodes", nodes, "compute nodes (overrides the spec)")
                        ->check(CLI::Range(1, 16));
  auto* crashes_opt =
      app.add_option("--crashes", crashes, "crash-and-restart cycles (overrides the spec)")
          ->check(CLI::Range(0, 100'000));
  app.add_option("--faults", faults, "fault regime (overrides the spec)")
      ->check(CLI::IsMember({"none", "recoverable", "unrestricted"}));
  app.add_option("--scheduler", scheduler, "scheduling strategy")
      ->check(CLI::IsMember({"random", "pct"}));
  app.add_option("--crash-mode", crash_mode, "what a crash keeps (default: drawn from the seed)")
      ->check(CLI::IsMember({"drop-all", "prefix", "subset"}));
  app.add_option("--trace-json", options.trace_json, "write every event as JSON Lines");
  app.add_option("--summary-json", options.summary_json, "append a JSON summary of the run");
  app.add_flag("--check-determinism", options.check_determinism,
               "run the seed twice and compare the traces");
  app.add_flag("--no-color", no_color, "no ANSI colors (also: NO_COLOR)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!spec.spec_arg.empty()) {
    Result<workloads::Spec> loaded = workloads::find_spec(spec.spec_arg);
    if (!loaded.is_ok()) {
      std::cerr << "sim: --spec " << spec.spec_arg << ": " << loaded.status().message() << "\n";
      return 2;
    }
    spec.spec = std::move(loaded).value();
  }
  spec.scheduler = *sim::parse_scheduler_kind(scheduler);
  spec.workload =
      workload == "file-churn" ? workloads::WorkloadKind::kFileChurn : workloads::WorkloadKind::kMtr;
  if (*ops_opt) spec.ops = ops;
  if (*nodes_opt) spec.nodes = nodes;
  if (*crashes_opt) spec.crashes = crashes;
  if (!faults.empty()) spec.faults = workloads::parse_fault_regime(faults);
  if (!crash_mode.empty()) spec.crash_mode = sim::parse_crash_mode(crash_mode);
  options.color = want_color(no_color);
  return tools::run_command(options);
}
