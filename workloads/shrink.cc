#include "workloads/shrink.h"

#include <algorithm>
#include <array>
#include <utility>

#include "engine/wal/format.h"

namespace aurora::workloads {

namespace {

// Past a stream's end the tape answers 0, so trailing zeros say nothing: cut them, and
// streams left empty, and the units that start past what is left.
sim::Choices trimmed(sim::Choices c) {
  for (auto it = c.streams.begin(); it != c.streams.end();) {
    std::vector<std::uint64_t>& v = it->second;
    while (!v.empty() && v.back() == 0) v.pop_back();
    it = v.empty() ? c.streams.erase(it) : std::next(it);
  }
  for (auto it = c.units.begin(); it != c.units.end();) {
    const auto values = c.streams.find(it->first);
    const std::size_t size = values == c.streams.end() ? 0 : values->second.size();
    std::erase_if(it->second, [&](std::uint64_t start) { return start >= size; });
    it = it->second.empty() ? c.units.erase(it) : std::next(it);
  }
  return c;
}

std::uint64_t saturating_sum(const sim::Choices& c) {
  std::uint64_t sum = 0;
  for (const auto& [name, values] : c.streams) {
    for (std::uint64_t v : values) sum = v > UINT64_MAX - sum ? UINT64_MAX : sum + v;
  }
  return sum;
}

constexpr std::uint64_t kMinCandidateSteps = 1'000'000;

// Smaller is simpler. Lexicographic, over naturals: every strictly descending chain ends.
using Key = std::array<std::uint64_t, 13>;

Key key_of(const RunSpec& spec, const RunSize& r, const sim::Choices& c) {
  const RunShape s = run_shape(spec);
  // The log's segment size right after the counts: a smaller segment is a smaller run
  // even when its run draws more (it rotates more), since fewer operations then fill one.
  return {r.ops,
          r.crashes,
          r.faults,
          s.segment_bytes,
          c.size(),
          saturating_sum(c),
          s.ops,
          s.crashes,
          s.nodes,
          s.pages,
          s.liveness_ops,
          sim::kFaultKindCount - std::min(spec.faults_off.size(), sim::kFaultKindCount),
          static_cast<std::uint64_t>(s.regime)};
}


struct Candidate {
  RunSpec spec;
  sim::Choices choices;
};

class Shrinker {
 public:
  Shrinker(const ShrinkOptions& options, std::string invariant)
      : options_(options), invariant_(std::move(invariant)) {}

  bool out_of_runs() const { return runs_ >= options_.max_runs; }
  // No more runs: max_runs made, or the budget found spent.
  bool stopped() const { return out_of_runs() || out_of_time_; }
  ShrinkStop stop_reason() const {
    if (out_of_time_) return ShrinkStop::kBudget;
    return out_of_runs() ? ShrinkStop::kMaxRuns : ShrinkStop::kFixedPoint;
  }
  std::uint64_t runs() const { return runs_; }
  const Candidate& best() const { return best_; }
  const Trial& best_trial() const { return best_trial_; }

  void start(Candidate c, Trial trial) {
    best_ = std::move(c);
    best_trial_ = std::move(trial);
    best_key_ = key_of(best_.spec, best_trial_.size, best_.choices);
  }

  // Runs the candidate; keeps it (as the tape it actually used) when it fails the same way
  // and is smaller. True when kept.
  bool attempt(Candidate c, const std::string& what) {
    if (stopped()) return false;
    // The budget is asked once before each run, and a spent one stays spent.
    if (options_.out_of_time && options_.out_of_time()) {
      out_of_time_ = true;
      return false;
    }
    ++runs_;
    const bool kept = judge(std::move(c), what);
    if (options_.on_progress) {
      options_.on_progress({.runs = runs_, .best = best_trial_.size, .sized = best_trial_.sized});
    }
    return kept;
  }

  // Runs the candidate and keeps it when it fails the same way and is smaller.
  bool judge(Candidate c, const std::string& what) {
    Trial trial = options_.runner(c.spec, &c.choices);
    if (!trial.first || trial.first->invariant != invariant_) return false;
    sim::Choices used = trimmed(std::move(trial.used));
    const Key key = key_of(c.spec, trial.size, used);
    if (!(key < best_key_)) return false;
    if (options_.on_step) {
      options_.on_step(what + ": ops " + std::to_string(best_trial_.size.ops) + " -> " +
                       std::to_string(trial.size.ops) + ", crashes " +
                       std::to_string(best_trial_.size.crashes) + " -> " +
                       std::to_string(trial.size.crashes) + ", faults " +
                       std::to_string(best_trial_.size.faults) + " -> " +
                       std::to_string(trial.size.faults) + ", choices " +
                       std::to_string(best_.choices.size()) + " -> " + std::to_string(used.size()) +
                       " (run " + std::to_string(runs_) + ")");
    }
    trial.size.choices = used.size();
    best_ = Candidate{std::move(c.spec), std::move(used)};
    best_trial_ = std::move(trial);
    best_key_ = key;
    return true;
  }

  // A smaller flag (fewer crashes, fewer operations) also means fewer decisions before a
  // fault that matters: the same fault decision now answers a later opportunity. So when
  // the candidate alone does not fail, it is tried again with the leading zeros of a short
  // stream cut, one more at a time, moving its first decision that fired earlier.
  bool attempt_realigned(const Candidate& c, const std::string& what) {
    if (attempt(c, what)) return true;
    for (const auto& [name, values] : c.choices.streams) {
      if (values.size() > kMaxValuesToRealign) continue;
      const auto first = std::find_if(values.begin(), values.end(), [](auto v) { return v != 0; });
      const auto zeros = static_cast<std::size_t>(first - values.begin());
      for (std::size_t cut = 1; cut <= zeros && !stopped(); ++cut) {
        Candidate moved = c;
        std::vector<std::uint64_t>& v = moved.choices.streams[name];
        v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(cut));
        if (attempt(std::move(moved), what + ", " + name + " moved " + std::to_string(cut) + " earlier")) {
          return true;
        }
      }
    }
    return false;
  }

  // Each pass returns whether it kept anything.
  bool fewer_crashes_and_nodes() {
    bool kept = false;
    kept |= lower_flag("--crashes", [](const RunSpec& r) { return run_shape(r).crashes; }, 0,
                       [](RunSpec& r, std::uint64_t n) { r.crashes = static_cast<std::uint32_t>(n); });
    if (best_.spec.workload == WorkloadKind::kMtr || best_.spec.workload == WorkloadKind::kFileChurn) {
      kept |= lower_flag("--nodes", [](const RunSpec& r) { return run_shape(r).nodes; }, 1,
                         [](RunSpec& r, std::uint64_t n) { r.nodes = static_cast<std::uint32_t>(n); });
    }
    return kept;
  }

  // The run's shape: each fault kind that fired in the best run turned off, one at a time
  // (the counts are the best run's, so a kind kept on that stopped firing is not tried);
  // fewer pages for the engine's MTRs, and smaller log segments.
  bool smaller_shape() {
    bool kept = false;
    for (std::size_t k = 0; k < sim::kFaultKindCount && !stopped(); ++k) {
      const auto kind = static_cast<sim::FaultKind>(k);
      const std::vector<sim::FaultKind>& off = best_.spec.faults_off;
      if (best_trial_.fired[k] == 0 || std::find(off.begin(), off.end(), kind) != off.end()) continue;
      Candidate c = best_;
      c.spec.faults_off.push_back(kind);
      std::sort(c.spec.faults_off.begin(), c.spec.faults_off.end());
      kept |= attempt_realigned(c, "--fault-off " + std::string(sim::fault_kind_name(kind)));
    }
    if (best_.spec.workload == WorkloadKind::kMtr) {
      kept |= lower_flag("--pages", [](const RunSpec& r) { return run_shape(r).pages; }, 1,
                         [](RunSpec& r, std::uint64_t n) { r.pages = static_cast<std::uint32_t>(n); });
      // Smaller log segments: a failure that needs a sealed segment (rotation, tiering, GC,
      // a persisted watermark) needs fewer operations to fill one.
      kept |= lower_flag("--segment-bytes",
                         [](const RunSpec& r) { return run_shape(r).segment_bytes; },
                         wal::kSegmentHeaderSize + 1,  // room for a header and a byte
                         [](RunSpec& r, std::uint64_t n) { r.segment_bytes = n; });
      // A failure the end of the run finds counts the liveness phase's operations too.
      kept |= lower_flag("--liveness-ops",
                         [](const RunSpec& r) { return run_shape(r).liveness_ops; }, 1,
                         [](RunSpec& r, std::uint64_t n) { r.liveness_ops = n; });
    }
    return kept;
  }

  // Whole units deleted (operations, crash decisions: where a workload marked them), halves
  // of a stream's units first and single units last, aligned from the stream's end. The
  // values a stream draws before its first unit (the driver's crash points) stay.
  bool delete_units() {
    bool kept = false;
    for (const std::string& name : stream_order()) {
      const std::size_t start_count = unit_count(name);
      if (start_count == 0) continue;
      std::size_t width = 1;
      while (width * 2 <= start_count / 2) width *= 2;
      for (; width >= 1 && !stopped(); width /= 2) {
        std::size_t end = unit_count(name);
        while (end > 0 && !stopped()) {
          end = std::min(end, unit_count(name));  // a kept candidate may have fewer
          if (end == 0) break;
          const std::size_t begin = end > width ? end - width : 0;
          const std::size_t from = unit_start(name, begin);
          const std::size_t to = unit_start(name, end);
          if (from < to) {
            Candidate c = best_;
            std::vector<std::uint64_t>& v = c.choices.streams[name];
            v.erase(v.begin() + static_cast<std::ptrdiff_t>(from),
                    v.begin() + static_cast<std::ptrdiff_t>(to));
            c.choices.units.clear();  // learned again from the run
            kept |= attempt(std::move(c), "deleted " + name + " units [" + std::to_string(begin) +
                                              ".." + std::to_string(end) + ")");
          }
          end = begin;
        }
      }
    }
    return kept;
  }

  bool no_faults() {
    bool kept = false;
    if (run_shape(best_.spec).regime != FaultRegime::kNone) {
      Candidate c = best_;
      c.spec.faults = FaultRegime::kNone;
      kept |= attempt(std::move(c), "--faults none");
    }
    // Each kind's decisions are a stream of its own ("faults/<kind>", sim/fault_injector.h).
    std::vector<std::string> streams;
    for (const auto& [name, values] : best_.choices.streams) {
      if (name.starts_with("faults/") && !values.empty()) streams.push_back(name);
    }
    if (streams.empty()) return kept;
    {
      Candidate c = best_;
      for (const std::string& name : streams) c.choices.streams.erase(name);
      if (attempt(std::move(c), "no fault fires")) return true;
    }
    for (const std::string& name : streams) {
      for (std::size_t i = 0; !stopped(); ++i) {
        const auto it = best_.choices.streams.find(name);
        if (it == best_.choices.streams.end() || i >= it->second.size()) break;
        if (it->second[i] == 0) continue;
        Candidate c = best_;
        c.choices.streams[name][i] = 0;
        kept |= attempt(std::move(c), name + " decision " + std::to_string(i) + " made 0");
      }
    }
    return kept;
  }

  // The smallest --ops that still fails, by bisection.
  bool cut_short() {
    std::uint64_t lo = 0;  // taken not to fail
    std::uint64_t hi = run_shape(best_.spec).ops;
    bool kept = false;
    while (hi - lo > 1 && !stopped()) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      Candidate c = best_;
      c.spec.ops = mid;
      if (attempt_realigned(c, "--ops " + std::to_string(mid))) {
        hi = mid;
        kept = true;
      } else {
        lo = mid;
      }
    }
    return kept;
  }

  // Each stream made all neutral at once: the cheapest big cut.
  bool neutral_streams() {
    bool kept = false;
    for (const std::string& name : stream_order()) {
      if (stream_size(name) == 0 || stopped()) continue;
      Candidate c = best_;
      c.choices.streams.erase(name);
      kept |= attempt(std::move(c), name + " all neutral");
    }
    return kept;
  }

  // Runs of values deleted, halves first and single values last (a delta-debugging
  // schedule: chunks of one width, aligned from the stream's end).
  bool delete_runs() {
    bool kept = false;
    for (const std::string& name : stream_order()) {
      const std::size_t start_size = stream_size(name);
      if (start_size > kMaxValuesToEdit) continue;
      std::size_t width = 1;
      while (width * 2 <= start_size / 2) width *= 2;
      for (; width >= 1; width /= 2) {
        std::size_t end = stream_size(name);
        while (end > 0 && !stopped()) {
          const std::size_t size = stream_size(name);  // a kept candidate may be shorter
          if (size == 0) break;
          end = std::min(end, size);
          const std::size_t begin = end > width ? end - width : 0;
          Candidate c = best_;
          std::vector<std::uint64_t>& v = c.choices.streams[name];
          v.erase(v.begin() + static_cast<std::ptrdiff_t>(begin),
                  v.begin() + static_cast<std::ptrdiff_t>(end));
          kept |= attempt(std::move(c), "deleted " + name + "[" + std::to_string(begin) + ".." +
                                            std::to_string(end) + ")");
          end = begin;
        }
      }
    }
    return kept;
  }

  bool lower_values() {
    bool kept = false;
    for (const std::string& name : stream_order()) {
      if (stream_size(name) > kMaxValuesToEdit) continue;
      // The whole stream halved, while that keeps failing; then value by value in streams
      // short enough to afford it.
      while (!stopped() && stream_size(name) > 0) {
        Candidate c = best_;
        for (std::uint64_t& v : c.choices.streams[name]) v /= 2;
        if (c.choices == best_.choices || !attempt(std::move(c), name + " halved")) break;
        kept = true;
      }
      if (stream_size(name) > kMaxValuesOneByOne) continue;
      for (std::size_t i = 0; i < stream_size(name) && !stopped(); ++i) {
        const std::uint64_t v = best_.choices.streams.at(name)[i];
        if (v == 0) continue;
        if (set_value(name, i, 0)) {
          kept = true;
          continue;
        }
        // Between 0 (which does not fail) and v (which does): a few bisection steps.
        std::uint64_t lo = 0, hi = v;
        for (int step = 0; step < kBisectSteps && !stopped(); ++step) {
          const std::uint64_t mid = lo + (hi - lo) / 2;
          if (mid == lo) break;
          if (set_value(name, i, mid)) {
            kept = true;
            hi = mid;
          } else {
            lo = mid;
          }
        }
      }
    }
    return kept;
  }

 private:
  static constexpr std::size_t kMaxValuesToEdit = 20'000;  // a stream longer is left whole
  static constexpr std::size_t kMaxValuesOneByOne = 256;  // lowered value by value
  static constexpr std::size_t kMaxValuesToRealign = 32;
  static constexpr int kBisectSteps = 8;

  std::size_t unit_count(const std::string& name) const {
    const auto it = best_.choices.units.find(name);
    return it == best_.choices.units.end() ? 0 : it->second.size();
  }

  // Where unit `i` of the stream starts; the stream's end for i == unit_count().
  std::size_t unit_start(const std::string& name, std::size_t i) const {
    const std::size_t size = stream_size(name);
    if (i >= unit_count(name)) return size;
    return std::min<std::size_t>(size, best_.choices.units.at(name)[i]);
  }

  std::size_t stream_size(const std::string& name) const {
    const auto it = best_.choices.streams.find(name);
    return it == best_.choices.streams.end() ? 0 : it->second.size();
  }

  // The shortest streams first: their edits are the cheapest, and a short stream (the
  // driver's, the fault decisions) often holds the one decision that matters.
  std::vector<std::string> stream_order() const {
    std::vector<std::pair<std::size_t, std::string>> by_size;
    for (const auto& [name, values] : best_.choices.streams) by_size.emplace_back(values.size(), name);
    std::sort(by_size.begin(), by_size.end());
    std::vector<std::string> out;
    for (auto& [size, name] : by_size) out.push_back(std::move(name));
    return out;
  }

  bool set_value(const std::string& name, std::size_t i, std::uint64_t value) {
    Candidate c = best_;
    std::vector<std::uint64_t>& values = c.choices.streams[name];
    if (i >= values.size()) return false;
    const std::uint64_t old = values[i];
    values[i] = value;
    return attempt(std::move(c), name + "[" + std::to_string(i) + "] " + std::to_string(old) +
                                     " -> " + std::to_string(value));
  }

  template <class Get, class Set>
  bool lower_flag(const std::string& flag, Get get, std::uint64_t floor, Set set) {
    const std::uint64_t now = get(best_.spec);
    std::vector<std::uint64_t> tries;
    for (std::uint64_t t : {floor, floor + 1, now / 2, now - 1}) {
      if (t >= floor && t < now && std::find(tries.begin(), tries.end(), t) == tries.end()) {
        tries.push_back(t);
      }
    }
    std::sort(tries.begin(), tries.end());
    for (std::uint64_t t : tries) {
      if (stopped()) break;
      Candidate c = best_;
      set(c.spec, t);
      if (attempt_realigned(c, flag + " " + std::to_string(t))) return true;
    }
    return false;
  }

  const ShrinkOptions& options_;
  bool out_of_time_ = false;
  std::string invariant_;
  Candidate best_;
  Trial best_trial_;
  Key best_key_{};
  std::uint64_t runs_ = 0;
};

}  // namespace

std::string_view shrink_stop_name(ShrinkStop s) {
  switch (s) {
    case ShrinkStop::kFixedPoint: return "fixed point";
    case ShrinkStop::kMaxRuns: return "max runs";
    case ShrinkStop::kBudget: return "budget";
  }
  return "?";
}

Trial run_trial_on(const RunSpec& spec, sim::ChoiceTape& tape) {
  const RunReport r = run_seed(spec, nullptr, &tape);
  Trial t;
  if (!r.violations.empty()) t.first = r.violations.front();
  t.size = {r.ops, r.crashes, r.faults_fired, r.events, 0};
  t.used = tape.recorded();
  t.fired = r.fired_by_kind;
  return t;
}

std::unique_ptr<sim::ChoiceTape> trial_tape(const RunSpec& spec, const sim::Choices* replay) {
  return replay != nullptr ? std::make_unique<sim::ChoiceTape>(spec.seed, *replay)
                           : std::make_unique<sim::ChoiceTape>(spec.seed, /*record=*/true);
}

Trial run_trial(const RunSpec& spec, const sim::Choices* replay) {
  return run_trial_on(spec, *trial_tape(spec, replay));
}

Result<ShrinkResult> shrink(const RunSpec& spec, const std::optional<sim::Choices>& from,
                            const ShrinkOptions& options) {
  Trial first = options.runner(spec, from ? &*from : nullptr);
  if (!first.first) return Status::invalid_argument("the run passes: there is no failure to shrink");
  ShrinkResult result;
  result.invariant = first.first->invariant;
  result.original_violation = *first.first;
  sim::Choices used = trimmed(std::move(first.used));
  first.size.choices = used.size();
  result.original = first.size;
  result.sized = first.sized;

  // Candidates get a step limit of their own (the original keeps the caller's).
  RunSpec bounded = spec;
  bounded.max_steps = std::min(spec.max_steps, std::max<std::uint64_t>(kMinCandidateSteps,
                                                                     4 * first.size.events));
  Shrinker s(options, result.invariant);
  s.start(Candidate{bounded, std::move(used)}, std::move(first));
  bool kept = true;
  while (kept && !s.stopped()) {
    kept = false;
    kept |= s.fewer_crashes_and_nodes();
    kept |= s.no_faults();
    kept |= s.smaller_shape();
    kept |= s.cut_short();
    kept |= s.delete_units();
    kept |= s.neutral_streams();
    kept |= s.delete_runs();
    kept |= s.lower_values();
  }
  result.stopped_by = s.stop_reason();
  result.exhausted = result.stopped_by != ShrinkStop::kFixedPoint;
  result.runs = s.runs();
  result.spec = s.best().spec;
  result.spec.max_steps = spec.max_steps;
  result.choices = s.best().choices;
  result.minimized = s.best_trial().size;
  result.minimized_violation = *s.best_trial().first;
  return result;
}

}  // namespace aurora::workloads
