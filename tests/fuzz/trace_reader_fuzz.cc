// The trace reader (sim/trace_reader.h) on arbitrary bytes: one line, and the same bytes as
// a stream of lines. Bad input is kCorruption, never an exception or a crash; an event it
// accepts prints (format_trace_event) as a line that reads back to the same event; the
// stream reader ends after at most one call per line.
#include <sstream>
#include <string>

#include "sim/trace_reader.h"
#include "tests/fuzz/fuzz_support.h"

namespace aurora::fuzz {
namespace {

void check_line(std::string_view line) {
  const Result<sim::TraceEvent> event = sim::parse_trace_line(line);
  if (!event.is_ok()) {
    if (event.kind() != ErrorKind::kCorruption) finding("parse_trace_line: not kCorruption");
    if (event.status().message().empty()) finding("parse_trace_line: an error without a message");
    return;
  }
  const std::string formatted = sim::format_trace_event(*event);
  const Result<sim::TraceEvent> again = sim::parse_trace_line(formatted);
  if (!again.is_ok())
    finding("parse_trace_line refuses what format_trace_event printed: " + formatted);
  if (!(*again == *event)) finding("format_trace_event then parse_trace_line gives another event");
}

void check_stream(std::string_view text) {
  std::istringstream in{std::string(text)};
  // A small line limit, so that the reader's handling of overlong lines is reached too.
  sim::TraceReader reader(in, /*max_line_bytes=*/512);
  const std::size_t max_calls = text.size() + 2;  // one line needs at least one byte
  for (std::size_t calls = 0;; ++calls) {
    if (calls > max_calls) finding("TraceReader::next() does not reach the end of its input");
    const Result<std::optional<sim::TraceEvent>> event = reader.next();
    if (!event.is_ok()) {
      if (event.kind() != ErrorKind::kCorruption) finding("TraceReader::next: not kCorruption");
      if (event.status().message().rfind("line ", 0) != 0) {
        finding("TraceReader::next: an error that does not name its line");
      }
      continue;
    }
    if (!event->has_value()) break;
  }
}

}  // namespace
}  // namespace aurora::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = aurora::fuzz::text_of(data, size);
  aurora::fuzz::check_line(text);
  aurora::fuzz::check_stream(text);
  return 0;
}
