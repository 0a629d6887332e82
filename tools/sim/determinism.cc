#include "tools/sim/determinism.h"

namespace aurora::tools {
namespace {

std::uint64_t line_hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a: stable, and enough to tell lines apart
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The third run: keeps event `target` and checks the events before it against run 1.
class EventPicker final : public sim::TraceWriter {
 public:
  EventPicker(const std::vector<std::uint64_t>& expected, std::uint64_t target)
      : expected_(expected), target_(target) {}
  void write_line(std::string_view json) override {
    ++seen_;
    if (seen_ < target_ && (seen_ > expected_.size() || expected_[seen_ - 1] != line_hash(json))) {
      matched_ = false;
    }
    if (seen_ == target_) line_ = json;
  }
  bool matched() const { return matched_; }
  const std::string& line() const { return line_; }

 private:
  const std::vector<std::uint64_t>& expected_;
  std::uint64_t target_;
  std::uint64_t seen_ = 0;
  bool matched_ = true;
  std::string line_;
};

}  // namespace

void TraceRecorder::write_line(std::string_view json) { hashes_.push_back(line_hash(json)); }

void TraceComparer::write_line(std::string_view json) {
  ++seen_;
  if (found_) return;
  if (seen_ > expected_.size() || expected_[seen_ - 1] != line_hash(json)) {
    found_ = Divergence{.event = seen_,
                        .before = {recent_.begin(), recent_.end()},
                        .second = std::string(json)};
    recent_.clear();
    return;
  }
  recent_.emplace_back(json);
  if (recent_.size() > context_) recent_.pop_front();
}

std::optional<Divergence> TraceComparer::finish() const {
  if (found_) return found_;
  if (seen_ == expected_.size()) return std::nullopt;
  // Run 2 ended first: its missing event is the divergence.
  return Divergence{.event = seen_ + 1, .before = {recent_.begin(), recent_.end()}};
}

std::optional<Divergence> find_divergence(const std::function<void(sim::TraceWriter&)>& run,
                                          std::size_t context) {
  TraceRecorder first;
  run(first);
  TraceComparer second(first.hashes(), context);
  run(second);
  std::optional<Divergence> d = second.finish();
  if (!d) return std::nullopt;
  if (d->event <= first.hashes().size()) {
    EventPicker third(first.hashes(), d->event);
    run(third);
    d->first = third.line();
    d->first_confirmed = third.matched();
  }
  return d;
}

std::optional<Divergence> check_determinism(const workloads::RunSpec& spec, std::size_t context) {
  return find_divergence([&](sim::TraceWriter& w) { (void)workloads::run_seed(spec, &w); },
                         context);
}

std::string Divergence::summary() const {
  const char* kind = first.empty() ? "run 1 ended there, run 2 went on"
                     : second.empty() ? "run 2 ended there, run 1 went on"
                                      : "the event differs";
  return "the runs part at event " + std::to_string(event) + " (" + kind + "); run 1: " +
         (first.empty() ? std::string("(no event)") : first) +
         "; run 2: " + (second.empty() ? std::string("(no event)") : second);
}

std::string Divergence::describe() const {
  std::string out = "the runs are the same up to event " + std::to_string(event - 1) +
                    " and part at event " + std::to_string(event) + "\n";
  if (!before.empty()) {
    out += "  the events before it (the same in both runs):\n";
    for (const std::string& line : before) out += "    " + line + "\n";
  }
  out += "  run 1: " + (first.empty() ? std::string("(the run had ended)") : first) + "\n";
  out += "  run 2: " + (second.empty() ? std::string("(the run had ended)") : second) + "\n";
  if (!first_confirmed) {
    out += "  (a third run did not match run 1 before that event either: run 1's event above "
           "is the third run's)\n";
  }
  return out;
}

}  // namespace aurora::tools
