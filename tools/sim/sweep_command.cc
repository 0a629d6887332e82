#include "tools/sim/sweep_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "engine/runtime/assert.h"
#include "tools/sim/determinism.h"
#include "tools/sim/report_json.h"
#include "tools/sim/run_command.h"
#include "workloads/coverage.h"

namespace aurora::tools {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

// Ctrl-C (and SIGTERM) end the sweep cleanly: no SA_RESTART, so the wait wakes up at once.
void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(s);
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string duration(double s) {
  if (s < 60) return fixed(s, s < 10 ? 1 : 0) + " s";
  const auto total = static_cast<long>(s);
  return std::to_string(total / 60) + " min " + std::to_string(total % 60) + " s";
}

struct Failure {
  std::string reproduce;
  std::string what;
};

// What the sweep has seen so far: enough for the progress line and the summary.
class Tally {
 public:
  explicit Tally(std::size_t total) : total_(total), start_(std::chrono::steady_clock::now()) {}

  void add(const nlohmann::json& line) {
    ++done_;
    if (line.value("result", "") == "pass") {
      ++passed_;
    } else {
      failures_.push_back({line.value("reproduce", ""), first_problem(line)});
    }
    if (line.contains("time_compression") && line["time_compression"].is_number()) {
      compression_.push_back(line["time_compression"].get<double>());
    }
    if (line.contains("events_per_s") && line["events_per_s"].is_number()) {
      events_per_s_.push_back(line["events_per_s"].get<double>());
    }
    if (line.contains("coverage") && line["coverage"].is_array()) {
      saw_coverage_ = true;
      for (const auto& m : line["coverage"]) ++coverage_[m.get<std::string>()];
    }
  }

  std::size_t done() const { return done_; }
  std::size_t total() const { return total_; }
  std::size_t failed() const { return failures_.size(); }
  double elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  double rate() const { return elapsed_s() > 0 ? static_cast<double>(done_) / elapsed_s() : 0; }

  std::string progress_line() const {
    const double r = rate();
    const double eta = r > 0 ? static_cast<double>(total_ - done_) / r : 0;
    return std::to_string(done_) + "/" + std::to_string(total_) + " seeds  " + fixed(r, 1) +
           " seeds/s  ETA " + duration(eta) + "  failed " + std::to_string(failed());
  }

  void print_summary(std::ostream& out, bool interrupted, const SweepOptions& o) const {
    out << "\nsweep: " << done_ << " of " << total_ << " runs" << (interrupted ? " (interrupted)" : "")
        << " in " << duration(elapsed_s()) << ", " << fixed(rate(), 1) << " seeds/s with "
        << o.jobs << " jobs\n";
    out << "passed: " << passed_ << "  failed: " << failures_.size() << "\n";
    if (!compression_.empty() && !events_per_s_.empty()) {
      // Each run's own figures (its wall time, in its worker), not the sweep's throughput.
      out << "median run: time_compression " << fixed(median(compression_), 1)
          << "x  events_per_s " << fixed(median(events_per_s_) / 1e6, 2) << "M\n";
    }
    for (const Failure& f : failures_) out << "  FAIL " << f.reproduce << "\n       " << f.what << "\n";
    if (saw_coverage_) {
      std::vector<const workloads::CoverageMark*> missed;
      for (const auto& m : workloads::coverage_marks()) {
        if (!coverage_.contains(std::string(m.name))) missed.push_back(&m);
      }
      const std::size_t all = workloads::coverage_marks().size();
      out << "coverage: " << all - missed.size() << " of " << all << " marks reached (runs):";
      for (const auto& m : workloads::coverage_marks()) {
        const auto it = coverage_.find(std::string(m.name));
        if (it != coverage_.end()) out << " " << m.name << "(" << it->second << ")";
      }
      out << "\n";
      for (const auto* m : missed) out << "  never reached: " << m->name << " — " << m->meaning << "\n";
    }
  }

 private:
  static double median(std::vector<double> v) {
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
  }

  static std::string first_problem(const nlohmann::json& line) {
    if (line.contains("violations") && line["violations"].is_array() &&
        !line["violations"].empty()) {
      const auto& v = line["violations"][0];
      return v.value("invariant", "?") + ": " + v.value("message", "");
    }
    return line.value("crash", std::string("failed"));
  }

  std::size_t total_;
  std::chrono::steady_clock::time_point start_;
  std::size_t done_ = 0;
  std::size_t passed_ = 0;
  std::vector<Failure> failures_;
  std::vector<double> compression_;   // each passed or failed run's time_compression
  std::vector<double> events_per_s_;  // ...and events_per_s
  bool saw_coverage_ = false;
  std::map<std::string, std::uint64_t> coverage_;
};

// The worker: one seed, its JSON line written to `fd`.
int run_one(const workloads::RunSpec& spec, bool check_determinism, int fd) {
  set_assert_context("seed=" + std::to_string(spec.seed) +
                     " reproduce: " + reproduce_command(spec));
  const auto start = std::chrono::steady_clock::now();
  const workloads::RunReport report = workloads::run_seed(spec);
  const std::int64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
  nlohmann::json json = report_json(spec, report, wall_ns);
  if (check_determinism) {
    if (const std::optional<Divergence> d = tools::check_determinism(spec)) {
      json["result"] = "fail";
      json["violations"].push_back({{"invariant", "determinism"}, {"message", d->summary()}});
    }
  }
  const std::string line = json.dump() + "\n";
  std::size_t at = 0;
  while (at < line.size()) {
    const ssize_t n = ::write(fd, line.data() + at, line.size() - at);
    if (n <= 0) return 4;
    at += static_cast<std::size_t>(n);
  }
  return 0;
}

// The JSON line of a worker that ended without one: the seed failed by crashing.
nlohmann::json crash_line(const workloads::RunSpec& spec, const WorkerResult& r, double timeout_s) {
  std::string last;  // the child's last line of output: an assertion names the broken contract
  std::string tail = r.log_tail;
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  last = tail.substr(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1);
  std::string what = "the worker " + r.describe_ending(timeout_s);
  if (!last.empty()) what += ": " + last;
  return {{"seed", spec.seed},
          {"spec", spec_label(spec)},
          {"result", "crash"},
          {"reproduce", reproduce_command(spec)},
          {"crash", what},
          {"wall_ns", static_cast<std::int64_t>(r.wall_s * 1e9)},
          {"log_tail", r.log_tail}};
}

}  // namespace

std::optional<SeedRange> parse_seed_range(const std::string& text, std::string& error) {
  const auto dots = text.find("..");
  const auto first = parse_u64(dots == std::string::npos ? text : text.substr(0, dots));
  const auto last = dots == std::string::npos ? first : parse_u64(text.substr(dots + 2));
  if (!first || !last) {
    error = "'" + text + "' is not a seed range: expected A..B (for example 1..500) or N";
    return std::nullopt;
  }
  if (*last < *first) {
    error = "'" + text + "': the range ends before it starts";
    return std::nullopt;
  }
  return SeedRange{*first, *last};
}

std::optional<Shard> parse_shard(const std::string& text, std::string& error) {
  const auto slash = text.find('/');
  const auto index = slash == std::string::npos ? std::nullopt : parse_u64(text.substr(0, slash));
  const auto count = slash == std::string::npos ? std::nullopt : parse_u64(text.substr(slash + 1));
  if (!index || !count || *count == 0 || *index == 0 || *index > *count || *count > 1'000'000) {
    error = "'" + text + "' is not a shard: expected I/N with 1 <= I <= N (for example 2/4)";
    return std::nullopt;
  }
  return Shard{static_cast<unsigned>(*index), static_cast<unsigned>(*count)};
}

std::vector<workloads::RunSpec> sweep_runs(const SweepOptions& o) {
  std::vector<workloads::RunSpec> runs;
  std::uint64_t k = 0;
  for (std::uint64_t seed = o.seeds.first;; ++seed) {
    for (const workloads::RunSpec& spec : o.specs) {
      if (k++ % o.shard.count == o.shard.index - 1) {
        runs.push_back(spec);
        runs.back().seed = seed;
      }
    }
    if (seed == o.seeds.last) break;
  }
  return runs;
}

int sweep_command(const SweepOptions& o) {
  const std::vector<workloads::RunSpec> runs = sweep_runs(o);
  std::ofstream out;
  if (!o.out.empty()) {
    out.open(o.out, std::ios::out | std::ios::trunc);
    if (!out) {
      std::cerr << "sim sweep: cannot write '" << o.out << "'\n";
      return 2;
    }
  }
  std::cout << "sweep: seeds " << o.seeds.first << ".." << o.seeds.last << " x " << o.specs.size()
            << " spec" << (o.specs.size() == 1 ? "" : "s") << ", shard " << o.shard.index << "/"
            << o.shard.count << ": " << runs.size() << " runs on " << o.jobs << " jobs\n";
  install_interrupt_handlers();

  Tally tally(runs.size());
  auto last_print = std::chrono::steady_clock::now();
  std::size_t printed_at = 0;  // runs done at the last plain progress line
  auto show_progress = [&](bool final) {
    if (o.progress_bar) {
      constexpr int kWidth = 30;
      const int filled = tally.total() == 0 ? kWidth
                                            : static_cast<int>(kWidth * tally.done() / tally.total());
      std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
                << std::string(static_cast<std::size_t>(kWidth - filled), '.') << "] "
                << tally.progress_line() << "   " << (final ? "\n" : "") << std::flush;
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if ((final && printed_at != tally.done()) || now - last_print >= std::chrono::seconds(5)) {
      std::cout << "progress: " << tally.progress_line() << std::endl;
      last_print = now;
      printed_at = tally.done();
    }
  };

  const bool finished = run_workers(
      runs.size(), o.jobs, o.limits,
      [&](std::size_t job, int fd) { return run_one(runs[job], o.check_determinism, fd); },
      [&](WorkerResult r) {
        const workloads::RunSpec& spec = runs[r.job];
        nlohmann::json line;
        if (r.ok()) line = nlohmann::json::parse(r.output, nullptr, /*allow_exceptions=*/false);
        if (!r.ok() || !line.is_object()) line = crash_line(spec, r, o.limits.timeout_s);
        if (out.is_open()) out << line.dump() << "\n" << std::flush;
        tally.add(line);
        if (line.value("result", "") != "pass") {
          if (o.progress_bar) std::cerr << "\r\033[K";
          std::cout << (line.value("result", "") == "crash" ? "CRASH " : "FAIL ")
                    << line.value("reproduce", "") << std::endl;
        }
        show_progress(false);
      },
      &g_interrupted);
  show_progress(true);
  tally.print_summary(std::cout, !finished, o);
  const bool passed = tally.failed() == 0;
  std::cout << "result: " << (o.color ? (passed ? "\033[32m" : "\033[31m") : "")
            << (!finished ? "interrupted" : passed ? "pass" : "fail") << (o.color ? "\033[0m" : "")
            << "\n";
  if (!finished) return 130;
  return passed ? 0 : 1;
}

}  // namespace aurora::tools
