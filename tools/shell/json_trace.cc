#include "tools/shell/json_trace.h"

#include "sim/trace.h"

namespace aurora::shell {

void append_json_fields(std::string& out, std::span<const Field> fields) {
  out += '{';
  bool first = true;
  for (const Field& f : fields) {
    if (!first) out += ',';
    first = false;
    sim::append_json_string(out, f.key);
    out += ':';
    switch (f.type) {
      case Field::Type::kInt: out += std::to_string(f.i); break;
      case Field::Type::kUint: out += std::to_string(f.u); break;
      case Field::Type::kBool: out += f.u != 0 ? "true" : "false"; break;
      case Field::Type::kStr: sim::append_json_string(out, f.s); break;
    }
  }
  out += '}';
}

std::string_view trace_node(const Event& e) {
  if (e.fiber == 0) return "shell";
  return e.node.empty() ? std::string_view("storage") : e.node;
}

namespace {
void append_line(std::string& out, const Event& e) {
  out += "{\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"t_ns\":";
  out += std::to_string(e.at);
  out += ",\"node\":";
  sim::append_json_string(out, trace_node(e));
  out += ",\"fiber\":";
  out += std::to_string(e.fiber);
  out += ",\"kind\":";
  sim::append_json_string(out, e.kind);
  out += ",\"data\":";
  append_json_fields(out, e.fields);
  out += '}';
}
}  // namespace

std::string JsonTrace::format(const Event& e) {
  std::string line;
  append_line(line, e);
  return line;
}

void JsonTrace::on_event(const Event& e) {
  line_.clear();
  append_line(line_, e);
  line_ += '\n';
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

}  // namespace aurora::shell
