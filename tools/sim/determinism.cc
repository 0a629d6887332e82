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

// The third run: checks it reaches the bracket with run 1's hash, and keeps its lines there.
class BracketPicker final : public sim::TraceWriter {
 public:
  explicit BracketPicker(const Bracket& b) : bracket_(b), reached_(b.after == 0) {}
  void write_line(std::string_view json) override {
    ++seen_;
    hash_.add(json);
    if (seen_ == bracket_.after) reached_ = hash_.value() == bracket_.hash_after;
    if (seen_ > bracket_.after && seen_ <= bracket_.upto) lines_.emplace_back(json);
  }
  bool reached() const { return reached_; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  const Bracket& bracket_;
  LineHash hash_;
  std::uint64_t seen_ = 0;
  bool reached_;
  std::vector<std::string> lines_;
};

// The first place where run 1's lines (`first`, from run 3) and run 2's differ inside the
// bracket, with the context before it.
Divergence locate(const Bracket& b, const std::vector<std::string>& first, std::size_t context) {
  const std::vector<std::string>& second = b.second;
  std::size_t i = 0;
  while (i < first.size() && i < second.size() && first[i] == second[i]) ++i;
  Divergence d;
  if (i == first.size() && i == second.size()) {
    // The third run matches run 2 where run 1 did not: run 1 was the odd one.
    d.event = b.upto;
    d.first_confirmed = false;
    if (!first.empty()) d.first = first.back();
    if (!second.empty()) d.second = second.back();
    i = second.empty() ? 0 : second.size() - 1;
  } else {
    d.event = b.after + i + 1;
    if (i < first.size()) d.first = first[i];
    if (i < second.size()) d.second = second[i];
  }
  std::vector<std::string> before = b.before;
  before.insert(before.end(), second.begin(), second.begin() + static_cast<std::ptrdiff_t>(i));
  const std::size_t from = before.size() > context ? before.size() - context : 0;
  d.before.assign(before.begin() + static_cast<std::ptrdiff_t>(from), before.end());
  return d;
}

}  // namespace

void LineHash::add(std::string_view line) {
  h_ = (h_ ^ line_hash(line)) * 0x9e3779b97f4a7c15ULL;
  h_ ^= h_ >> 29;
}

void TraceRecorder::write_line(std::string_view json) {
  hash_.add(json);
  checkpoints_.add(++events_, hash_.value());
}

TraceComparer::TraceComparer(const TraceRecorder& first, std::size_t context)
    : first_(first), context_(context), points_(first.checkpoints().points()) {}

void TraceComparer::write_line(std::string_view json) {
  ++seen_;
  if (found_) return;
  if (seen_ == first_.events() + 1) {
    // Run 2 goes on past run 1's end, which matched (or found_ would be set).
    found_ = Bracket{.after = seen_ - 1, .upto = seen_, .hash_after = hash_.value(),
                     .before = {before_.begin(), before_.end()}, .second = {std::string(json)},
                     .second_went_on = true};
    return;
  }
  hash_.add(json);
  window_.emplace_back(json);
  if (next_point_ < points_.size() && points_[next_point_].first == seen_) {
    check(seen_, points_[next_point_++].second);
  } else if (seen_ == first_.events()) {
    check(seen_, first_.final_hash());
  }
}

void TraceComparer::check(std::uint64_t at, std::uint64_t expected) {
  if (hash_.value() != expected) {
    found_ = Bracket{.after = matched_upto_, .upto = at, .hash_after = matched_hash_,
                     .before = {before_.begin(), before_.end()}, .second = std::move(window_)};
    window_.clear();
    return;
  }
  matched_upto_ = at;
  matched_hash_ = expected;
  const std::size_t keep = std::min(context_, window_.size());
  for (std::size_t i = window_.size() - keep; i < window_.size(); ++i) {
    before_.push_back(std::move(window_[i]));
  }
  while (before_.size() > context_) before_.pop_front();
  window_.clear();
}

std::optional<Bracket> TraceComparer::finish() {
  if (found_ || seen_ >= first_.events()) return std::move(found_);
  // Run 2 ended first, matching run 1 as far as the last checkpoint it reached.
  const std::uint64_t next =
      next_point_ < points_.size() ? points_[next_point_].first : first_.events();
  return Bracket{.after = matched_upto_, .upto = std::min(next, first_.events()),
                 .hash_after = matched_hash_, .before = {before_.begin(), before_.end()},
                 .second = std::move(window_)};
}

std::optional<Divergence> find_divergence(const std::function<void(sim::TraceWriter&)>& run,
                                          std::size_t context) {
  TraceRecorder first;
  run(first);
  TraceComparer second(first, context);
  run(second);
  std::optional<Bracket> bracket = second.finish();
  if (!bracket) return std::nullopt;
  if (bracket->second_went_on) return locate(*bracket, {}, context);  // nothing of run 1 there
  BracketPicker third(*bracket);
  run(third);
  Divergence d = locate(*bracket, third.lines(), context);
  d.first_confirmed = d.first_confirmed && third.reached();
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
