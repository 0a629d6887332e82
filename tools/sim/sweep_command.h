// `sim sweep --seeds A..B [--spec S]... [--jobs J] [--shard I/N] [--out FILE]`: many seeds,
// each in its own worker process, with a progress line, one JSON line per seed and a
// summary (passed, failed with their reproduce commands, rate, coverage over the sweep).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/sim/worker_pool.h"
#include "workloads/run.h"

namespace aurora::tools {

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;
};
// "A..B" (inclusive) or "N"; nullopt with `error` set when malformed.
std::optional<SeedRange> parse_seed_range(const std::string& text, std::string& error);

struct Shard {
  unsigned index = 1;  // 1-based
  unsigned count = 1;
};
// "I/N" with 1 <= I <= N.
std::optional<Shard> parse_shard(const std::string& text, std::string& error);

struct SweepOptions {
  SeedRange seeds;
  std::vector<workloads::RunSpec> specs;  // every seed runs under each (overrides applied)
  unsigned jobs = 2;
  Shard shard;
  std::string out;  // JSON Lines, one per seed ("" = none)
  WorkerLimits limits;
  bool check_determinism = false;  // each seed also runs twice more, traces compared
  bool color = false;
  bool progress_bar = false;  // redraw one line (a TTY); else plain lines now and then
};

// The runs of the sweep, in order: each seed under each spec, this shard's share.
std::vector<workloads::RunSpec> sweep_runs(const SweepOptions& options);

// Returns the exit code: 0 all passed, 1 a seed failed, 2 bad input, 130 interrupted.
int sweep_command(const SweepOptions& options);

}  // namespace aurora::tools
