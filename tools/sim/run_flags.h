// The flags that shape one run (--spec, --ops, --faults, ...), shared by `sim --seed N`,
// `sim sweep` and `sim seeds add`, so every command spells them the same way and the
// reproduce line of any run is a plain `sim --seed N ...`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "workloads/run.h"

namespace aurora::tools {

struct RunFlags {
  std::string scheduler = "random";
  std::string workload = "mtr";
  std::string faults;
  std::string crash_mode;
  std::uint64_t ops = 0;
  std::uint32_t nodes = 0;
  std::uint32_t crashes = 0;
  std::uint32_t pages = 0;
  std::uint64_t liveness_ops = 0;
  CLI::Option* liveness_ops_opt = nullptr;
  std::vector<std::string> faults_off;  // fault kind names, as given
  CLI::Option* pages_opt = nullptr;
  std::uint64_t segment_bytes = 0;
  CLI::Option* segment_bytes_opt = nullptr;
  CLI::Option* workload_opt = nullptr;
  CLI::Option* scheduler_opt = nullptr;
  CLI::Option* ops_opt = nullptr;
  CLI::Option* nodes_opt = nullptr;
  CLI::Option* crashes_opt = nullptr;
};

// Adds --workload --ops --nodes --crashes --pages --faults --fault-off --scheduler
// --crash-mode to `app`
// (not --spec: a sweep takes several).
void add_run_flags(CLI::App& app, RunFlags& flags);

// Applies the flags given to `spec` (the overrides the reproduce line names); flags not
// given leave `spec` as it is.
void apply_run_flags(const RunFlags& flags, workloads::RunSpec& spec);

// Loads --spec (a shipped name or a .toml path) into `spec`; on failure prints
// "sim: --spec NAME: why" and returns false (the caller exits 2).
bool load_spec_flag(const std::string& spec_arg, workloads::RunSpec& spec);

}  // namespace aurora::tools
