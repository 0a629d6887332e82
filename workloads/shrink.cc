#include "workloads/shrink.h"

#include <algorithm>
#include <array>
#include <utility>

namespace aurora::workloads {

namespace {

// Past a stream's end the tape answers 0, so trailing zeros say nothing: cut them, and
// streams left empty.
sim::Choices trimmed(sim::Choices c) {
  for (auto it = c.streams.begin(); it != c.streams.end();) {
    std::vector<std::uint64_t>& v = it->second;
    while (!v.empty() && v.back() == 0) v.pop_back();
    it = v.empty() ? c.streams.erase(it) : std::next(it);
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
using Key = std::array<std::uint64_t, 9>;

Key key_of(const RunSpec& spec, const RunSize& r, const sim::Choices& c) {
  const RunShape s = run_shape(spec);
  return {r.ops,     r.crashes, r.faults, c.size(), saturating_sum(c),
          s.ops,     s.crashes, s.nodes,  static_cast<std::uint64_t>(s.regime)};
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
    if (out_of_runs()) return false;
    ++runs_;
    Trial trial = options_.runner(c.spec, &c.choices);
    if (!trial.first || trial.first->invariant != invariant_) return false;
    sim::Choices used = trimmed(std::move(trial.used));
    const Key key = key_of(c.spec, trial.size, used);
    if (!(key < best_key_)) return false;
    if (options_.on_step) {
      options_.on_step(what + ": ops " + std::to_string(best_trial_.size.ops) + " -> " +
                       std::to_string(trial.size.ops) + ", crashes " +
                       std::to_string(best_trial_.size.crashes) + " -> " +
                       std::to_string(trial.size.crashes) + ", choices " +
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
      for (std::size_t cut = 1; cut <= zeros && !out_of_runs(); ++cut) {
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
    kept |= lower_flag("--crashes", [](const RunShape& s) { return s.crashes; }, 0,
                       [](RunSpec& r, std::uint64_t n) { r.crashes = static_cast<std::uint32_t>(n); });
    if (best_.spec.workload == WorkloadKind::kMtr || best_.spec.workload == WorkloadKind::kFileChurn) {
      kept |= lower_flag("--nodes", [](const RunShape& s) { return s.nodes; }, 1,
                         [](RunSpec& r, std::uint64_t n) { r.nodes = static_cast<std::uint32_t>(n); });
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
    const auto faults = best_.choices.streams.find("faults");
    if (faults == best_.choices.streams.end()) return kept;
    {
      Candidate c = best_;
      c.choices.streams.erase("faults");
      if (attempt(std::move(c), "no fault fires")) return true;
    }
    for (std::size_t i = 0; !out_of_runs(); ++i) {
      const auto it = best_.choices.streams.find("faults");
      if (it == best_.choices.streams.end() || i >= it->second.size()) break;
      if (it->second[i] == 0) continue;
      Candidate c = best_;
      c.choices.streams["faults"][i] = 0;
      kept |= attempt(std::move(c), "fault decision " + std::to_string(i) + " made 0");
    }
    return kept;
  }

  // The smallest --ops that still fails, by bisection.
  bool cut_short() {
    std::uint64_t lo = 0;  // taken not to fail
    std::uint64_t hi = run_shape(best_.spec).ops;
    bool kept = false;
    while (hi - lo > 1 && !out_of_runs()) {
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
      if (stream_size(name) == 0 || out_of_runs()) continue;
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
        while (end > 0 && !out_of_runs()) {
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
      while (!out_of_runs() && stream_size(name) > 0) {
        Candidate c = best_;
        for (std::uint64_t& v : c.choices.streams[name]) v /= 2;
        if (c.choices == best_.choices || !attempt(std::move(c), name + " halved")) break;
        kept = true;
      }
      if (stream_size(name) > kMaxValuesOneByOne) continue;
      for (std::size_t i = 0; i < stream_size(name) && !out_of_runs(); ++i) {
        const std::uint64_t v = best_.choices.streams.at(name)[i];
        if (v == 0) continue;
        if (set_value(name, i, 0)) {
          kept = true;
          continue;
        }
        // Between 0 (which does not fail) and v (which does): a few bisection steps.
        std::uint64_t lo = 0, hi = v;
        for (int step = 0; step < kBisectSteps && !out_of_runs(); ++step) {
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
    const std::uint64_t now = get(run_shape(best_.spec));
    std::vector<std::uint64_t> tries;
    for (std::uint64_t t : {floor, floor + 1, now / 2, now - 1}) {
      if (t >= floor && t < now && std::find(tries.begin(), tries.end(), t) == tries.end()) {
        tries.push_back(t);
      }
    }
    std::sort(tries.begin(), tries.end());
    for (std::uint64_t t : tries) {
      Candidate c = best_;
      set(c.spec, t);
      if (attempt_realigned(c, flag + " " + std::to_string(t))) return true;
    }
    return false;
  }

  const ShrinkOptions& options_;
  std::string invariant_;
  Candidate best_;
  Trial best_trial_;
  Key best_key_{};
  std::uint64_t runs_ = 0;
};

}  // namespace

Trial run_trial_on(const RunSpec& spec, sim::ChoiceTape& tape) {
  const RunReport r = run_seed(spec, nullptr, &tape);
  Trial t;
  if (!r.violations.empty()) t.first = r.violations.front();
  t.size = {r.ops, r.crashes, r.faults_fired, r.events, 0};
  t.used = tape.recorded();
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
  while (kept && !s.out_of_runs()) {
    kept = false;
    kept |= s.fewer_crashes_and_nodes();
    kept |= s.no_faults();
    kept |= s.cut_short();
    kept |= s.neutral_streams();
    kept |= s.delete_runs();
    kept |= s.lower_values();
  }
  result.exhausted = s.out_of_runs();
  result.runs = s.runs();
  result.spec = s.best().spec;
  result.spec.max_steps = spec.max_steps;
  result.choices = s.best().choices;
  result.minimized = s.best_trial().size;
  result.minimized_violation = *s.best_trial().first;
  return result;
}

}  // namespace aurora::workloads
