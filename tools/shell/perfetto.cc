#include "tools/shell/perfetto.h"

#include <cstdio>

#include "sim/trace.h"
#include "tools/shell/json_trace.h"

namespace aurora::shell {
namespace {

constexpr std::string_view kSessionThread = "session";

// Nanoseconds as the microseconds trace events count in, keeping the nanoseconds.
std::string micros(Nanos ns) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ns / 1000),
                static_cast<long long>(ns % 1000));
  return buf;
}

// "name", "cat", "ph", "pid", "tid" and "ts" of a trace event.
std::string head(std::string_view name, std::string_view cat, std::string_view ph, FiberId tid,
                 Nanos ts) {
  std::string out = "\"name\":";
  sim::append_json_string(out, name);
  out += ",\"cat\":";
  sim::append_json_string(out, cat);
  out.append(",\"ph\":\"").append(ph).append("\",\"pid\":1,\"tid\":");
  out += std::to_string(tid);
  out.append(",\"ts\":").append(micros(ts));
  return out;
}

std::string args(std::span<const Field> fields) {
  std::string out = ",\"args\":";
  append_json_fields(out, fields);
  return out;
}

std::uint64_t field_u(std::span<const Field> fields, std::string_view key) {
  for (const Field& f : fields) {
    if (key == f.key && f.type != Field::Type::kStr) return f.u;
  }
  return 0;
}

std::string_view field_s(std::span<const Field> fields, std::string_view key) {
  for (const Field& f : fields) {
    if (key == f.key && f.type == Field::Type::kStr) return f.s;
  }
  return {};
}

// Engine events worth a mark on the timeline.
bool is_milestone(std::string_view kind) {
  return kind == "wal.rotate" || kind == "wal.stopped" || kind == "wal.fsync_failed" ||
         kind == "wal.collected" || kind == "wal.tiered" || kind == "image.write" ||
         kind == "image.compact" || kind == "storage.maintenance_failed";
}

std::string_view category(std::string_view kind) {
  const std::size_t dot = kind.find('.');
  return kind.substr(0, dot);
}

}  // namespace

PerfettoTrace::PerfettoTrace(std::ostream& out) : out_(out) {
  out_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  write(R"("name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"aurora-sim session"})");
}

void PerfettoTrace::write(const std::string& body) {
  if (!first_) out_ << ",\n";
  first_ = false;
  out_ << '{' << body << '}';
}

void PerfettoTrace::finish() {
  if (finished_) return;
  finished_ = true;
  out_ << "\n]}\n";
  out_.flush();
}

void PerfettoTrace::on_event(const Event& e) {
  if (finished_) return;
  const std::string_view k = e.kind;
  if (k.starts_with("sched.") || k == "time.advance") {
    follow_scheduler(e);
    return;
  }
  name_thread(e);
  if (k.starts_with("fs.")) {
    io_slice(e);
  } else if (k == "page.cache_miss") {
    materializing_[e.fiber] = OpenSlice{.page = field_u(e.fields, "page"),
                                        .version = field_u(e.fields, "version"), .start = e.at};
  } else if (k == "page.materialize") {
    auto it = materializing_.find(e.fiber);
    if (it != materializing_.end() && it->second.page == field_u(e.fields, "page") &&
        it->second.version == field_u(e.fields, "version")) {
      write(head("materialize", "page", "X", e.fiber, it->second.start) +
            ",\"dur\":" + micros(e.at - it->second.start) + args(e.fields));
      materializing_.erase(it);
    }
  } else if (k == "wal.durable" || k == "recovery.done") {
    counters(e, field_u(e.fields, "vcl"), field_u(e.fields, "vdl"));
  } else if (k == "recovery.fresh_volume") {
    counters(e, 0, 0);
  }
  if (k == "net.send" || k == "net.deliver") {
    flow_slice(e, /*out=*/k == "net.send");
  } else if (k == "shell.crash") {
    instant(e, /*global=*/true);
  } else if (k.starts_with("fault.") || k.starts_with("recovery.") || k.starts_with("shell.") ||
             k.starts_with("net.") || k == "rpc.timeout" || is_milestone(k)) {
    instant(e, /*global=*/false);
  }
}

void PerfettoTrace::name_thread(const Event& e) {
  const std::string_view name = e.fiber == 0 || e.fiber_name.empty() ? kSessionThread : e.fiber_name;
  auto it = thread_names_.find(e.fiber);
  if (it != thread_names_.end() && it->second == name) return;
  thread_names_[e.fiber] = std::string(name);
  std::string body = "\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":";
  body += std::to_string(e.fiber);
  body += ",\"args\":{\"name\":";
  sim::append_json_string(body, name);
  body += '}';
  write(body);
}

// Runs of each fiber (their starts date the I/O slices); an exited fiber is forgotten.
void PerfettoTrace::follow_scheduler(const Event& e) {
  const FiberId id = field_u(e.fields, "id");
  if (e.kind == "sched.pick") {
    FiberRuns& r = runs_[id];
    r.previous = r.current;
    r.current = e.at;
  } else if (e.kind == "sched.exit") {
    runs_.erase(id);
    materializing_.erase(id);
    thread_names_.erase(id);
  }
}

void PerfettoTrace::io_slice(const Event& e) {
  Nanos start = e.at;
  auto it = runs_.find(e.fiber);
  const bool failed_at_once = field_s(e.fields, "err") == "node_down";
  if (e.fiber != 0 && it != runs_.end() && it->second.current == e.at &&
      it->second.previous >= 0 && !failed_at_once) {
    start = it->second.previous;  // the run that issued the operation
  }
  write(head(e.kind, "io", "X", e.fiber, start) + ",\"dur\":" + micros(e.at - start) +
        args(e.fields));
}

// A message's send and its delivery: zero-length slices on the fiber that sent it and on
// the one the network handed it over in, bound into one flow by the message's id (the
// trace-event format's flow events, version 2: "bind_id" with "flow_out" on the slice that
// starts the flow and "flow_in" on the one that ends it), so the viewer draws an arrow from
// one to the other. A message dropped (net.drop, an instant) leaves its flow without an
// end: no arrow. A duplicate is delivered twice under one id: two arrows from one send.
void PerfettoTrace::flow_slice(const Event& e, bool out) {
  const std::string_view direction = out ? ",\"flow_out\":true" : ",\"flow_in\":true";
  write(head(e.kind, "net", "X", e.fiber, e.at) + ",\"dur\":0,\"bind_id\":" +
        std::to_string(field_u(e.fields, "id")) + std::string(direction) + args(e.fields));
}

void PerfettoTrace::counters(const Event& e, Lsn vcl, Lsn vdl) {
  write(head("VCL", "lsn", "C", 0, e.at) + ",\"args\":{\"VCL\":" + std::to_string(vcl) + "}");
  write(head("VDL", "lsn", "C", 0, e.at) + ",\"args\":{\"VDL\":" + std::to_string(vdl) + "}");
}

void PerfettoTrace::instant(const Event& e, bool global) {
  write(head(e.kind, category(e.kind), "i", e.fiber, e.at) + (global ? ",\"s\":\"g\"" : ",\"s\":\"t\"") +
        args(e.fields));
}

}  // namespace aurora::shell
