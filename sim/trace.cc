#include "sim/trace.h"

#include <cstdio>
#include <cstring>

namespace aurora::sim {
namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

void TraceHash::add(std::uint64_t v) {
  // One multiply and one rotate per word: each step is a bijection of its lane for a given
  // word, so a single differing word always changes that lane; the rotate carries high bits
  // back down.
  std::uint64_t& lane = lane_[words_++ & 1];
  lane = rotl((lane ^ v) * 0x9e3779b97f4a7c15ULL, 29);
}

void TraceHash::add(std::string_view s) {
  add(static_cast<std::uint64_t>(s.size()));
  add_bytes(s);
}

void TraceHash::add_bytes(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    add(w);
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    add(w);
  }
}

std::uint64_t TraceHash::value() const {
  const std::uint64_t h = rotl((lane_[0] ^ words_) * 0xbf58476d1ce4e5b9ULL, 31);
  return rotl((h ^ lane_[1]) * 0x94d049bb133111ebULL, 29);
}

Trace::Trace(const Scheduler& sched, std::uint64_t checkpoint_every)
    : sched_(sched),
      checkpoints_(kMaxCheckpoints, checkpoint_every == 0 ? 1 : checkpoint_every),
      next_checkpoint_(checkpoints_.next_after(0)) {}

void Trace::set_node_name(NodeId node, std::string name) { node_names_[node] = std::move(name); }

const std::string& Trace::node_name(NodeId node) const {
  static const std::string kUnknown = "?";
  auto it = node_names_.find(node);
  return it == node_names_.end() ? kUnknown : it->second;
}

void Trace::emit(std::string_view kind, std::span<const Field> fields) {
  const Nanos t = sched_.now();
  const FiberId fiber = sched_.current();
  const NodeId node = sched_.current_node();
  ++seq_;
  // Canonical encoding: seq, time, node, fiber, kind, then each field's key, type and
  // value. Field order is part of the encoding (emitters use a fixed order).
  hash_.add(seq_);
  hash_.add(static_cast<std::uint64_t>(t));
  hash_.add(static_cast<std::uint64_t>(node));
  hash_.add(fiber);
  hash_.add(kind);
  for (const Field& f : fields) {
    // The key's length and the value's type in one word, then the key's bytes.
    hash_.add(static_cast<std::uint64_t>(f.key.size()) << 8 | static_cast<std::uint64_t>(f.type));
    hash_.add_bytes(f.key);
    if (f.type == Field::Type::kStr) {
      hash_.add(f.s);
    } else {
      hash_.add(f.u);
    }
  }
  if (seq_ == next_checkpoint_) {
    checkpoints_.add(seq_, hash_.value());
    next_checkpoint_ = checkpoints_.next_after(seq_);
  }
  if (writer_ != nullptr) write_json(kind, fields, t, node, fiber);
  if (listener_) listener_(kind, fields);
}

void Trace::write_json(std::string_view kind, std::span<const Field> fields, Nanos t,
                       NodeId node, FiberId fiber) {
  line_.clear();
  line_ += "{\"seq\":";
  line_ += std::to_string(seq_);
  line_ += ",\"t_ns\":";
  line_ += std::to_string(t);
  line_ += ",\"node\":";
  append_json_string(line_, node_name(node));
  line_ += ",\"fiber\":";
  line_ += std::to_string(fiber);
  line_ += ",\"kind\":";
  append_json_string(line_, kind);
  line_ += ",\"data\":{";
  bool first = true;
  for (const Field& f : fields) {
    if (!first) line_ += ',';
    first = false;
    append_json_string(line_, f.key);
    line_ += ':';
    switch (f.type) {
      case Field::Type::kInt: line_ += std::to_string(f.i); break;
      case Field::Type::kUint: line_ += std::to_string(f.u); break;
      case Field::Type::kBool: line_ += f.u ? "true" : "false"; break;
      case Field::Type::kStr: append_json_string(line_, f.s); break;
    }
  }
  line_ += "}}";
  writer_->write_line(line_);
}

void Trace::on_spawn(FiberId id, NodeId node, const std::string& name) {
  emit("sched.spawn", {{"id", id}, {"on", static_cast<std::uint64_t>(node)}, {"name", name}});
}

void Trace::on_pick(FiberId id, std::size_t runnable_count) {
  emit("sched.pick", {{"id", id}, {"of", static_cast<std::uint64_t>(runnable_count)}});
}

void Trace::on_block(FiberId, const char* reason) { emit("sched.block", {{"on", reason}}); }

void Trace::on_exit(FiberId id, bool killed) {
  emit("sched.exit", {{"id", id}, {"killed", killed}});
}

void Trace::on_time_advance(Nanos from, Nanos to) {
  emit("time.advance", {{"from", from}, {"to", to}});
}

std::string Trace::format_hash(std::uint64_t h) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[7];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          out += esc;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace aurora::sim
