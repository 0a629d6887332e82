#include "tools/sim/run_command.h"

#include <chrono>
#include <deque>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "sim/choice_tape.h"
#include "sim/trace.h"
#include "tools/sim/choice_io.h"
#include "tools/sim/determinism.h"
#include "tools/sim/report_json.h"

namespace aurora::tools {
namespace {

class FileTraceWriter final : public sim::TraceWriter {
 public:
  explicit FileTraceWriter(std::ofstream& out) : out_(out) {}
  void write_line(std::string_view json) override {
    out_.write(json.data(), static_cast<std::streamsize>(json.size()));
    out_.put('\n');
  }

 private:
  std::ofstream& out_;
};

const char* paint(bool color, const char* code) { return color ? code : ""; }

}  // namespace

std::vector<std::string> run_args(const workloads::RunSpec& spec) {
  std::vector<std::string> a;
  auto add = [&](std::string flag, std::string value) {
    a.push_back(std::move(flag));
    a.push_back(std::move(value));
  };
  if (!spec.spec_arg.empty()) add("--spec", spec.spec_arg);
  if (spec.workload != workloads::WorkloadKind::kMtr) {
    add("--workload", std::string(workloads::workload_name(spec.workload)));
  }
  if (spec.scheduler != sim::SchedulerKind::kRandom) {
    add("--scheduler", std::string(sim::scheduler_kind_name(spec.scheduler)));
  }
  if (spec.faults) add("--faults", std::string(workloads::fault_regime_name(*spec.faults)));
  if (spec.crash_mode) add("--crash-mode", std::string(sim::crash_mode_name(*spec.crash_mode)));
  if (spec.ops) add("--ops", std::to_string(*spec.ops));
  if (spec.nodes) add("--nodes", std::to_string(*spec.nodes));
  if (spec.crashes) add("--crashes", std::to_string(*spec.crashes));
  if (spec.pages) add("--pages", std::to_string(*spec.pages));
  if (spec.liveness_ops) add("--liveness-ops", std::to_string(*spec.liveness_ops));
  if (spec.segment_bytes) add("--segment-bytes", std::to_string(*spec.segment_bytes));
  for (const sim::FaultKind k : spec.faults_off) add("--fault-off", std::string(sim::fault_kind_name(k)));
  return a;
}

std::vector<std::string> reproduce_args(const workloads::RunSpec& spec) {
  std::vector<std::string> a{"--seed", std::to_string(spec.seed)};
  const std::vector<std::string> rest = run_args(spec);
  a.insert(a.end(), rest.begin(), rest.end());
  return a;
}

namespace {
// A word the shell reads back as itself: quoted when it holds anything beyond the safe set.
std::string shell_word(const std::string& s) {
  const bool safe = !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                      "0123456789_./:=+-") == std::string::npos;
  if (safe) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

std::string reproduce_command(const workloads::RunSpec& spec) {
  std::string cmd = "sim";
  for (const std::string& arg : reproduce_args(spec)) cmd.append(" ").append(shell_word(arg));
  return cmd;
}

std::string replay_command(const std::string& path, const workloads::RunSpec& spec) {
  std::string cmd = "sim --replay-choices " + shell_word(path);
  for (const std::string& arg : run_args(spec)) cmd.append(" ").append(shell_word(arg));
  return cmd;
}

namespace {

// Keeps the last `keep` trace lines up to event number `upto` (events are numbered from 1,
// one line each).
class TailWriter final : public sim::TraceWriter {
 public:
  TailWriter(std::uint64_t upto, std::size_t keep) : upto_(upto), keep_(keep) {}
  void write_line(std::string_view json) override {
    if (++seen_ > upto_) return;
    lines_.emplace_back(json);
    if (lines_.size() > keep_) lines_.pop_front();
  }
  const std::deque<std::string>& lines() const { return lines_; }

 private:
  std::uint64_t upto_;
  std::size_t keep_;
  std::uint64_t seen_ = 0;
  std::deque<std::string> lines_;
};

}  // namespace

int run_command(const RunOptions& options) {
  const workloads::RunSpec& spec = options.spec;
  const std::string reproduce = options.replay ? replay_command(options.replay_path, spec)
                                               : reproduce_command(spec);
  std::cout << "seed: " << spec.seed << std::endl;  // first, even if the run then crashes
  set_assert_context("seed=" + std::to_string(spec.seed) + " reproduce: " + reproduce);
  // Every run of this command (the main one, and the reruns for the trace's tail and the
  // determinism check) draws from a tape of its own: the seed, or the replayed file.
  const auto make_tape = [&](bool record) {
    return options.replay ? std::make_unique<sim::ChoiceTape>(spec.seed, options.replay->choices)
                          : std::make_unique<sim::ChoiceTape>(spec.seed, record);
  };
  const auto run_once = [&](sim::TraceWriter* w) {
    return workloads::run_seed(spec, w, make_tape(false).get());
  };

  std::ofstream trace_file;
  std::unique_ptr<FileTraceWriter> writer;
  if (!options.trace_json.empty()) {
    trace_file.open(options.trace_json, std::ios::out | std::ios::trunc);
    if (!trace_file) {
      std::cerr << "sim: cannot write trace file '" << options.trace_json << "'\n";
      return 2;
    }
    writer = std::make_unique<FileTraceWriter>(trace_file);
  }
  std::ofstream summary_file;
  if (!options.summary_json.empty()) {
    summary_file.open(options.summary_json, std::ios::out | std::ios::app);
    if (!summary_file) {
      std::cerr << "sim: cannot write summary file '" << options.summary_json << "'\n";
      return 2;
    }
  }

  if (!options.record_choices.empty()) {
    // Known to be writable before the run, not found unwritable after it.
    std::ofstream probe(options.record_choices + ".tmp", std::ios::out | std::ios::trunc);
    if (!probe) {
      std::cerr << "sim: --record-choices: cannot write '" << options.record_choices << ".tmp'\n";
      return 2;
    }
  }
  const std::unique_ptr<sim::ChoiceTape> tape = make_tape(!options.record_choices.empty());
  const auto start = std::chrono::steady_clock::now();
  const workloads::RunReport report = workloads::run_seed(spec, writer.get(), tape.get());
  const std::int64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
  // The configuration's first line is the seed, already printed.
  const std::string& config = report.configuration;
  std::cout << config.substr(config.find('\n') + 1);

  std::optional<Divergence> divergence;
  if (options.check_determinism) {
    divergence = find_divergence([&](sim::TraceWriter& w) { (void)run_once(&w); });
    std::cout << "determinism: " << (divergence ? "DIFFERENT" : "same trace twice") << "\n";
  }

  const bool passed = report.passed && !divergence;
  const bool c = options.color;
  if (!report.violations.empty()) {
    for (const auto& v : report.violations) {
      std::cout << paint(c, "\033[31m") << "VIOLATION " << v.invariant << paint(c, "\033[0m")
                << " at t=" << v.at << "ns (event " << v.event << "): " << v.message << "\n";
    }
  }
  if (!report.violations.empty() && report.violations.front().event > 0) {
    // The events leading to the first violation: the run again (it is deterministic),
    // keeping the trace's tail up to the event at which the checker fired.
    TailWriter tail(report.violations.front().event, 20);
    (void)run_once(&tail);
    std::cout << "the last " << tail.lines().size() << " events before it:\n";
    for (const std::string& line : tail.lines()) std::cout << "  " << line << "\n";
  }
  if (divergence) std::cout << "NONDETERMINISM: " << divergence->describe();
  std::cout << "ops: " << report.ops << "  crashes: " << report.crashes
            << "  recoveries checked: " << report.recoveries_checked
            << "  acknowledged: " << report.acknowledged
            << "  reads checked: " << report.reads_checked
            << "  faults fired: " << report.faults_fired
            << "  corruptions reported: " << report.corruptions_reported << "\n";
  if (!report.coverage.empty()) {
    std::cout << "coverage:";
    for (const std::string& m : report.coverage) std::cout << " " << m;
    std::cout << "\n";
  }
  std::cout << "result: " << paint(c, passed ? "\033[32m" : "\033[31m")
            << (passed ? "pass" : "fail") << paint(c, "\033[0m")
            << "  trace_hash: " << sim::Trace::format_hash(report.trace_hash)
            << "  events: " << report.events << "  sim_time_ms: "
            << static_cast<double>(report.sim_time_ns) / 1e6
            << "  wall_ms: " << static_cast<double>(wall_ns) / 1e6 << "  "
            << describe_speed(run_speed(report, wall_ns)) << "  " << describe_net(report.net)
            << "\n";
  if (options.replay) {
    std::cout << "choices: replayed " << options.replay->choices.size() << " from "
              << options.replay_path;
    const std::uint64_t neutral = tape->neutral_draws();
    if (neutral > 0) std::cout << "; " << neutral << " draws past its end were neutral";
    std::cout << "\n";
    if (!options.replay->expect.empty()) {
      const bool again = !report.violations.empty() &&
                         report.violations.front().invariant == options.replay->expect;
      std::cout << "expected violation " << options.replay->expect << ": "
                << (again ? "reproduced" : "NOT reproduced") << "\n";
    }
  }
  if (!options.record_choices.empty()) {
    const sim::ChoiceFile file = choice_file_of(
        spec, report.violations.empty() ? "" : report.violations.front().invariant,
        tape->recorded());
    const Status written = write_choice_file(options.record_choices, file);
    if (!written.is_ok()) {
      std::cerr << "sim: --record-choices: " << written.message() << "\n";
      return 2;
    }
    std::cout << "choices: recorded " << file.choices.size() << " to " << options.record_choices
              << " (replay: " << replay_command(options.record_choices, spec) << ")\n";
  }
  if (!passed) std::cout << "reproduce: " << reproduce << "\n";

  if (summary_file.is_open()) {
    nlohmann::json j = report_json(spec, report, wall_ns);
    if (divergence) {
      j["result"] = "fail";
      j["violations"].push_back({{"invariant", "determinism"}, {"message", divergence->summary()}});
    }
    summary_file << j.dump() << "\n";
  }
  return passed ? 0 : 1;
}

}  // namespace aurora::tools
