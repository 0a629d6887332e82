// trace-diff (tools/trace_diff/README.md): the first divergence of two traces, classified
// (different event, extra events, missing events, and both at the end of a trace), with
// the ignores, the context, bad input as exit 2, memory bounded on a long stream, and the
// binary on real runs of sim.
#include "tools/trace_diff/trace_diff.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "tests/engine/temp_dir.h"
#include "tests/tools/run_sim.h"

namespace aurora::tools {

// For gtest's messages (found by argument-dependent lookup, so in the type's namespace).
void PrintTo(const FieldDifference& d, std::ostream* os) {
  *os << "{" << d.name << ", A " << d.a.value_or("absent") << ", B " << d.b.value_or("absent")
      << "}";
}

namespace {

using sim::TraceEvent;

// Event i of a synthetic trace (from 1). Every event differs from every other (`off`), so
// no alignment happens by chance unless a test makes it.
TraceEvent base_event(std::uint64_t i) {
  TraceEvent e;
  e.seq = i;
  e.t_ns = static_cast<Nanos>(i * 10);
  e.node = std::string("n").append(std::to_string(i % 3));
  e.fiber = i % 7;
  e.kind = i % 2 == 0 ? "fs.write" : "fs.read";
  e.fields = {{"path", std::string("data/w0.log")}, {"off", i * 512}, {"len", std::uint64_t{512}}};
  return e;
}

std::vector<TraceEvent> base_trace(std::uint64_t n) {
  std::vector<TraceEvent> out;
  for (std::uint64_t i = 1; i <= n; ++i) out.push_back(base_event(i));
  return out;
}

// The trace's text, numbered 1, 2, 3... in order, as a run writes it.
std::string to_text(std::vector<TraceEvent> events) {
  std::string out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    events[i].seq = i + 1;
    out.append(sim::format_trace_event(events[i])).append("\n");
  }
  return out;
}

Result<TraceDiffResult> diff_text(const std::string& a, const std::string& b,
                                  const TraceDiffOptions& options = {}) {
  std::istringstream a_stream(a);
  std::istringstream b_stream(b);
  return diff_traces(TraceInput{"a.jsonl", a_stream}, TraceInput{"b.jsonl", b_stream}, options);
}

TraceDiffResult diff_ok(const std::string& a, const std::string& b,
                        const TraceDiffOptions& options = {}) {
  Result<TraceDiffResult> r = diff_text(a, b, options);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::move(r).value() : TraceDiffResult{};
}

std::string report(const TraceDiffResult& r, const TraceDiffOptions& options = {}) {
  return format_trace_diff(r, "a.jsonl", "b.jsonl", options);
}

// How many lines of `text` start with `prefix`.
std::size_t lines_starting_with(const std::string& text, std::string_view prefix) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.starts_with(prefix) ? 1 : 0;
  return n;
}

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

TEST(TraceDiff, IdenticalTracesAreIdentical) {
  const std::string text = to_text(base_trace(100));
  const TraceDiffResult r = diff_ok(text, text);
  EXPECT_EQ(r.kind, DivergenceKind::kNone);
  EXPECT_EQ(r.matched, 100u);
  EXPECT_EQ(report(r), "--- A a.jsonl\n+++ B b.jsonl\nidentical: 100 events\n");
}

TEST(TraceDiff, TwoEmptyTracesAreIdentical) {
  EXPECT_EQ(diff_ok("", "").kind, DivergenceKind::kNone);
}

TEST(TraceDiff, SeqIsNotCompared) {
  // The same events, numbered from 1001 in B: seq is a position, not content.
  std::string b;
  for (TraceEvent e : base_trace(20)) {
    e.seq += 1000;
    b.append(sim::format_trace_event(e)).append("\n");
  }
  EXPECT_EQ(diff_ok(to_text(base_trace(20)), b).kind, DivergenceKind::kNone);
}

TEST(TraceDiff, AChangedFieldIsADifferentEventNamingTheFieldAndBothValues) {
  std::vector<TraceEvent> b = base_trace(100);
  b[49].fields[2].value = std::uint64_t{513};  // event 50's len
  const TraceDiffResult r = diff_ok(to_text(base_trace(100)), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(r.matched, 49u);
  ASSERT_EQ(r.a_events.size(), 1u);
  ASSERT_EQ(r.b_events.size(), 1u);
  EXPECT_EQ(r.a_events[0].line, 50u);
  EXPECT_EQ(r.b_events[0].line, 50u);
  EXPECT_EQ(r.differences, (std::vector<FieldDifference>{{"data.len", "512", "513"}}));
  const std::string text = report(r);
  EXPECT_TRUE(contains(text, "different event after 49 matching events\n")) << text;
  EXPECT_TRUE(contains(text, "  data.len: A 512, B 513\n")) << text;
  EXPECT_EQ(lines_starting_with(text, "- A line 50, seq 50 | "), 1u) << text;
  EXPECT_EQ(lines_starting_with(text, "+ B line 50, seq 50 | "), 1u) << text;
  EXPECT_FALSE(r.realigned.has_value());
}

TEST(TraceDiff, ListsEnvelopeKeysAndFieldsPresentOnOneSide) {
  std::vector<TraceEvent> b = base_trace(10);
  TraceEvent& e = b[4];
  e.t_ns += 1;
  e.node = "n9";
  e.fiber = 99;
  e.kind = "fs.sync";
  e.fields.erase(e.fields.begin());                 // path: only A has it
  e.fields.push_back({"wall_ns", std::int64_t{-7}});  // only B has it
  const TraceDiffResult r = diff_ok(to_text(base_trace(10)), to_text(b));
  ASSERT_EQ(r.kind, DivergenceKind::kDifferentEvent);
  const TraceEvent a = base_event(5);
  const std::vector<FieldDifference> expected = {
      {"t_ns", std::to_string(a.t_ns), std::to_string(a.t_ns + 1)},
      {"node", "\"n2\"", "\"n9\""},
      {"fiber", "5", "99"},
      {"kind", "\"fs.read\"", "\"fs.sync\""},
      {"data.path", "\"data/w0.log\"", std::nullopt},
      {"data.wall_ns", std::nullopt, "-7"},
  };
  EXPECT_EQ(r.differences, expected);
  const std::string text = report(r);
  EXPECT_TRUE(contains(text, "  data.path: A \"data/w0.log\", B absent\n")) << text;
  EXPECT_TRUE(contains(text, "  data.wall_ns: A absent, B -7\n")) << text;
}

TEST(TraceDiff, FieldsInAnotherOrderAreADifference) {
  std::vector<TraceEvent> b = base_trace(10);
  std::swap(b[2].fields[0], b[2].fields[1]);
  const TraceDiffResult r = diff_ok(to_text(base_trace(10)), to_text(b));
  ASSERT_EQ(r.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(r.differences, (std::vector<FieldDifference>{
                               {"data (field order)", "path, off, len", "off, path, len"}}));
}

TEST(TraceDiff, OneInsertedEventIsOneExtraEventAndNothingElse) {
  std::vector<TraceEvent> b = base_trace(100);
  TraceEvent extra = base_event(1000);
  b.insert(b.begin() + 49, extra);  // B's line 50; A's event 50 is B's 51, and so on
  const TraceDiffResult r = diff_ok(to_text(base_trace(100)), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kExtraEvents);
  EXPECT_EQ(r.count, 1u);
  EXPECT_FALSE(r.at_end);
  EXPECT_EQ(r.matched, 49u);
  ASSERT_EQ(r.b_events.size(), 1u);
  EXPECT_EQ(r.b_events[0].line, 50u);
  EXPECT_TRUE(r.a_events.empty());
  EXPECT_TRUE(r.differences.empty());
  ASSERT_TRUE(r.realigned.has_value());
  EXPECT_EQ(r.realigned->a.line, 50u);
  EXPECT_EQ(r.realigned->b_line, 51u);
  EXPECT_EQ(r.realigned->b_seq, 51u);
  const std::string text = report(r);
  EXPECT_TRUE(contains(text, "extra events: B has 1 extra event after 49 matching events\n"))
      << text;
  EXPECT_EQ(lines_starting_with(text, "+ "), 1u) << text;
  EXPECT_EQ(lines_starting_with(text, "- "), 0u) << text;
  EXPECT_EQ(lines_starting_with(text, "= A line 50, seq 50 | B line 51, seq 51 | "), 1u) << text;
  EXPECT_FALSE(contains(text, "fields that differ")) << text;
}

TEST(TraceDiff, SeveralInsertedEventsAreCountedAndTheShownOnesLimited) {
  std::vector<TraceEvent> b = base_trace(100);
  for (std::uint64_t i = 0; i < kMaxShownEvents + 5; ++i) b.insert(b.begin() + 20, base_event(1000 + i));
  const TraceDiffResult r = diff_ok(to_text(base_trace(100)), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kExtraEvents);
  EXPECT_EQ(r.count, kMaxShownEvents + 5);
  EXPECT_EQ(r.b_events.size(), kMaxShownEvents);
  const std::string text = report(r);
  EXPECT_TRUE(contains(text, "+ ... 5 more (B lines 31 to 35)\n")) << text;
}

TEST(TraceDiff, OneRemovedEventIsAMissingEvent) {
  std::vector<TraceEvent> b = base_trace(100);
  b.erase(b.begin() + 59, b.begin() + 61);  // A's events 60 and 61
  const TraceDiffResult r = diff_ok(to_text(base_trace(100)), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kMissingEvents);
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(r.matched, 59u);
  ASSERT_EQ(r.a_events.size(), 2u);
  EXPECT_EQ(r.a_events[0].line, 60u);
  EXPECT_EQ(r.a_events[1].line, 61u);
  EXPECT_TRUE(r.b_events.empty());
  ASSERT_TRUE(r.realigned.has_value());
  EXPECT_EQ(r.realigned->a.line, 62u);
  EXPECT_EQ(r.realigned->b_line, 60u);
  const std::string text = report(r);
  EXPECT_TRUE(contains(text, "missing events: B lacks 2 events of A after 59 matching events\n"))
      << text;
  EXPECT_EQ(lines_starting_with(text, "- A line "), 2u) << text;
  EXPECT_EQ(lines_starting_with(text, "+ "), 0u) << text;
}

TEST(TraceDiff, AnInsertionBeyondTheWindowIsADifferentEvent) {
  std::vector<TraceEvent> b = base_trace(50);
  for (std::uint64_t i = 0; i < 5; ++i) b.insert(b.begin() + 10, base_event(1000 + i));
  TraceDiffOptions options;
  options.window = 4;
  EXPECT_EQ(diff_ok(to_text(base_trace(50)), to_text(b), options).kind,
            DivergenceKind::kDifferentEvent);
  options.window = 5;
  const TraceDiffResult r = diff_ok(to_text(base_trace(50)), to_text(b), options);
  EXPECT_EQ(r.kind, DivergenceKind::kExtraEvents);
  EXPECT_EQ(r.count, 5u);
}

TEST(TraceDiff, ARecurringEventDoesNotMakeAChangedEventAnInsertion) {
  // A: ... P x1 x2 x3 ...   B: ... Q y1 P y3 y4 ...: A's P is B's third event, but what
  // follows it does not match, so B did not insert two events: its event changed.
  std::vector<TraceEvent> a = base_trace(30);
  std::vector<TraceEvent> b = base_trace(30);
  b[10] = base_event(500);
  b[11] = base_event(501);
  b[12] = a[10];
  b[13] = base_event(503);
  b[14] = base_event(504);
  const TraceDiffResult r = diff_ok(to_text(a), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(r.matched, 10u);
}

TEST(TraceDiff, TwoSwappedEventsAreADifferentEvent) {
  // In the middle, neither realignment is confirmed by the events after it.
  std::vector<TraceEvent> b = base_trace(30);
  std::swap(b[10], b[11]);
  TraceDiffResult r = diff_ok(to_text(base_trace(30)), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(r.matched, 10u);
  // At the end both are (the traces end right after): B skipping one event explains it
  // as well as A skipping one, so neither is the answer.
  b = base_trace(30);
  std::swap(b[28], b[29]);
  r = diff_ok(to_text(base_trace(30)), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(r.matched, 28u);
}

TEST(TraceDiff, AnInsertionJustBeforeTheEndIsStillAnExtraEvent) {
  std::vector<TraceEvent> b = base_trace(30);
  b.insert(b.begin() + 29, base_event(1000));  // before A's last event
  const TraceDiffResult r = diff_ok(to_text(base_trace(30)), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kExtraEvents);
  EXPECT_EQ(r.count, 1u);
  EXPECT_FALSE(r.at_end);
}

TEST(TraceDiff, AShorterIsExtraEventsOfBAtTheEnd) {
  const TraceDiffResult r = diff_ok(to_text(base_trace(90)), to_text(base_trace(100)));
  EXPECT_EQ(r.kind, DivergenceKind::kExtraEvents);
  EXPECT_TRUE(r.at_end);
  EXPECT_EQ(r.matched, 90u);
  EXPECT_EQ(r.count, 10u);
  EXPECT_FALSE(r.count_is_lower_bound);
  ASSERT_EQ(r.b_events.size(), 10u);
  EXPECT_EQ(r.b_events[0].line, 91u);
  EXPECT_FALSE(r.realigned.has_value());
  const std::string text = report(r);
  EXPECT_TRUE(contains(text, "extra events: A ends after 90 events, B has 10 more\n")) << text;
  EXPECT_EQ(lines_starting_with(text, "+ B line "), 10u) << text;
}

TEST(TraceDiff, BShorterIsMissingEventsAtTheEnd) {
  const TraceDiffResult r = diff_ok(to_text(base_trace(100)), to_text(base_trace(97)));
  EXPECT_EQ(r.kind, DivergenceKind::kMissingEvents);
  EXPECT_TRUE(r.at_end);
  EXPECT_EQ(r.matched, 97u);
  EXPECT_EQ(r.count, 3u);
  ASSERT_EQ(r.a_events.size(), 3u);
  EXPECT_EQ(r.a_events[0].line, 98u);
  EXPECT_TRUE(contains(report(r), "missing events: B ends after 97 events, A has 3 more\n"));
}

TEST(TraceDiff, WhatFollowsTheEndIsCountedUpToTheWindow) {
  TraceDiffOptions options;
  options.window = 20;
  const TraceDiffResult r = diff_ok("", to_text(base_trace(100)), options);
  EXPECT_EQ(r.kind, DivergenceKind::kExtraEvents);
  EXPECT_EQ(r.count, 20u);
  EXPECT_TRUE(r.count_is_lower_bound);
  const std::string text = report(r, options);
  EXPECT_TRUE(contains(text, "extra events: A ends after 0 events, B has at least 20 more\n"))
      << text;
  EXPECT_TRUE(contains(text, "+ ... at least 10 more (B lines 11 on)\n")) << text;
}

TEST(TraceDiff, IgnoringADataFieldMakesItsDifferencesVanish) {
  // Every event has a wall_ns that differs between the runs.
  std::vector<TraceEvent> a = base_trace(50);
  std::vector<TraceEvent> b = base_trace(50);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i].fields.push_back({"wall_ns", std::uint64_t{i * 3}});
    b[i].fields.push_back({"wall_ns", std::uint64_t{i * 5 + 1}});
  }
  b[30].fields.pop_back();  // and one event of B lacks it altogether
  const TraceDiffResult r = diff_ok(to_text(a), to_text(b));
  EXPECT_EQ(r.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(r.differences[0].name, "data.wall_ns");
  for (const char* name : {"wall_ns", "data.wall_ns"}) {
    TraceDiffOptions options;
    options.ignore = {name};
    const TraceDiffResult ignored = diff_ok(to_text(a), to_text(b), options);
    EXPECT_EQ(ignored.kind, DivergenceKind::kNone) << name << "\n" << report(ignored, options);
    EXPECT_TRUE(contains(report(ignored, options), "ignoring: data.wall_ns\n"));
  }
  // Ignoring a field does not hide another one.
  b[40].fields[1].value = std::uint64_t{1};
  TraceDiffOptions options;
  options.ignore = {"wall_ns"};
  const TraceDiffResult other = diff_ok(to_text(a), to_text(b), options);
  EXPECT_EQ(other.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(other.differences, (std::vector<FieldDifference>{{"data.off", "20992", "1"}}));
}

TEST(TraceDiff, IgnoringEnvelopeKeys) {
  std::vector<TraceEvent> b = base_trace(50);
  for (TraceEvent& e : b) {
    e.t_ns += 7;  // B's clock started later
    e.fiber += 1;
  }
  const std::string a = to_text(base_trace(50));
  const TraceDiffResult r = diff_ok(a, to_text(b));
  ASSERT_EQ(r.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(r.differences.size(), 2u);
  TraceDiffOptions options;
  options.ignore = {"t_ns"};
  const TraceDiffResult only_fiber = diff_ok(a, to_text(b), options);
  ASSERT_EQ(only_fiber.kind, DivergenceKind::kDifferentEvent);
  EXPECT_EQ(only_fiber.differences, (std::vector<FieldDifference>{{"fiber", "1", "2"}}));
  options.ignore = {"t_ns", "fiber"};
  EXPECT_EQ(diff_ok(a, to_text(b), options).kind, DivergenceKind::kNone);
  // node the same way.
  b = base_trace(50);
  b[3].node = "elsewhere";
  options.ignore = {"node"};
  EXPECT_EQ(diff_ok(a, to_text(b), options).kind, DivergenceKind::kNone);
}

TEST(TraceDiff, IgnoringSeqKindOrTheWholeDataIsRefused) {
  for (const char* name : {"seq", "kind", "data", "", "data."}) {
    TraceDiffOptions options;
    options.ignore = {"t_ns", name};
    const Status s = check_trace_diff_options(options);
    EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument) << name;
    EXPECT_TRUE(s.message().starts_with(std::string("--ignore ") + (name[0] ? name : "\"\"")))
        << s.message();
    const std::string text = to_text(base_trace(3));
    EXPECT_EQ(diff_text(text, text, options).kind(), ErrorKind::kInvalidArgument) << name;
  }
  TraceDiffOptions options;
  options.window = kMaxDiffWindow + 1;
  EXPECT_EQ(check_trace_diff_options(options).kind(), ErrorKind::kInvalidArgument);
  options = {};
  options.context = kMaxDiffContext + 1;
  EXPECT_EQ(check_trace_diff_options(options).kind(), ErrorKind::kInvalidArgument);
}

TEST(TraceDiff, ContextShowsExactlyTheNMatchingEventsBeforeTheDivergence) {
  std::vector<TraceEvent> b = base_trace(100);
  b[69].fiber = 1000;  // event 70
  for (std::size_t n : {0u, 1u, 3u, 10u}) {
    TraceDiffOptions options;
    options.context = n;
    const TraceDiffResult r = diff_ok(to_text(base_trace(100)), to_text(b), options);
    ASSERT_EQ(r.context.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(r.context[i].a.line, 70 - n + i);  // oldest first, up to event 69
      EXPECT_EQ(r.context[i].b_line, 70 - n + i);
    }
    EXPECT_EQ(lines_starting_with(report(r, options), "  A line "), n);
  }
  // Fewer events than that before the divergence: all of them.
  TraceDiffOptions options;
  options.context = 5;
  std::vector<TraceEvent> early = base_trace(10);
  early[2].fiber = 1000;
  EXPECT_EQ(diff_ok(to_text(base_trace(10)), to_text(early), options).context.size(), 2u);
}

TEST(TraceDiff, TheReportFormat) {
  // README.md's example, byte for byte: keep them together.
  std::vector<TraceEvent> a = base_trace(5);
  std::vector<TraceEvent> b = base_trace(5);
  b[3].t_ns = 45;
  TraceDiffOptions options;
  options.context = 2;
  options.ignore = {"wall_ns"};
  const TraceDiffResult r = diff_ok(to_text(a), to_text(b), options);
  EXPECT_EQ(
      report(r, options),
      "--- A a.jsonl\n"
      "+++ B b.jsonl\n"
      "ignoring: data.wall_ns\n"
      "different event after 3 matching events\n"
      "  A line 2, seq 2 | B line 2, seq 2 | "
      R"({"seq":2,"t_ns":20,"node":"n2","fiber":2,"kind":"fs.write","data":{"path":"data/w0.log","off":1024,"len":512}})"
      "\n"
      "  A line 3, seq 3 | B line 3, seq 3 | "
      R"({"seq":3,"t_ns":30,"node":"n0","fiber":3,"kind":"fs.read","data":{"path":"data/w0.log","off":1536,"len":512}})"
      "\n"
      "- A line 4, seq 4 | "
      R"({"seq":4,"t_ns":40,"node":"n1","fiber":4,"kind":"fs.write","data":{"path":"data/w0.log","off":2048,"len":512}})"
      "\n"
      "+ B line 4, seq 4 | "
      R"({"seq":4,"t_ns":45,"node":"n1","fiber":4,"kind":"fs.write","data":{"path":"data/w0.log","off":2048,"len":512}})"
      "\n"
      "fields that differ:\n"
      "  t_ns: A 40, B 45\n");
}

TEST(TraceDiff, AMalformedLineIsAnErrorNamingTheFileAndLine) {
  std::string b = to_text(base_trace(10));
  b.insert(b.find("{\"seq\":7,"), "{\"seq\":7,\"t_ns\":\n");  // line 7
  const Result<TraceDiffResult> r = diff_text(to_text(base_trace(10)), b);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.kind(), ErrorKind::kCorruption);
  EXPECT_TRUE(r.status().message().starts_with("b.jsonl: line 7: not JSON")) << r.status().message();
  // In A, found the same way.
  const Result<TraceDiffResult> in_a = diff_text("{}\n", to_text(base_trace(10)));
  ASSERT_FALSE(in_a.is_ok());
  EXPECT_TRUE(in_a.status().message().starts_with("a.jsonl: line 1: missing key")) << in_a.status().message();
}

// ---- Memory: a long trace is compared in bounded memory ----

// A trace produced line by line as it is read: a long one never exists in memory whole.
class GeneratedTrace : public std::streambuf {
 public:
  GeneratedTrace(std::uint64_t events, std::function<TraceEvent(std::uint64_t)> event)
      : events_(events), event_(std::move(event)) {}

 protected:
  int_type underflow() override {
    if (gptr() != nullptr && gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (next_ > events_) return traits_type::eof();
    TraceEvent e = event_(next_);
    e.seq = next_++;
    line_ = sim::format_trace_event(e);
    line_.push_back('\n');
    setg(line_.data(), line_.data(), line_.data() + line_.size());
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::uint64_t events_;
  std::function<TraceEvent(std::uint64_t)> event_;
  std::uint64_t next_ = 1;
  std::string line_;
};

#if defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kLongTraceEvents = 100'000;  // sanitizers run ten times slower
#else
constexpr std::uint64_t kLongTraceEvents = 500'000;
#endif

TEST(TraceDiff, ALongTraceIsComparedInBoundedMemory) {
  // B has one extra event ten events before the end.
  const std::uint64_t n = kLongTraceEvents;
  const std::uint64_t inserted_at = n - 10;
  GeneratedTrace a_buf(n, base_event);
  GeneratedTrace b_buf(n + 1, [&](std::uint64_t i) {
    if (i < inserted_at) return base_event(i);
    return i == inserted_at ? base_event(n * 10) : base_event(i - 1);
  });
  std::istream a(&a_buf);
  std::istream b(&b_buf);
  const TraceDiffOptions options;
  const Result<TraceDiffResult> r = diff_traces(TraceInput{"a", a}, TraceInput{"b", b}, options);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->kind, DivergenceKind::kExtraEvents);
  EXPECT_EQ(r->count, 1u);
  EXPECT_EQ(r->matched, inserted_at - 1);
  // Context, and at the divergence the lookahead of each side (which the end cuts short
  // here, so also a run that differs early).
  const std::size_t bound = options.context + 2 * (options.window + kRealignConfirmEvents);
  EXPECT_LE(r->peak_events_held, bound);
  EXPECT_GE(r->peak_events_held, options.context + 2);

  GeneratedTrace early_a(20'000, base_event);
  GeneratedTrace early_b(20'000, [](std::uint64_t i) { return base_event(i == 100 ? 1'000'000 : i); });
  std::istream ea(&early_a);
  std::istream eb(&early_b);
  const Result<TraceDiffResult> early = diff_traces(TraceInput{"a", ea}, TraceInput{"b", eb}, options);
  ASSERT_TRUE(early.is_ok()) << early.status().to_string();
  EXPECT_EQ(early->kind, DivergenceKind::kDifferentEvent);
  EXPECT_LE(early->peak_events_held, bound);
  // It did fill the whole lookahead on both sides: the bound is what it is.
  EXPECT_EQ(early->peak_events_held, bound);
}

TEST(TraceDiff, IdenticalLongTracesHoldOnlyTheContextAndOneEventEach) {
  GeneratedTrace a_buf(kLongTraceEvents / 5, base_event);
  GeneratedTrace b_buf(kLongTraceEvents / 5, base_event);
  std::istream a(&a_buf);
  std::istream b(&b_buf);
  const TraceDiffOptions options;
  const Result<TraceDiffResult> r = diff_traces(TraceInput{"a", a}, TraceInput{"b", b}, options);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->kind, DivergenceKind::kNone);
  EXPECT_EQ(r->matched, kLongTraceEvents / 5);
  EXPECT_EQ(r->peak_events_held, options.context + 2);
}

// ---- The binaries ----

struct ToolRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

ToolRun run_trace_diff(const aurora::testing::TempDir& dir, const std::string& args) {
  const std::string out = dir.path + "/stdout";
  const std::string err = dir.path + "/stderr";
  const std::string cmd =
      std::string(AURORA_TRACE_DIFF_BINARY).append(" ").append(args).append(" >").append(out).append(" 2>").append(err);
  const int status = std::system(cmd.c_str());
  ToolRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

TEST(TraceDiffBinary, ExitCodesAndMessagesForBadInput) {
  aurora::testing::TempDir dir;
  const std::string good = dir.path + "/good.jsonl";
  const std::string bad = dir.path + "/bad.jsonl";
  write_file(good, to_text(base_trace(5)));
  write_file(bad, to_text(base_trace(2)) + "not json\n");

  const ToolRun same = run_trace_diff(dir, good + " " + good);
  EXPECT_EQ(same.code, 0) << same.err;
  EXPECT_TRUE(contains(same.out, "identical: 5 events")) << same.out;

  const ToolRun malformed = run_trace_diff(dir, good + " " + bad);
  EXPECT_EQ(malformed.code, 2);
  EXPECT_TRUE(contains(malformed.err, "trace-diff: " + bad + ": line 3: not JSON")) << malformed.err;

  const ToolRun missing = run_trace_diff(dir, good + " " + dir.path + "/absent.jsonl");
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err, "cannot open " + dir.path + "/absent.jsonl: No such file"))
      << missing.err;

  const ToolRun directory = run_trace_diff(dir, dir.path + " " + good);
  EXPECT_EQ(directory.code, 2);
  EXPECT_TRUE(contains(directory.err, "trace-diff: " + dir.path + ": ")) << directory.err;

  const ToolRun kind = run_trace_diff(dir, "--ignore kind " + good + " " + good);
  EXPECT_EQ(kind.code, 2);
  EXPECT_TRUE(contains(kind.err, "--ignore kind: ")) << kind.err;
  EXPECT_EQ(run_trace_diff(dir, "--ignore seq " + good + " " + good).code, 2);
  EXPECT_EQ(run_trace_diff(dir, "--window 100001 " + good + " " + good).code, 2);
  EXPECT_EQ(run_trace_diff(dir, "--no-such-flag " + good + " " + good).code, 2);
  EXPECT_EQ(run_trace_diff(dir, good).code, 2);
  EXPECT_EQ(run_trace_diff(dir, "--help").code, 0);
}

TEST(TraceDiffBinary, IgnoreTakesOneNameEachTime) {
  aurora::testing::TempDir dir;
  const std::string a = dir.path + "/a.jsonl";
  const std::string b = dir.path + "/b.jsonl";
  std::vector<TraceEvent> later = base_trace(5);
  for (TraceEvent& e : later) {
    e.t_ns += 1;
    e.fiber += 1;
  }
  write_file(a, to_text(base_trace(5)));
  write_file(b, to_text(later));
  EXPECT_EQ(run_trace_diff(dir, a + " " + b).code, 1);
  EXPECT_EQ(run_trace_diff(dir, "--ignore t_ns " + a + " " + b).code, 1);
  const ToolRun both = run_trace_diff(dir, "--ignore t_ns " + a + " --ignore fiber " + b);
  EXPECT_EQ(both.code, 0) << both.out << both.err;
  EXPECT_TRUE(contains(both.out, "ignoring: t_ns, fiber\n")) << both.out;
}

// sim's trace of one run: `args` after --trace-json.
std::string sim_trace(const aurora::testing::TempDir& dir, const std::string& name,
                      const std::string& args) {
  const std::string path = dir.path + "/" + name;
  const aurora::testing::SimRun run =
      aurora::testing::run_sim(args + " --trace-json " + path, "", /*with_stderr=*/false);
  EXPECT_EQ(run.code, 0) << args << "\n" << run.output;
  return path;
}

TEST(TraceDiffBinary, TwoRunsOfOneSeedAreIdentical) {
  aurora::testing::TempDir dir;
  const std::string one = sim_trace(dir, "one.jsonl", "--seed 3 --ops 200");
  const std::string two = sim_trace(dir, "two.jsonl", "--seed 3 --ops 200");
  const ToolRun r = run_trace_diff(dir, one + " " + two);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "identical: ")) << r.out;
}

TEST(TraceDiffBinary, AChangedRunDiffers) {
  aurora::testing::TempDir dir;
  const std::string base = sim_trace(dir, "base.jsonl", "--seed 3 --ops 200");
  const std::string more_ops = sim_trace(dir, "ops.jsonl", "--seed 3 --ops 201");
  const std::string crashes = sim_trace(dir, "crashes.jsonl", "--seed 3 --ops 200 --crashes 0");
  for (const std::string& changed : {more_ops, crashes}) {
    const ToolRun r = run_trace_diff(dir, base + " " + changed);
    EXPECT_EQ(r.code, 1) << changed << "\n" << r.out << r.err;
    EXPECT_TRUE(r.out.starts_with("--- A " + base + "\n+++ B " + changed + "\n")) << r.out;
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
}

}  // namespace
}  // namespace aurora::tools
