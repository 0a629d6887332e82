// sim: the command line of aurora-sim.
//   sim --seed N [--spec S] ...      one seeded simulation of a workload spec
//   sim sweep --seeds A..B ...       many seeds in worker processes, with a summary
//   sim seeds add --seed N ...       add a seed to the regression corpus (seeds/)
//   sim --replay-choices FILE        a run from its choice tape (--record-choices FILE writes one)
//   sim shrink --seed N ...          minimize a failing run to a small reproduction
//   sim real --data-dir D --kills N  the workload on real files, SIGKILLed and restarted
//   sim demo | viz-demo              a narrated tour of the engine (viz: with diagrams)
//   sim repl | viz-repl              interactive: two compute nodes A and B on one volume
//   sim scenario FILE                a TOML scenario of steps, then its metrics
// Exit codes (DESIGN.md section 7): 0 pass, 1 an invariant was violated, 2 bad usage or bad
// input; a sweep stopped by Ctrl-C exits 130.
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "engine/storage/presets.h"
#include "tools/sim/choice_io.h"
#include "tools/sim/common_flags.h"
#include "tools/sim/frontend_command.h"
#include "tools/sim/real_command.h"
#include "tools/sim/run_command.h"
#include "tools/sim/run_flags.h"
#include "tools/sim/seeds_command.h"
#include "tools/sim/shrink_command.h"
#include "tools/sim/sweep_command.h"

namespace {

bool want_color(bool no_color_flag, int fd) {
  if (no_color_flag) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return isatty(fd) != 0;
}

constexpr const char* kSpecHelp =
    "workload spec: a shipped spec's name (default, crash_heavy, torn_writes, fsync_errors, "
    "media_faults, tiered, many_nodes, network_faults, partitions, quorum, az_outage, "
    "az_plus_one, stale_writer, soak) or a .toml "
    "file";

}  // namespace

int main(int argc, char** argv) {
  using namespace aurora;
  CLI::App app{"aurora-sim: deterministic simulation of a log-is-the-database storage engine"};
  app.set_version_flag("--version", "aurora-sim 0.1");
  app.require_subcommand(0, 1);
  // --no-color: on the top level and on every subcommand (common_flags.h), one setting.
  bool no_color = false;
  tools::add_common_flags(app, no_color);

  // sim --seed N: one run.
  tools::RunOptions options;
  tools::RunFlags run_flags;
  std::string spec_arg;
  auto* seed_opt = app.add_option("--seed", options.spec.seed, "master seed of the run");
  app.add_option("--spec", spec_arg, kSpecHelp);
  tools::add_run_flags(app, run_flags);
  app.add_option("--trace-json", options.trace_json, "write every event as JSON Lines");
  app.add_option("--summary-json", options.summary_json, "append a JSON summary of the run");
  app.add_flag("--check-determinism", options.check_determinism,
               "run the seed twice and compare the traces event by event");
  app.add_option("--record-choices", options.record_choices,
                 "write every random decision of the run to this choice file");
  auto* replay_opt =
      app.add_option("--replay-choices", options.replay_path,
                     "run from a choice file instead of a seed (its flags apply unless given here)")
          ->excludes(seed_opt);

  // sim sweep
  CLI::App* sweep = app.add_subcommand("sweep", "run a range of seeds in worker processes");
  tools::SweepOptions sweep_options;
  tools::RunFlags sweep_flags;
  std::string seeds_text;
  std::string shard_text = "1/1";
  std::vector<std::string> sweep_specs;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  sweep->add_option("--seeds", seeds_text, "the seeds, A..B inclusive (or one seed)")->required();
  sweep->add_option("--spec", sweep_specs, std::string(kSpecHelp) + "; repeat it: every seed runs under each");
  sweep->add_option("--jobs,-j", jobs, "worker processes at once (default: the cores)")
      ->check(CLI::Range(1u, 256u));
  sweep->add_option("--shard", shard_text, "run only share I of N of the runs (1-based), e.g. 2/4");
  sweep->add_option("--out", sweep_options.out, "write one JSON line per seed to this file");
  sweep->add_option("--timeout", sweep_options.limits.timeout_s,
                    "seconds a seed may take before its worker is killed (a failure)")
      ->check(CLI::Range(0.1, 86400.0));
  sweep->add_option("--memory-mb", sweep_options.limits.memory_mb,
                    "address-space limit of a worker in MiB (0: none)");
  tools::add_common_flags(*sweep, no_color);
  sweep->add_flag("--check-determinism", sweep_options.check_determinism,
                  "also run each seed twice more and compare the traces event by event");
  tools::add_run_flags(*sweep, sweep_flags);

  // sim seeds add
  CLI::App* seeds = app.add_subcommand("seeds", "the regression corpus of seeds/");
  seeds->require_subcommand(1);
  tools::add_common_flags(*seeds, no_color);
  CLI::App* seeds_add = seeds->add_subcommand("add", "run a seed and add it to seeds/");
  tools::SeedsAddOptions add_options;
  tools::RunFlags add_flags;
  std::string add_spec;
  seeds_add->add_option("--seed", add_options.spec.seed, "the seed")->required();
  seeds_add->add_option("--spec", add_spec, kSpecHelp);
  tools::add_run_flags(*seeds_add, add_flags);
  seeds_add->add_option("--found", add_options.found, "what it found (default: its first violation)");
  seeds_add->add_option("--fixed-by", add_options.fixed_by, "the commit that fixed it");
  seeds_add->add_option("--name", add_options.name, "the file name after '<seed>-'");
  seeds_add->add_option("--dir", add_options.dir, "the corpus directory (default: seeds/)");
  tools::add_common_flags(*seeds_add, no_color);

  // sim shrink
  CLI::App* shrink = app.add_subcommand("shrink", "minimize a failing run to a small reproduction");
  tools::ShrinkCommandOptions shrink_options;
  tools::RunFlags shrink_flags;
  std::string shrink_spec;
  auto* shrink_seed = shrink->add_option("--seed", shrink_options.spec.seed, "the failing seed");
  shrink->add_option("--from", shrink_options.from_path, "...or a choice file of a failing run")
      ->excludes(shrink_seed);
  shrink->add_option("--spec", shrink_spec, kSpecHelp);
  tools::add_run_flags(*shrink, shrink_flags);
  shrink->add_option("--out", shrink_options.out,
                     "where the minimized choice file goes (default: shrunk-<seed>.choices)");
  shrink->add_option("--max-runs", shrink_options.max_runs,
                     "candidate runs at most (default 100000: --budget is the usual limit)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}));
  shrink->add_option("--budget", shrink_options.budget_text,
                     "wall time to spend, then keep the best run so far: 90s, 5m, 1h (default 5m)");
  shrink->add_flag("--verbose,-v", shrink_options.verbose, "print every smaller run kept");
  tools::add_common_flags(*shrink, no_color);

  // sim real
  CLI::App* real = app.add_subcommand("real", "the workload on real files, killed and restarted");
  tools::RealRunOptions real_options;
  std::string real_spec;
  double min_kill_ms = 1;
  double max_kill_ms = 30;
  real->add_option("--data-dir", real_options.data_dir, "where the volume lives (empty or new)")
      ->required();
  real->add_option("--kills", real_options.kills, "SIGKILLs, each followed by a restart")
      ->check(CLI::Range(0u, 1'000'000u));
  real->add_option("--seed", real_options.seed, "the workload's choices and the kill delays");
  real->add_option("--spec", real_spec, std::string(kSpecHelp) + " ([faults] does not apply)");
  real->add_option("--min-kill-ms", min_kill_ms, "a kill comes at least this long after recovery")
      ->check(CLI::Range(0.0, 60'000.0));
  real->add_option("--max-kill-ms", max_kill_ms, "...and at most this long")
      ->check(CLI::Range(0.0, 60'000.0));
  real->add_flag("--processes", real_options.processes,
                 "the storage and each compute node in a process of its own, over TCP on "
                 "127.0.0.1");
  tools::add_common_flags(*real, no_color);

  // The engine's front ends (tools/shell/).
  struct FrontEndSub {
    tools::FrontEnd which;
    const char* name;
    const char* help;
    CLI::App* app = nullptr;
    tools::FrontEndFlags flags;
  };
  FrontEndSub front_ends[] = {
      {tools::FrontEnd::kDemo, "demo", "a narrated tour: writes, versioned reads, two nodes, a crash"},
      {tools::FrontEnd::kVizDemo, "viz-demo", "the tour with a diagram of every internal operation"},
      {tools::FrontEnd::kRepl, "repl", "interactive: put, get, refresh, state, crash, recover, ..."},
      {tools::FrontEnd::kVizRepl, "viz-repl",
       "interactive with diagrams, suggestions, two nodes and background workers"},
      {tools::FrontEnd::kScenario, "scenario", "run a TOML scenario, then print its metrics"},
  };
  std::string scenario_path;
  for (FrontEndSub& f : front_ends) {
    f.app = app.add_subcommand(f.name, f.help);
    tools::add_frontend_flags(*f.app, f.flags);
    if (f.which == tools::FrontEnd::kScenario) {
      f.app->add_option("file", scenario_path, "the scenario (.toml; tools/shell/SCENARIO_FORMAT.md)")
          ->required();
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  for (const FrontEndSub& f : front_ends) {
    if (f.app->parsed()) {
      return tools::frontend_command(f.which, f.flags, want_color(no_color, STDOUT_FILENO),
                                     scenario_path);
    }
  }

  if (sweep->parsed()) {
    std::string error;
    const auto range = tools::parse_seed_range(seeds_text, error);
    const auto shard = range ? tools::parse_shard(shard_text, error) : std::nullopt;
    if (!range || !shard) {
      std::cerr << "sim sweep: " << error << "\n";
      return 2;
    }
    sweep_options.seeds = *range;
    sweep_options.shard = *shard;
    sweep_options.jobs = jobs;
    if (sweep_specs.empty()) sweep_specs.emplace_back();
    for (const std::string& s : sweep_specs) {
      workloads::RunSpec spec;
      if (!tools::load_spec_flag(s, spec)) return 2;
      tools::apply_run_flags(sweep_flags, spec);
      sweep_options.specs.push_back(std::move(spec));
    }
    sweep_options.color = want_color(no_color, STDOUT_FILENO);
    sweep_options.progress_bar = isatty(STDERR_FILENO) != 0;
    return tools::sweep_command(sweep_options);
  }
  if (seeds_add->parsed()) {
    if (!tools::load_spec_flag(add_spec, add_options.spec)) return 2;
    tools::apply_run_flags(add_flags, add_options.spec);
    return tools::seeds_add_command(add_options);
  }

  if (shrink->parsed()) {
    if (!shrink_options.from_path.empty()) {
      Result<tools::ChoiceRun> loaded = tools::load_choice_run(shrink_options.from_path);
      if (!loaded.is_ok()) {
        std::cerr << "sim shrink: --from: " << loaded.status().message() << "\n";
        return 2;
      }
      shrink_options.from = std::move(loaded->file);
      shrink_options.spec = std::move(loaded->spec);
    } else if (!*shrink_seed) {
      std::cerr << "sim shrink: --seed or --from is required\n";
      return 2;
    }
    if (!shrink_spec.empty() || shrink_options.from_path.empty()) {
      if (!tools::load_spec_flag(shrink_spec, shrink_options.spec)) return 2;
    }
    tools::apply_run_flags(shrink_flags, shrink_options.spec);
    const std::optional<double> budget = tools::parse_budget(shrink_options.budget_text);
    if (!budget) {
      std::cerr << "sim shrink: --budget " << shrink_options.budget_text
                << ": not a duration (a positive number and a unit, s, m or h: 90s, 5m, 1h)\n";
      return 2;
    }
    shrink_options.budget_s = *budget;
    return tools::shrink_command(shrink_options);
  }
  if (real->parsed()) {
    if (min_kill_ms > max_kill_ms) {
      std::cerr << "sim real: --min-kill-ms is above --max-kill-ms\n";
      return 2;
    }
    workloads::RunSpec spec;
    if (!tools::load_spec_flag(real_spec, spec)) return 2;
    if (storage::is_quorum_preset(spec.spec.storage.preset)) {
      std::cerr << "sim real: --spec " << real_spec << ": the quorum tier runs only in "
                << "simulation for now; sim real runs the presets "
                << storage::kSingleStoragePresetNames << "\n";
      return 2;
    }
    real_options.spec = spec.spec;
    real_options.min_before_kill = static_cast<Nanos>(min_kill_ms * 1e6);
    real_options.max_before_kill = static_cast<Nanos>(max_kill_ms * 1e6);
    return tools::real_command(real_options);
  }
  if (*replay_opt) {
    Result<tools::ChoiceRun> loaded = tools::load_choice_run(options.replay_path);
    if (!loaded.is_ok()) {
      std::cerr << "sim: --replay-choices: " << loaded.status().message() << "\n";
      return 2;
    }
    options.replay = std::move(loaded->file);
    options.spec = std::move(loaded->spec);
    if (!spec_arg.empty() && !tools::load_spec_flag(spec_arg, options.spec)) return 2;
  } else if (!*seed_opt) {
    std::cerr << "sim: --seed is required (or --replay-choices, or a subcommand: sweep, seeds, "
                 "shrink, real, demo, repl, ...); see sim --help\n";
    return 2;
  } else if (!tools::load_spec_flag(spec_arg, options.spec)) {
    return 2;
  }
  tools::apply_run_flags(run_flags, options.spec);
  options.color = want_color(no_color, STDOUT_FILENO);
  return tools::run_command(options);
}
