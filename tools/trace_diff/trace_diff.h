// trace-diff: where two traces (sim/TRACE_FORMAT.md) first part, and how.
//
// The traces are read in lockstep, one event of each at a time. Two events match when
// they are equal in everything but `seq` (an event's position: after an inserted event
// every later seq shifts) and the ignored fields. At the first pair that does not match,
// the comparison looks ahead at most `window` events on each side to tell an insertion or
// a deletion from a changed event (the rules are in README.md, next to this file), and
// stops: only the first divergence is reported.
//
// Memory is bounded whatever the traces' length: the last `context` matching events, and
// at the divergence `window + kRealignConfirmEvents` events of each side, never a whole
// trace. `TraceDiffResult::peak_events_held` counts it, so a test can hold it to that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/status.h"
#include "sim/trace_reader.h"

namespace aurora::tools {

inline constexpr std::size_t kDefaultDiffContext = 3;
inline constexpr std::size_t kMaxDiffContext = 10'000;
inline constexpr std::size_t kDefaultDiffWindow = 256;
inline constexpr std::size_t kMaxDiffWindow = 100'000;
// A realignment counts only when this many events in a row match after it (or a trace
// ends sooner). One matching event is not enough: events recur (the same fiber picked at
// the same virtual time), and a changed event would be mistaken for an insertion.
inline constexpr std::size_t kRealignConfirmEvents = 3;
// A report prints at most this many extra or missing events; it counts them all.
inline constexpr std::size_t kMaxShownEvents = 10;

struct TraceDiffOptions {
  // Left out of the comparison: an envelope key (t_ns, node, fiber) or a data field by
  // name (wall_ns, or data.wall_ns for a data field named like an envelope key).
  std::vector<std::string> ignore;
  std::size_t context = kDefaultDiffContext;  // matching events shown before a divergence
  std::size_t window = kDefaultDiffWindow;    // how far to look for a realignment
};

// kInvalidArgument naming the problem: --ignore of seq, kind, data or an empty name, a
// context or window above its limit. diff_traces() checks this itself.
Status check_trace_diff_options(const TraceDiffOptions& options);

// One trace to compare: its stream, and the name that reports and errors give it.
struct TraceInput {
  std::string name;
  std::istream& stream;
};

enum class DivergenceKind : std::uint8_t {
  kNone,            // identical (after the ignores)
  kDifferentEvent,  // A's event and B's event differ, and no realignment explains it
  kExtraEvents,     // B has events that A does not (or goes on after A ends)
  kMissingEvents,   // B lacks events that A has (or ends before A)
};

// "different event", "extra events", ... as a report's first word.
std::string_view divergence_kind_name(DivergenceKind kind);

// An event and where it was: its line in its file (its seq is in the event).
struct PlacedEvent {
  sim::TraceEvent event;
  std::uint64_t line = 0;
};

// A pair of events that match: A's version, and where B's was.
struct MatchedEvent {
  PlacedEvent a;
  std::uint64_t b_line = 0;
  std::uint64_t b_seq = 0;
};

// One way two events differ. `name` is t_ns, node, fiber, kind or data.<key>, or
// "data (field order)" when the data fields are the same but in another order; the
// values are as the JSON writes them, nullopt when that side does not have the field.
struct FieldDifference {
  std::string name;
  std::optional<std::string> a;
  std::optional<std::string> b;
  friend bool operator==(const FieldDifference&, const FieldDifference&) = default;
};

struct TraceDiffResult {
  DivergenceKind kind = DivergenceKind::kNone;
  // Pairs that matched before the divergence (with kNone: every event of each trace).
  std::uint64_t matched = 0;
  // Extra or missing: how many events, and whether one trace had ended. Then `count` is
  // what followed in the other, read up to max(window, 1) events: `count_is_lower_bound`
  // when that limit was reached before the end.
  std::uint64_t count = 0;
  bool at_end = false;
  bool count_is_lower_bound = false;
  // The last `context` matching events before the divergence, oldest first.
  std::vector<MatchedEvent> context;
  // Different event: A's and B's. Missing: A's events that B lacks; extra: B's events
  // that A lacks (at most kMaxShownEvents of them).
  std::vector<PlacedEvent> a_events;
  std::vector<PlacedEvent> b_events;
  // Extra or missing before either trace ends: the pair where the traces meet again.
  std::optional<MatchedEvent> realigned;
  // Different event: every field that differs.
  std::vector<FieldDifference> differences;
  // The most events the comparison held at once (context and lookahead of both sides).
  std::size_t peak_events_held = 0;
};

// Compares A with B. An error names the input and the problem: kCorruption
// "<name>: line N: <reader's message>" for a line that is not an event, kIoError when a
// stream fails, kInvalidArgument for bad options.
Result<TraceDiffResult> diff_traces(TraceInput a, TraceInput b, const TraceDiffOptions& options);

// The report of README.md (ends with a newline).
std::string format_trace_diff(const TraceDiffResult& result, std::string_view a_name,
                              std::string_view b_name, const TraceDiffOptions& options);

}  // namespace aurora::tools
