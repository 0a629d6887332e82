#include "tools/trace_diff/trace_diff.h"

#include <algorithm>
#include <deque>
#include <utility>

namespace aurora::tools {
namespace {

using sim::TraceEvent;
using sim::TraceField;
using sim::TraceValue;

// What --ignore leaves out, parsed once: the envelope keys as flags, the data fields by key.
struct IgnoreSet {
  bool t_ns = false;
  bool node = false;
  bool fiber = false;
  std::vector<std::string> data_keys;
  std::vector<std::string> described;  // "t_ns", "data.wall_ns": for the report, deduplicated

  bool data_key(std::string_view key) const {
    return std::find(data_keys.begin(), data_keys.end(), key) != data_keys.end();
  }
};

constexpr std::string_view kDataPrefix = "data.";

Status bad_ignore(std::string_view name, std::string_view why) {
  return Status::invalid_argument(
      std::string("--ignore ").append(name.empty() ? "\"\"" : name).append(": ").append(why));
}

Result<IgnoreSet> parse_ignores(const std::vector<std::string>& names) {
  IgnoreSet set;
  for (const std::string& name : names) {
    if (name == "seq") {
      return bad_ignore(name, "seq is never compared (it is an event's position in its trace)");
    }
    if (name == "kind") {
      return bad_ignore(name, "the kind is what an event is, events of two kinds never match "
                              "(to leave out a kind's events, filter the traces first)");
    }
    if (name == "data") {
      return bad_ignore(name, "name one data field (--ignore wall_ns or --ignore data.wall_ns)");
    }
    if (name.empty() || name == kDataPrefix) return bad_ignore(name, "an empty field name");
    std::string described;
    if (name == "t_ns" || name == "node" || name == "fiber") {
      (name == "t_ns" ? set.t_ns : name == "node" ? set.node : set.fiber) = true;
      described = name;
    } else {
      const std::string key =
          name.starts_with(kDataPrefix) ? name.substr(kDataPrefix.size()) : name;
      if (!set.data_key(key)) set.data_keys.push_back(key);
      described = std::string(kDataPrefix).append(key);
    }
    if (std::find(set.described.begin(), set.described.end(), described) == set.described.end()) {
      set.described.push_back(std::move(described));
    }
  }
  return set;
}

// The data fields, in order, leaving out the ignored ones. Order matters: it is part of
// the trace's content (and of its hash).
bool data_fields_match(const std::vector<TraceField>& a, const std::vector<TraceField>& b,
                       const IgnoreSet& ignore) {
  std::size_t i = 0;
  std::size_t j = 0;
  for (;;) {
    while (i < a.size() && ignore.data_key(a[i].key)) ++i;
    while (j < b.size() && ignore.data_key(b[j].key)) ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (a[i] != b[j]) return false;
    ++i;
    ++j;
  }
}

// Equal in everything but seq and the ignored fields. The cheap, usually decisive
// comparisons come first: this runs once per event of a trace.
bool events_match(const TraceEvent& a, const TraceEvent& b, const IgnoreSet& ignore) {
  if (a.kind != b.kind) return false;
  if (!ignore.t_ns && a.t_ns != b.t_ns) return false;
  if (!ignore.fiber && a.fiber != b.fiber) return false;
  if (!ignore.node && a.node != b.node) return false;
  return data_fields_match(a.fields, b.fields, ignore);
}

std::string json_string(const std::string& s) { return sim::format_trace_value(TraceValue(s)); }

std::string data_field_keys(const std::vector<TraceField>& fields, const IgnoreSet& ignore) {
  std::string out;
  for (const TraceField& f : fields) {
    if (ignore.data_key(f.key)) continue;
    if (!out.empty()) out.append(", ");
    out.append(f.key);
  }
  return out;
}

// Every way two events that do not match differ: the envelope in its order, then A's data
// fields in theirs, then the fields only B has.
std::vector<FieldDifference> event_differences(const TraceEvent& a, const TraceEvent& b,
                                               const IgnoreSet& ignore) {
  std::vector<FieldDifference> out;
  if (!ignore.t_ns && a.t_ns != b.t_ns) {
    out.push_back({"t_ns", std::to_string(a.t_ns), std::to_string(b.t_ns)});
  }
  if (!ignore.node && a.node != b.node) out.push_back({"node", json_string(a.node), json_string(b.node)});
  if (!ignore.fiber && a.fiber != b.fiber) {
    out.push_back({"fiber", std::to_string(a.fiber), std::to_string(b.fiber)});
  }
  if (a.kind != b.kind) out.push_back({"kind", json_string(a.kind), json_string(b.kind)});
  bool data_differs = false;
  for (const TraceField& f : a.fields) {
    if (ignore.data_key(f.key)) continue;
    const TraceValue* other = b.find(f.key);
    if (other != nullptr && *other == f.value) continue;
    data_differs = true;
    out.push_back({std::string(kDataPrefix).append(f.key), sim::format_trace_value(f.value),
                   other == nullptr ? std::nullopt
                                    : std::optional<std::string>(sim::format_trace_value(*other))});
  }
  for (const TraceField& f : b.fields) {
    if (ignore.data_key(f.key) || a.find(f.key) != nullptr) continue;
    data_differs = true;
    out.push_back({std::string(kDataPrefix).append(f.key), std::nullopt, sim::format_trace_value(f.value)});
  }
  // The same fields with the same values: then only their order can differ.
  if (!data_differs && !data_fields_match(a.fields, b.fields, ignore)) {
    out.push_back({"data (field order)", data_field_keys(a.fields, ignore),
                   data_field_keys(b.fields, ignore)});
  }
  return out;
}

// One trace being read: the events read but not yet compared, in order.
class TraceSide {
 public:
  explicit TraceSide(TraceInput input) : name_(std::move(input.name)), reader_(input.stream) {}

  // Reads until `n` events are held or the trace ends. An error names the trace.
  Status fill(std::size_t n) {
    while (ahead_.size() < n && !ended_) {
      Result<std::optional<TraceEvent>> next = reader_.next();
      if (!next.is_ok()) {
        return Status(next.kind(), std::string(name_).append(": ").append(next.status().message()));
      }
      if (!next->has_value()) {
        ended_ = true;
        break;
      }
      ahead_.push_back(PlacedEvent{std::move(**next), reader_.line_number()});
    }
    return Status::ok();
  }

  std::size_t held() const { return ahead_.size(); }
  bool ended() const { return ended_; }
  const PlacedEvent& at(std::size_t i) const { return ahead_[i]; }
  PlacedEvent pop_front() {
    PlacedEvent front = std::move(ahead_.front());
    ahead_.pop_front();
    return front;
  }

 private:
  std::string name_;
  sim::TraceReader reader_;
  std::deque<PlacedEvent> ahead_;
  bool ended_ = false;
};

// The last `capacity` matching events, overwritten in a circle.
class ContextRing {
 public:
  explicit ContextRing(std::size_t capacity) : capacity_(capacity) {}

  void push(MatchedEvent e) {
    if (capacity_ == 0) return;
    if (slots_.size() < capacity_) {
      slots_.push_back(std::move(e));
      return;
    }
    slots_[oldest_] = std::move(e);
    oldest_ = (oldest_ + 1) % capacity_;
  }
  std::size_t size() const { return slots_.size(); }
  // Oldest first.
  std::vector<MatchedEvent> take() && {
    std::rotate(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(oldest_), slots_.end());
    return std::move(slots_);
  }

 private:
  std::size_t capacity_;
  std::vector<MatchedEvent> slots_;
  std::size_t oldest_ = 0;
};

MatchedEvent matched(PlacedEvent a, const PlacedEvent& b) {
  return MatchedEvent{std::move(a), b.line, b.event.seq};
}

class Differ {
 public:
  Differ(TraceInput a, TraceInput b, const TraceDiffOptions& options, IgnoreSet ignore)
      : a_(std::move(a)),
        b_(std::move(b)),
        window_(options.window),
        ignore_(std::move(ignore)),
        context_(options.context) {}

  Result<TraceDiffResult> run() {
    for (;;) {
      AURORA_RETURN_IF_ERROR(fill(a_, 1));
      AURORA_RETURN_IF_ERROR(fill(b_, 1));
      if (a_.held() == 0 || b_.held() == 0) break;
      if (!events_match(a_.at(0).event, b_.at(0).event, ignore_)) break;
      const PlacedEvent b = b_.pop_front();
      context_.push(matched(a_.pop_front(), b));
      ++result_.matched;
    }
    if (a_.held() == 0 && b_.held() != 0) {
      AURORA_RETURN_IF_ERROR(trailing(b_, DivergenceKind::kExtraEvents, result_.b_events));
    } else if (b_.held() == 0 && a_.held() != 0) {
      AURORA_RETURN_IF_ERROR(trailing(a_, DivergenceKind::kMissingEvents, result_.a_events));
    } else if (a_.held() != 0) {
      AURORA_RETURN_IF_ERROR(classify());
    }
    result_.context = std::move(context_).take();
    return std::move(result_);
  }

 private:
  Status fill(TraceSide& side, std::size_t n) {
    AURORA_RETURN_IF_ERROR(side.fill(n));
    result_.peak_events_held =
        std::max(result_.peak_events_held, context_.size() + a_.held() + b_.held());
    return Status::ok();
  }

  // One trace has ended; `longer` goes on. Counts what follows, up to the window.
  Status trailing(TraceSide& longer, DivergenceKind kind, std::vector<PlacedEvent>& shown) {
    AURORA_RETURN_IF_ERROR(fill(longer, std::max<std::size_t>(window_, 1)));
    result_.kind = kind;
    result_.at_end = true;
    result_.count = longer.held();
    result_.count_is_lower_bound = !longer.ended();
    copy_front(longer, result_.count, shown);
    return Status::ok();
  }

  // The first pair differs: an insertion, a deletion or a changed event?
  Status classify() {
    AURORA_RETURN_IF_ERROR(fill(a_, window_ + kRealignConfirmEvents));
    AURORA_RETURN_IF_ERROR(fill(b_, window_ + kRealignConfirmEvents));
    const std::optional<std::size_t> extra = first_realignment(/*b_skips=*/true);
    const std::optional<std::size_t> missing = first_realignment(/*b_skips=*/false);
    // The nearer explanation wins. A tie (the last two events swapped, a repeating
    // pattern shifted) favours neither: a changed event says no more than the data does.
    if (extra && (!missing || *extra < *missing)) {
      result_.kind = DivergenceKind::kExtraEvents;
      result_.count = *extra;
      copy_front(b_, *extra, result_.b_events);
      result_.realigned = matched(a_.at(0), b_.at(*extra));
    } else if (missing && (!extra || *missing < *extra)) {
      result_.kind = DivergenceKind::kMissingEvents;
      result_.count = *missing;
      copy_front(a_, *missing, result_.a_events);
      result_.realigned = matched(a_.at(*missing), b_.at(0));
    } else {
      result_.kind = DivergenceKind::kDifferentEvent;
      result_.a_events.push_back(a_.at(0));
      result_.b_events.push_back(b_.at(0));
      result_.differences = event_differences(a_.at(0).event, b_.at(0).event, ignore_);
    }
    return Status::ok();
  }

  // The smallest k in [1, window] at which the traces meet again when B skips k events
  // (B has k extra) or A does (B lacks k of A's).
  std::optional<std::size_t> first_realignment(bool b_skips) const {
    for (std::size_t k = 1; k <= window_; ++k) {
      if (b_skips ? aligned(0, k) : aligned(k, 0)) return k;
    }
    return std::nullopt;
  }

  // A from `a_from` and B from `b_from` match for kRealignConfirmEvents events, or for at
  // least one and then a trace ends. fill() read that far, so an event missing here is
  // past the end of its trace.
  bool aligned(std::size_t a_from, std::size_t b_from) const {
    for (std::size_t j = 0; j < kRealignConfirmEvents; ++j) {
      if (a_from + j >= a_.held() || b_from + j >= b_.held()) return j > 0;
      if (!events_match(a_.at(a_from + j).event, b_.at(b_from + j).event, ignore_)) return false;
    }
    return true;
  }

  static void copy_front(const TraceSide& side, std::size_t n, std::vector<PlacedEvent>& out) {
    for (std::size_t i = 0; i < std::min(n, kMaxShownEvents); ++i) out.push_back(side.at(i));
  }

  TraceSide a_;
  TraceSide b_;
  std::size_t window_;
  IgnoreSet ignore_;
  ContextRing context_;
  TraceDiffResult result_;
};

// ---- The report (README.md shows it) ----

std::string events_phrase(std::uint64_t n, std::string_view adjective = "") {
  std::string out = std::to_string(n);
  out.append(" ");
  if (!adjective.empty()) out.append(adjective).append(" ");
  return out.append(n == 1 ? "event" : "events");
}

std::string position(char side, std::uint64_t line, std::uint64_t seq) {
  return std::string(1, side)
      .append(" line ")
      .append(std::to_string(line))
      .append(", seq ")
      .append(std::to_string(seq));
}

void append_pair(std::string& out, std::string_view marker, const MatchedEvent& m) {
  out.append(marker)
      .append(position('A', m.a.line, m.a.event.seq))
      .append(" | ")
      .append(position('B', m.b_line, m.b_seq))
      .append(" | ")
      .append(sim::format_trace_event(m.a.event))
      .append("\n");
}

// One side's events, then how many more there were and on which lines (a trace's events
// are on consecutive lines: a line that is not an event stops the comparison).
void append_one_sided(std::string& out, char side, const std::vector<PlacedEvent>& events,
                      std::uint64_t count, bool lower_bound) {
  const std::string marker = side == 'A' ? "- " : "+ ";
  for (const PlacedEvent& e : events) {
    out.append(marker)
        .append(position(side, e.line, e.event.seq))
        .append(" | ")
        .append(sim::format_trace_event(e.event))
        .append("\n");
  }
  if (events.empty() || count <= events.size()) return;
  const std::uint64_t first_line = events.back().line + 1;
  out.append(marker)
      .append(lower_bound ? "... at least " : "... ")
      .append(std::to_string(count - events.size()))
      .append(" more (")
      .append(1, side)
      .append(" lines ")
      .append(std::to_string(first_line));
  if (lower_bound) {
    out.append(" on)\n");
  } else {
    out.append(" to ").append(std::to_string(events.front().line + count - 1)).append(")\n");
  }
}

std::string_view value_or_absent(const std::optional<std::string>& v) {
  return v ? std::string_view(*v) : std::string_view("absent");
}

std::string summary_line(const TraceDiffResult& r) {
  const std::string after = std::string(" after ").append(events_phrase(r.matched, "matching"));
  const std::string count =
      std::string(r.count_is_lower_bound ? "at least " : "").append(std::to_string(r.count));
  switch (r.kind) {
    case DivergenceKind::kNone:
      return std::string("identical: ").append(events_phrase(r.matched));
    case DivergenceKind::kDifferentEvent:
      return std::string("different event").append(after);
    case DivergenceKind::kExtraEvents:
      if (r.at_end) {
        return std::string("extra events: A ends after ")
            .append(events_phrase(r.matched))
            .append(", B has ")
            .append(count)
            .append(" more");
      }
      return std::string("extra events: B has ").append(events_phrase(r.count, "extra")).append(after);
    case DivergenceKind::kMissingEvents:
      if (r.at_end) {
        return std::string("missing events: B ends after ")
            .append(events_phrase(r.matched))
            .append(", A has ")
            .append(count)
            .append(" more");
      }
      return std::string("missing events: B lacks ")
          .append(events_phrase(r.count))
          .append(" of A")
          .append(after);
  }
  return "";
}

}  // namespace

Status check_trace_diff_options(const TraceDiffOptions& options) {
  if (options.context > kMaxDiffContext) {
    return Status::invalid_argument(
        std::string("--context ").append(std::to_string(options.context)).append(": at most ").append(std::to_string(kMaxDiffContext)));
  }
  if (options.window > kMaxDiffWindow) {
    return Status::invalid_argument(
        std::string("--window ").append(std::to_string(options.window)).append(": at most ").append(std::to_string(kMaxDiffWindow)));
  }
  Result<IgnoreSet> ignore = parse_ignores(options.ignore);
  return ignore.is_ok() ? Status::ok() : ignore.status();
}

std::string_view divergence_kind_name(DivergenceKind kind) {
  switch (kind) {
    case DivergenceKind::kNone:
      return "identical";
    case DivergenceKind::kDifferentEvent:
      return "different event";
    case DivergenceKind::kExtraEvents:
      return "extra events";
    case DivergenceKind::kMissingEvents:
      return "missing events";
  }
  return "?";
}

Result<TraceDiffResult> diff_traces(TraceInput a, TraceInput b, const TraceDiffOptions& options) {
  AURORA_RETURN_IF_ERROR(check_trace_diff_options(options));
  Result<IgnoreSet> ignore = parse_ignores(options.ignore);
  if (!ignore.is_ok()) return ignore.status();
  return Differ(std::move(a), std::move(b), options, std::move(ignore).value()).run();
}

std::string format_trace_diff(const TraceDiffResult& r, std::string_view a_name,
                              std::string_view b_name, const TraceDiffOptions& options) {
  std::string out("--- A ");
  out.append(a_name).append("\n+++ B ").append(b_name).append("\n");
  const Result<IgnoreSet> ignore = parse_ignores(options.ignore);
  if (ignore.is_ok() && !ignore->described.empty()) {
    out.append("ignoring: ");
    for (std::size_t i = 0; i < ignore->described.size(); ++i) {
      out.append(i == 0 ? "" : ", ").append(ignore->described[i]);
    }
    out.append("\n");
  }
  out.append(summary_line(r)).append("\n");
  if (r.kind == DivergenceKind::kNone) return out;
  for (const MatchedEvent& m : r.context) append_pair(out, "  ", m);
  append_one_sided(out, 'A', r.a_events, r.kind == DivergenceKind::kMissingEvents ? r.count : 1,
                   r.count_is_lower_bound);
  append_one_sided(out, 'B', r.b_events, r.kind == DivergenceKind::kExtraEvents ? r.count : 1,
                   r.count_is_lower_bound);
  if (r.realigned) append_pair(out, "= ", *r.realigned);
  if (!r.differences.empty()) {
    out.append("fields that differ:\n");
    for (const FieldDifference& d : r.differences) {
      out.append("  ")
          .append(d.name)
          .append(": A ")
          .append(value_or_absent(d.a))
          .append(", B ")
          .append(value_or_absent(d.b))
          .append("\n");
    }
  }
  return out;
}

}  // namespace aurora::tools
