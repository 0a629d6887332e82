// The engine's front ends as sim subcommands: demo, viz-demo, repl, viz-repl and
// scenario FILE, with the flags they share (--seed, --preset, --segment-size,
// --cold-latency-ms, --fs sim|posix, --data-dir, --delay, --trace-json, --trace-perfetto).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/shell/frontend.h"

namespace aurora::tools {

struct FrontEndFlags {
  std::uint64_t seed = 1;
  std::optional<std::string> preset;  // default base (a scenario's [meta] preset otherwise)
  std::uint64_t segment_size = 4096;
  double cold_latency_ms = 50;
  std::string fs = "sim";
  std::string data_dir;
  std::optional<double> delay_ms;  // default: 300 in the viz modes, 0 otherwise
  std::string trace_json;
  std::string trace_perfetto;
  bool no_color = false;
};

void add_frontend_flags(CLI::App& app, FrontEndFlags& flags);

enum class FrontEnd { kDemo, kVizDemo, kRepl, kVizRepl, kScenario };

// Runs front end `which` (for kScenario, on the scenario file `path`). `color`: whether
// stdout may get ANSI colors (before --no-color). Exit codes: 0 done, 1 a demo check or
// scenario expectation failed, 2 bad flags or input (nothing ran), or a volume that does
// not open, at the start or at the session's last recover (tools/shell/frontend_exit.h).
int frontend_command(FrontEnd which, const FrontEndFlags& flags, bool color,
                     const std::string& path = {});

}  // namespace aurora::tools
