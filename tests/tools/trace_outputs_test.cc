// The trace files of the front ends (tools/shell/trace_outputs.h): the JSON Lines trace
// reads back with sim/trace_reader.h, event for event, each attributed to the node of its
// fiber; the Perfetto trace is valid Chrome trace-event JSON with fibers as threads, I/O
// and materialization slices, VCL and VDL counters, instant events for crashes, and a flow
// from each message's send to its delivery (none for a dropped one), also when the
// outputs go before the run ends; and a file that cannot be opened is a usage error naming
// it.
#include "tools/shell/trace_outputs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "engine/runtime/file_system.h"
#include "sim/trace_reader.h"
#include "tests/engine/temp_dir.h"
#include "tools/shell/json_trace.h"

namespace aurora::shell {
namespace {

std::unique_ptr<Session> open_session() {
  Result<std::unique_ptr<Session>> s = Session::open(SessionOptions{});
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

// Puts, reads (a miss in the storage's cache, then a hit: B's buffer pool does not have
// the page A read), a crash and a recovery.
void exercise(Session& s) {
  ASSERT_TRUE(s.put(0, 1, 0, as_bytes("hello")).is_ok());
  ASSERT_TRUE(s.put(1, 2, 4, as_bytes("world")).is_ok());
  ASSERT_TRUE(s.refresh(0).is_ok());
  ASSERT_TRUE(s.refresh(1).is_ok());
  ASSERT_TRUE(s.get(0, 1).is_ok());
  ASSERT_TRUE(s.get(1, 1).is_ok());
  ASSERT_TRUE(s.crash().is_ok());
  ASSERT_TRUE(s.recover().is_ok());
  ASSERT_TRUE(s.put(0, 1, 0, as_bytes("again")).is_ok());
}

// Where a test writes its traces: `dir`, or AURORA_TRACE_DUMP_DIR when set (to look at them:
// the Perfetto one opens in ui.perfetto.dev).
std::string trace_dir(const aurora::testing::TempDir& dir) {
  const char* dump = std::getenv("AURORA_TRACE_DUMP_DIR");
  return dump != nullptr ? std::string(dump) : dir.path;
}

// A session traced as `o` says from its first event (the outputs attach before the volume
// opens, as the front ends attach them), through exercise(); true when all went well.
bool traced_session(const FrontEndOptions& o) {
  std::unique_ptr<TraceOutputs> out;
  Result<std::unique_ptr<Session>> s = Session::open(SessionOptions{}, [&](Session& session) {
    Result<std::unique_ptr<TraceOutputs>> attached = TraceOutputs::attach(session, o);
    if (!attached.is_ok()) return attached.status();
    out = std::move(*attached);
    return Status::ok();
  });
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  if (!s.is_ok()) return false;
  exercise(**s);
  const Status finished = out->finish();
  EXPECT_TRUE(finished.is_ok()) << finished.to_string();
  return !::testing::Test::HasFailure();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

TEST(JsonTrace, ReadsBackLineByLine) {
  aurora::testing::TempDir dir;
  FrontEndOptions o;
  o.trace_json = trace_dir(dir) + "/trace.jsonl";
  ASSERT_TRUE(traced_session(o));

  std::ifstream in(o.trace_json);
  sim::TraceReader reader(in);
  std::vector<sim::TraceEvent> events;
  for (;;) {
    Result<std::optional<sim::TraceEvent>> next = reader.next();
    ASSERT_TRUE(next.is_ok()) << next.status().to_string();
    if (!next->has_value()) break;
    events.push_back(std::move(**next));
  }
  ASSERT_GT(events.size(), 20u);
  std::set<std::string> kinds;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const sim::TraceEvent& e = events[i];
    // The session's numbering from its first event, with nothing left out.
    EXPECT_EQ(e.seq, i + 1);
    if (i > 0) {
      EXPECT_GE(e.t_ns, events[i - 1].t_ns);
    }
    kinds.insert(e.kind);
    // The node of the emitting fiber: the storage's, a compute node's, or the network's own
    // (the world's); the session's own events, outside any fiber, are the shell's.
    if (e.fiber == 0) {
      EXPECT_EQ(e.node, "shell") << e.kind;
    } else {
      EXPECT_TRUE(e.node == "storage" || e.node == "A" || e.node == "B" || e.node == "world")
          << e.kind << " on " << e.node;
    }
    if (e.kind == "wal.append" || e.kind.starts_with("page.")) {
      EXPECT_EQ(e.node, "storage") << e.kind;
    }
    if (e.kind.starts_with("net.")) {
      EXPECT_NE(e.node, "shell") << e.kind << ": a message moves in some node's fiber";
    }
    if (e.kind.starts_with("shell.")) {
      EXPECT_EQ(e.fiber, 0u) << e.kind;
    }
    if (e.kind == "wal.append" || e.kind.starts_with("page.")) {
      EXPECT_NE(e.fiber, 0u) << e.kind;
    }
  }
  for (const char* kind : {"shell.put", "shell.put_done", "shell.get", "shell.refresh",
                           "shell.crash", "shell.open", "wal.record", "wal.append", "wal.durable",
                           "page.cache_miss", "page.chain", "page.materialize", "page.cache_insert",
                           "page.cache_hit", "recovery.scanned", "recovery.annulled",
                           "recovery.done", "fs.write", "fs.fsync", "shell.net_node", "net.send",
                           "net.deliver"}) {
    EXPECT_EQ(kinds.count(kind), 1u) << "no " << kind;
  }
  // A put's fields, in the order the session gave them.
  for (const sim::TraceEvent& e : events) {
    if (e.kind != "shell.put") continue;
    ASSERT_EQ(e.fields.size(), 4u);
    EXPECT_EQ(e.fields[0].key, "node");
    EXPECT_EQ(e.fields[1].key, "page");
    break;
  }
}

TEST(JsonTrace, WritesWhatTheTraceWriterWrites) {
  // format_trace_event is the TraceWriter's layout: a line of ours must come back byte for
  // byte, or sim --trace-json and the front ends would write two formats.
  const std::vector<Field> fields{{"lsn", 17u}, {"note", "quote\" and \\"}, {"neg", -3}, {"ok", true}};
  const Event e{42, "wal.append", 1500, 3, "wal.writer", fields};
  const std::string line = JsonTrace::format(e);
  Result<sim::TraceEvent> parsed = sim::parse_trace_line(line);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(sim::format_trace_event(*parsed), line);
  EXPECT_EQ(parsed->node, "storage");
  EXPECT_EQ(parsed->t_ns, 1500);
}

TEST(PerfettoTrace, IsChromeTraceJson) {
  aurora::testing::TempDir dir;
  FrontEndOptions o;
  o.trace_perfetto = trace_dir(dir) + "/trace.perfetto.json";
  ASSERT_TRUE(traced_session(o));

  const nlohmann::json trace = nlohmann::json::parse(read_file(o.trace_perfetto));
  EXPECT_EQ(trace["displayTimeUnit"], "ns");
  ASSERT_TRUE(trace["traceEvents"].is_array());
  std::set<std::string> thread_names;
  std::set<std::string> counters;
  int io_slices = 0, io_with_duration = 0, materialize_slices = 0, crashes = 0, recoveries = 0;
  for (const nlohmann::json& e : trace["traceEvents"]) {
    ASSERT_TRUE(e.contains("ph") && e.contains("pid") && e.contains("name")) << e.dump();
    const std::string ph = e["ph"];
    if (ph == "M" && e["name"] == "thread_name") {
      EXPECT_TRUE(e["tid"].is_number_unsigned());
      thread_names.insert(e["args"]["name"].get<std::string>());
    } else if (ph == "X") {
      ASSERT_TRUE(e["ts"].is_number() && e["dur"].is_number()) << e.dump();
      EXPECT_GE(e["dur"].get<double>(), 0.0);
      if (e["cat"] == "io") {
        ++io_slices;
        if (e["dur"].get<double>() > 0) ++io_with_duration;
      }
      if (e["name"] == "materialize") ++materialize_slices;
    } else if (ph == "C") {
      counters.insert(e["name"].get<std::string>());
      EXPECT_TRUE(e["args"].contains(e["name"].get<std::string>())) << e.dump();
    } else if (ph == "i") {
      if (e["name"] == "shell.crash") {
        ++crashes;
        EXPECT_EQ(e["s"], "g");
      }
      if (e["name"].get<std::string>().starts_with("recovery.")) ++recoveries;
    }
  }
  EXPECT_EQ(thread_names.count("session"), 1u);
  EXPECT_EQ(thread_names.count("wal.writer"), 1u);
  EXPECT_EQ(thread_names.count("shell"), 1u);
  EXPECT_GT(io_slices, 0);
  EXPECT_GT(io_with_duration, 0);  // the simulated disk's latency
  EXPECT_GE(materialize_slices, 1);
  EXPECT_EQ(counters, (std::set<std::string>{"VCL", "VDL"}));
  EXPECT_EQ(crashes, 1);
  EXPECT_GE(recoveries, 2);  // recovery.scanned, .annulled, .done
}

// Each message is a flow: an arrow from its net.send slice to its net.deliver slice, by
// the message's id ("bind_id", version 2 flow events); a message the partition dropped
// has its send and no delivery (a net.drop instant instead).
TEST(PerfettoTrace, AFlowJoinsEachSendToItsDelivery) {
  aurora::testing::TempDir dir;
  FrontEndOptions o;
  o.trace_perfetto = trace_dir(dir) + "/flows.perfetto.json";
  std::unique_ptr<TraceOutputs> out;
  Result<std::unique_ptr<Session>> s = Session::open(SessionOptions{}, [&](Session& session) {
    Result<std::unique_ptr<TraceOutputs>> attached = TraceOutputs::attach(session, o);
    if (!attached.is_ok()) return attached.status();
    out = std::move(*attached);
    return Status::ok();
  });
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  ASSERT_TRUE((*s)->put(0, 1, 0, as_bytes("across")).is_ok());
  ASSERT_TRUE((*s)->partition({"A"}, {"storage"}, true).is_ok());
  EXPECT_EQ((*s)->put(0, 1, 0, as_bytes("cut off")).kind(), ErrorKind::kTimeout);
  ASSERT_TRUE(out->finish().is_ok());

  const nlohmann::json trace = nlohmann::json::parse(read_file(o.trace_perfetto));
  std::map<std::uint64_t, double> sent;       // bind_id -> ts of the net.send slice
  std::map<std::uint64_t, double> delivered;  // bind_id -> ts of the net.deliver slice
  std::set<std::uint64_t> dropped;            // ids of net.drop instants
  for (const nlohmann::json& e : trace["traceEvents"]) {
    if (e["ph"] == "X" && e.contains("bind_id")) {
      EXPECT_EQ(e["cat"], "net") << e.dump();
      EXPECT_EQ(e["dur"].get<double>(), 0.0) << e.dump();
      const std::uint64_t id = e["bind_id"].get<std::uint64_t>();
      EXPECT_EQ(e["args"]["id"].get<std::uint64_t>(), id) << e.dump();
      if (e["name"] == "net.send") {
        EXPECT_EQ(e["flow_out"], true) << e.dump();
        EXPECT_FALSE(e.contains("flow_in")) << e.dump();
        sent[id] = e["ts"].get<double>();
      } else {
        EXPECT_EQ(e["name"], "net.deliver") << e.dump();
        EXPECT_EQ(e["flow_in"], true) << e.dump();
        delivered[id] = e["ts"].get<double>();
      }
    } else if (e["ph"] == "i" && e["name"] == "net.drop") {
      dropped.insert(e["args"]["id"].get<std::uint64_t>());
    }
  }
  ASSERT_FALSE(delivered.empty());
  for (const auto& [id, ts] : delivered) {
    ASSERT_EQ(sent.count(id), 1u) << "a delivery of message " << id << " without its send";
    EXPECT_LE(sent[id], ts) << "message " << id;
  }
  ASSERT_FALSE(dropped.empty()) << "the partition dropped A's requests";
  for (const std::uint64_t id : dropped) {
    EXPECT_EQ(sent.count(id), 1u) << "message " << id;
    EXPECT_EQ(delivered.count(id), 0u) << "a dropped message " << id << " has no arrow's end";
  }
}

TEST(PerfettoTrace, ValidWhenTheOutputsGoBeforeTheRunEnds) {
  aurora::testing::TempDir dir;
  FrontEndOptions o;
  o.trace_perfetto = dir.path + "/early.json";
  o.trace_json = dir.path + "/early.jsonl";
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  {
    Result<std::unique_ptr<TraceOutputs>> out = TraceOutputs::attach(*s, o);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    ASSERT_TRUE(s->put(0, 1, 0, as_bytes("cut short")).is_ok());
    // No finish(): the destructor completes the files.
  }
  // The session goes on; its listeners write nothing more.
  ASSERT_TRUE(s->put(0, 1, 0, as_bytes("not traced")).is_ok());
  const std::string perfetto = read_file(o.trace_perfetto);
  EXPECT_TRUE(nlohmann::json::accept(perfetto)) << perfetto;
  const std::string json = read_file(o.trace_json);
  EXPECT_FALSE(json.empty());
  EXPECT_EQ(json.back(), '\n');
}

TEST(TraceOutputs, FinishIsIdempotentAndNoFilesIsFine) {
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  Result<std::unique_ptr<TraceOutputs>> out = TraceOutputs::attach(*s, FrontEndOptions{});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_TRUE(s->put(0, 1, 0, as_bytes("x")).is_ok());
  EXPECT_TRUE((*out)->finish().is_ok());
  EXPECT_TRUE((*out)->finish().is_ok());
}

TEST(TraceOutputs, AFileInAMissingDirectoryIsInvalidArgument) {
  aurora::testing::TempDir dir;
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  for (bool perfetto : {false, true}) {
    FrontEndOptions o;
    const std::string path = dir.path + "/no/such/dir/trace.json";
    (perfetto ? o.trace_perfetto : o.trace_json) = path;
    Result<std::unique_ptr<TraceOutputs>> out = TraceOutputs::attach(*s, o);
    ASSERT_FALSE(out.is_ok());
    EXPECT_EQ(out.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(out.status().message().find(path), std::string::npos) << out.status().to_string();
    EXPECT_NE(out.status().message().find("No such file or directory"), std::string::npos)
        << out.status().to_string();
  }
}

TEST(TraceOutputs, BothTracesInOneFileIsInvalidArgument) {
  aurora::testing::TempDir dir;
  std::unique_ptr<Session> s = open_session();
  ASSERT_NE(s, nullptr);
  FrontEndOptions o;
  o.trace_json = o.trace_perfetto = dir.path + "/both.json";
  Result<std::unique_ptr<TraceOutputs>> out = TraceOutputs::attach(*s, o);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.kind(), ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace aurora::shell
