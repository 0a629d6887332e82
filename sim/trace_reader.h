// Reading a trace back: one JSON Lines event (sim/TRACE_FORMAT.md) into a TraceEvent, and a
// line-at-a-time reader over a stream. The trace-diff tool compares runs with it.
//
// The reader is strict: a line that is not exactly one event as the TraceWriter writes it
// (not JSON, a missing, repeated or unknown key, a value of the wrong type, a field value
// that is not an integer, boolean or string, anything after the object) is kCorruption
// with a message that names the problem. It never throws and never trusts the input: memory
// is bounded by the line, and a stream's lines by kMaxTraceLineBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/runtime/time.h"

namespace aurora::sim {

// A field's value. JSON does not say whether the emitter's integer was signed or unsigned
// (the hash does, the text does not): a non-negative integer reads as std::uint64_t, a
// negative one as std::int64_t, so equal numbers compare equal.
using TraceValue = std::variant<std::uint64_t, std::int64_t, bool, std::string>;

// The value as it appears in the JSON text (strings quoted and escaped): for reports.
std::string format_trace_value(const TraceValue& value);

struct TraceField {
  std::string key;
  TraceValue value;
  friend bool operator==(const TraceField&, const TraceField&) = default;
};

// One event: the envelope of TRACE_FORMAT.md and the data fields in the order written.
struct TraceEvent {
  std::uint64_t seq = 0;
  Nanos t_ns = 0;  // >= 0
  std::string node;
  std::uint64_t fiber = 0;
  std::string kind;
  std::vector<TraceField> fields;

  // The first field named `key`, or nullptr.
  const TraceValue* find(std::string_view key) const;
  friend bool operator==(const TraceEvent&, const TraceEvent&) = default;
};

// The event as the TraceWriter writes it: envelope keys in their order, no whitespace. For
// reports; parse_trace_line() of a writer's line and this give back the same bytes.
std::string format_trace_event(const TraceEvent& event);

// Parses one line (without its newline; surrounding JSON whitespace is allowed).
// kCorruption naming the problem on anything but exactly one event.
Result<TraceEvent> parse_trace_line(std::string_view line);

// No line of a trace comes near this; a longer one is reported, not buffered.
inline constexpr std::size_t kMaxTraceLineBytes = 1 << 20;

// Reads a trace line by line. Errors are kCorruption "line N: <message>" (N counts from 1)
// or kIoError when the stream fails; after an error, next() goes on with the next line.
class TraceReader {
 public:
  explicit TraceReader(std::istream& in, std::size_t max_line_bytes = kMaxTraceLineBytes)
      : in_(in), max_line_bytes_(max_line_bytes) {}

  // The next event, or nullopt at the end of the input. A last line without its newline
  // is read like any other (it parses only if it is whole).
  Result<std::optional<TraceEvent>> next();
  // The number of the line next() read last (0 before the first).
  std::uint64_t line_number() const { return line_number_; }

 private:
  std::istream& in_;
  std::size_t max_line_bytes_;
  std::uint64_t line_number_ = 0;
  std::string line_;  // reused buffer
};

}  // namespace aurora::sim
