#include "sim/trace_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "sim/world.h"

namespace aurora::sim {
namespace {

// The example of TRACE_FORMAT.md.
constexpr std::string_view kDocumentedLine =
    R"({"seq":42,"t_ns":1500,"node":"n1","fiber":7,"kind":"fs.write",)"
    R"("data":{"path":"data/w0.log","off":0,"len":512,"n":512}})";

TraceEvent parse_ok(std::string_view line) {
  Result<TraceEvent> e = parse_trace_line(line);
  EXPECT_TRUE(e.is_ok()) << line << "\n" << e.status().to_string();
  return e.is_ok() ? *e : TraceEvent{};
}

TEST(TraceReader, ParsesTheDocumentedLine) {
  const TraceEvent e = parse_ok(kDocumentedLine);
  EXPECT_EQ(e.seq, 42u);
  EXPECT_EQ(e.t_ns, 1500);
  EXPECT_EQ(e.node, "n1");
  EXPECT_EQ(e.fiber, 7u);
  EXPECT_EQ(e.kind, "fs.write");
  const std::vector<TraceField> expected = {{"path", std::string("data/w0.log")},
                                            {"off", std::uint64_t{0}},
                                            {"len", std::uint64_t{512}},
                                            {"n", std::uint64_t{512}}};
  EXPECT_EQ(e.fields, expected);
  ASSERT_NE(e.find("len"), nullptr);
  EXPECT_EQ(*e.find("len"), TraceValue(std::uint64_t{512}));
  EXPECT_EQ(e.find("absent"), nullptr);
  EXPECT_EQ(format_trace_event(e), kDocumentedLine);
}

TEST(TraceReader, KeepsFieldOrderAndEveryValueType) {
  const TraceEvent e = parse_ok(
      R"({"seq":1,"t_ns":0,"node":"world","fiber":0,"kind":"k","data":)"
      R"({"z":-3,"a":true,"m":false,"s":"q\" \\ \n \u0000 \u00e9","big":18446744073709551615,)"
      R"("min":-9223372036854775808,"negzero":-0}})");
  ASSERT_EQ(e.fields.size(), 7u);
  EXPECT_EQ(e.fields[0], (TraceField{"z", std::int64_t{-3}}));
  EXPECT_EQ(e.fields[1], (TraceField{"a", true}));
  EXPECT_EQ(e.fields[2], (TraceField{"m", false}));
  EXPECT_EQ(e.fields[3], (TraceField{"s", std::string("q\" \\ \n \0 \xc3\xa9", 11)}));
  EXPECT_EQ(e.fields[4], (TraceField{"big", std::numeric_limits<std::uint64_t>::max()}));
  EXPECT_EQ(e.fields[5], (TraceField{"min", std::numeric_limits<std::int64_t>::min()}));
  // A non-negative integer is unsigned however it is spelled.
  EXPECT_EQ(e.fields[6], (TraceField{"negzero", std::uint64_t{0}}));
}

TEST(TraceReader, AcceptsTheEnvelopeInAnyOrderWithWhitespace) {
  const TraceEvent e = parse_ok(
      " { \"data\" : { } , \"kind\":\"x\",\"fiber\":3,\"node\":\"n\",\"t_ns\":9,\"seq\":2 }\r");
  EXPECT_EQ(e.seq, 2u);
  EXPECT_EQ(e.t_ns, 9);
  EXPECT_EQ(e.kind, "x");
  EXPECT_TRUE(e.fields.empty());
}

TEST(TraceReader, FormatsValuesAsTheirJson) {
  EXPECT_EQ(format_trace_value(std::uint64_t{7}), "7");
  EXPECT_EQ(format_trace_value(std::int64_t{-7}), "-7");
  EXPECT_EQ(format_trace_value(true), "true");
  EXPECT_EQ(format_trace_value(std::string("a\"b\n")), R"("a\"b\n")");
}

struct BadLine {
  std::string line;
  std::string message;  // a part of the error message
};

class TraceReaderRejects : public ::testing::TestWithParam<BadLine> {};

TEST_P(TraceReaderRejects, WithCorruptionNamingTheProblem) {
  const Result<TraceEvent> e = parse_trace_line(GetParam().line);
  ASSERT_FALSE(e.is_ok()) << GetParam().line;
  EXPECT_EQ(e.kind(), ErrorKind::kCorruption);
  EXPECT_NE(e.status().message().find(GetParam().message), std::string::npos)
      << "line: " << GetParam().line << "\nmessage: " << e.status().message();
}

// A valid event with `data` as given, for the field cases.
std::string with_data(std::string_view data) {
  return std::string(R"({"seq":1,"t_ns":2,"node":"n","fiber":3,"kind":"k","data":)")
      .append(data)
      .append("}");
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, TraceReaderRejects,
    ::testing::Values(
        BadLine{"", "empty line"}, BadLine{"  \t", "empty line"}, BadLine{"not json", "not JSON"},
        BadLine{std::string(kDocumentedLine).substr(0, 40), "not JSON"},
        BadLine{std::string(kDocumentedLine) + " x", "not JSON"},
        BadLine{std::string(kDocumentedLine) + std::string(kDocumentedLine), "not JSON"},
        BadLine{"[1,2]", "a line must be one JSON object, found an array"},
        BadLine{"42", "a line must be one JSON object, found an unsigned integer"},
        BadLine{R"({"seq":1,"t_ns":2,"node":"n","fiber":3,"data":{}})", R"(missing key "kind")"},
        BadLine{R"({"seq":1,"seq":1,"t_ns":2,"node":"n","fiber":3,"kind":"k","data":{}})",
                R"(key "seq" appears twice)"},
        BadLine{R"({"seq":1,"t_ns":2,"node":"n","fiber":3,"kind":"k","data":{},"extra":1})",
                R"(unknown key "extra")"},
        BadLine{R"({"seq":"1","t_ns":2,"node":"n","fiber":3,"kind":"k","data":{}})",
                R"(key "seq" must be an unsigned integer, found a string)"},
        BadLine{R"({"seq":1,"t_ns":2,"node":"n","fiber":-3,"kind":"k","data":{}})",
                R"(key "fiber" must be an unsigned integer, found a negative integer)"},
        BadLine{R"({"seq":1,"t_ns":9223372036854775808,"node":"n","fiber":3,"kind":"k","data":{}})",
                R"(key "t_ns" must be an integer in [0, 2^63), found an integer of 2^63 or more)"},
        BadLine{R"({"seq":1,"t_ns":2,"node":7,"fiber":3,"kind":"k","data":{}})",
                R"(key "node" must be a string, found an unsigned integer)"},
        BadLine{R"({"seq":1,"t_ns":2,"node":"n","fiber":3,"kind":null,"data":{}})",
                R"(key "kind" must be a string, found null)"},
        BadLine{R"({"seq":1,"t_ns":2.5,"node":"n","fiber":3,"kind":"k","data":{}})",
                "found a number that is not a 64-bit integer"},
        BadLine{with_data("[]"), R"(key "data" must be an object, found an array)"},
        BadLine{with_data(R"("x")"), R"(key "data" must be an object, found a string)"},
        BadLine{with_data(R"({"x":1.5})"),
                R"(data field "x" must be an integer, a boolean or a string, found a number)"},
        BadLine{with_data(R"({"x":18446744073709551616})"),
                "found a number that is not a 64-bit integer"},
        BadLine{with_data(R"({"x":null})"), "found null"},
        BadLine{with_data(R"({"x":{"y":1}})"), R"(data field "x" must be)"},
        BadLine{with_data(R"({"x":[1]})"), "found an array"},
        BadLine{with_data(R"({"x":1,"x":2})"), R"(data field "x" appears twice)"},
        BadLine{with_data("{\"s\":\"\xff\"}"), "not JSON"},
        BadLine{with_data(R"({"s":"a\qb"})"), "not JSON"}));

// Collects the JSON lines a Trace writes.
struct Lines final : TraceWriter {
  std::vector<std::string> lines;
  void write_line(std::string_view json) override { lines.emplace_back(json); }
};

// A field as the reader will give it back (a non-negative signed value reads as unsigned).
TraceValue expected_value(const Field& f) {
  switch (f.type) {
    case Field::Type::kInt:
      return f.i >= 0 ? TraceValue(static_cast<std::uint64_t>(f.i)) : TraceValue(f.i);
    case Field::Type::kUint:
      return f.u;
    case Field::Type::kBool:
      return f.u != 0;
    case Field::Type::kStr:
      return std::string(f.s);
  }
  return std::uint64_t{0};
}

// Runs a small world (disk I/O, sleeps, events with every value type) and reads each line
// of its trace back: every event comes back with its seq, time, node, fiber, kind and
// fields, in order.
TEST(TraceReader, ReadsBackEveryEventOfAWorldsTrace) {
  WorldOptions options;
  options.seed = 5;
  options.faults = FaultConfig::none();
  World world(options);
  Lines out;
  world.trace().set_writer(&out);
  // What each event should read back as, captured as it is emitted (the listener runs right
  // after the line is written).
  std::vector<TraceEvent> expected;
  world.trace().set_listener([&](std::string_view kind, std::span<const Field> fields) {
    TraceEvent e{.seq = world.trace().events(),
                 .t_ns = world.sched().now(),
                 .node = world.node_name(world.sched().current_node()),
                 .fiber = world.sched().current(),
                 .kind = std::string(kind)};
    for (const Field& f : fields) e.fields.push_back({std::string(f.key), expected_value(f)});
    expected.push_back(std::move(e));
  });
  world.add_node("storage", [](Runtime rt) {
    ASSERT_TRUE(rt.fs.mkdir("d").is_ok());
    Result<FileHandle> f = rt.fs.open("d/f", OpenMode::kCreate);
    ASSERT_TRUE(f.is_ok());
    ASSERT_TRUE(write_all(rt.fs, *f, 0, as_bytes("some bytes")).is_ok());
    ASSERT_TRUE(rt.fs.sync(*f).is_ok());
    rt.clock.sleep_for(3 * kMillisecond);
    rt.events.emit("test.values", {{"neg", -5},
                                   {"pos", 5},
                                   {"u", std::uint64_t{1} << 63},
                                   {"yes", true},
                                   {"no", false},
                                   {"text", "quote\" backslash\\ newline\n tab\t \x01"}});
    ASSERT_TRUE(rt.fs.close(*f).is_ok());
  });
  world.spawn("driver", [&] {
    world.clock().sleep_for(kMillisecond);
    world.trace().emit("test.empty");
  });
  ASSERT_EQ(world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(world.trace().events(), out.lines.size());
  ASSERT_EQ(expected.size(), out.lines.size());
  ASSERT_GT(out.lines.size(), 10u);

  std::ostringstream text;
  for (const std::string& line : out.lines) text << line << '\n';
  std::istringstream in(text.str());
  TraceReader reader(in);
  std::size_t i = 0;
  bool saw_values = false;
  for (;; ++i) {
    Result<std::optional<TraceEvent>> e = reader.next();
    ASSERT_TRUE(e.is_ok()) << e.status().to_string();
    if (!e->has_value()) break;
    ASSERT_LT(i, expected.size());
    EXPECT_EQ(**e, expected[i]) << "line " << i + 1 << ": " << out.lines[i];
    EXPECT_EQ(format_trace_event(**e), out.lines[i]);  // byte for byte what was written
    EXPECT_EQ((*e)->seq, i + 1);
    EXPECT_EQ(reader.line_number(), i + 1);
    if ((*e)->kind == "test.values") {
      saw_values = true;
      EXPECT_EQ((*e)->node, "storage");
      EXPECT_GE((*e)->t_ns, 3 * kMillisecond);  // after the node's sleep
    }
  }
  EXPECT_EQ(i, out.lines.size());
  EXPECT_TRUE(saw_values);
}

TEST(TraceReader, StreamReportsTheLineOfAnErrorAndGoesOn) {
  const std::string good(kDocumentedLine);
  std::istringstream in(good + "\n" + good + "\n{oops\n\n" + good);  // no final newline
  TraceReader reader(in);
  ASSERT_TRUE(reader.next().is_ok());
  ASSERT_TRUE(reader.next().is_ok());
  Result<std::optional<TraceEvent>> bad = reader.next();
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.kind(), ErrorKind::kCorruption);
  EXPECT_EQ(bad.status().message().rfind("line 3: not JSON", 0), 0u) << bad.status().message();
  Result<std::optional<TraceEvent>> empty = reader.next();
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().message(), "line 4: empty line");
  Result<std::optional<TraceEvent>> last = reader.next();
  ASSERT_TRUE(last.is_ok()) << last.status().to_string();
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->seq, 42u);
  EXPECT_EQ(reader.line_number(), 5u);
  Result<std::optional<TraceEvent>> end = reader.next();
  ASSERT_TRUE(end.is_ok());
  EXPECT_FALSE(end->has_value());
  EXPECT_FALSE(reader.next()->has_value());  // and stays at the end
}

TEST(TraceReader, StreamRefusesAnOverlongLineWithoutBufferingIt) {
  const std::string good(kDocumentedLine);
  // Longer than the limit and than the reader's chunk, so it spans several chunks.
  const std::string overlong = "{\"x\":\"" + std::string(10'000, 'a') + "\"}";
  std::istringstream in(good + "\n" + overlong + "\n" + good + "\n");
  TraceReader reader(in, /*max_line_bytes=*/good.size());
  ASSERT_TRUE(reader.next().is_ok());
  Result<std::optional<TraceEvent>> bad = reader.next();
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(),
            "line 2: longer than " + std::to_string(good.size()) + " bytes");
  Result<std::optional<TraceEvent>> after = reader.next();
  ASSERT_TRUE(after.is_ok()) << after.status().to_string();
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ(reader.line_number(), 3u);
  EXPECT_FALSE(reader.next()->has_value());
}

TEST(TraceReader, LinesOfExactlyOneChunkAndEmptyInput) {
  std::istringstream none("");
  TraceReader empty_reader(none);
  Result<std::optional<TraceEvent>> end = empty_reader.next();
  ASSERT_TRUE(end.is_ok());
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(empty_reader.line_number(), 0u);

  // Lines whose length sits at the reader's 4096-byte chunk boundary.
  std::string text;
  for (std::size_t len : {4094, 4095, 4096, 4097, 8191}) {
    const std::string base = with_data(R"({"s":""})");
    std::string line = with_data(R"({"s":")" + std::string(len - base.size(), 'x') + "\"}");
    ASSERT_EQ(line.size(), len);
    text += line + "\n";
  }
  std::istringstream in(text);
  TraceReader reader(in);
  for (std::size_t len : {4094, 4095, 4096, 4097, 8191}) {
    Result<std::optional<TraceEvent>> e = reader.next();
    ASSERT_TRUE(e.is_ok()) << len << ": " << e.status().to_string();
    ASSERT_TRUE(e->has_value());
    const std::string& s = std::get<std::string>((*e)->fields.at(0).value);
    EXPECT_EQ(s.size(), len - with_data(R"({"s":""})").size());
  }
  EXPECT_FALSE(reader.next()->has_value());
}

}  // namespace
}  // namespace aurora::sim
