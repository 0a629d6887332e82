#include "sim/trace_reader.h"

#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>

#include "sim/trace.h"

namespace aurora::sim {
namespace {

using json = nlohmann::json;

// What a message may quote of the input (a key, a token): enough to recognize it.
constexpr std::size_t kQuoteBytes = 40;

std::string quote(std::string_view s) {
  std::string out;
  append_json_string(out, s.substr(0, kQuoteBytes));
  if (s.size() > kQuoteBytes) out.append("...");
  return out;
}

// The envelope's keys, in the order the TraceWriter writes them.
enum class Key : std::uint8_t { kSeq, kTNs, kNode, kFiber, kKind, kData, kCount };
constexpr std::array<std::string_view, static_cast<std::size_t>(Key::kCount)> kKeyNames = {
    "seq", "t_ns", "node", "fiber", "kind", "data"};
constexpr std::array<std::string_view, static_cast<std::size_t>(Key::kCount)> kKeyTypes = {
    "an unsigned integer",
    "an integer in [0, 2^63)",
    "a string",
    "an unsigned integer",
    "a string",
    "an object"};

// A SAX handler (nlohmann::json's event interface) that builds the event as the parser
// reads the line, checking the shape at each step. Streaming rather than a DOM, because a
// DOM object is a map: it would lose the data fields' order (part of the trace's content)
// and silently keep only one of two repeated keys. Every callback returns false to stop
// the parse at the first problem, which `error` then describes.
class EventBuilder {
 public:
  explicit EventBuilder(TraceEvent& out) : out_(out) {}

  bool null() { return wrong_type("null"); }
  bool boolean(bool v) { return scalar(v, "a boolean"); }
  bool number_integer(json::number_integer_t v) {
    // Only negative integers arrive here (the parser reports the others as unsigned).
    if (v >= 0) return number_unsigned(static_cast<json::number_unsigned_t>(v));
    return scalar(static_cast<std::int64_t>(v), "a negative integer");
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return scalar(static_cast<std::uint64_t>(v), "an unsigned integer");
  }
  bool number_float(json::number_float_t, const json::string_t&) {
    // Also what an integer beyond 64 bits becomes.
    return wrong_type("a number that is not a 64-bit integer");
  }
  bool string(json::string_t& v) { return scalar(std::move(v), "a string"); }
  bool binary(json::binary_t&) { return wrong_type("binary data"); }

  bool start_object(std::size_t) {
    if (depth_ == Depth::kTop) {
      depth_ = Depth::kEnvelope;
      return true;
    }
    if (depth_ == Depth::kEnvelope && key_ == Key::kData) {
      depth_ = Depth::kData;
      return true;
    }
    return wrong_type("an object");
  }
  bool end_object() {
    if (depth_ == Depth::kData) {
      depth_ = Depth::kEnvelope;
      return true;
    }
    // The envelope is complete: every key must have been there.
    for (std::size_t k = 0; k < seen_.size(); ++k) {
      if (!seen_[k]) return fail(std::string("missing key \"").append(kKeyNames[k]).append("\""));
    }
    depth_ = Depth::kDone;
    return true;
  }
  bool start_array(std::size_t) { return wrong_type("an array"); }
  bool end_array() { return fail("unexpected end of an array"); }  // never: arrays are refused

  bool key(json::string_t& k) {
    if (depth_ == Depth::kData) {
      for (const TraceField& f : out_.fields) {
        if (f.key == k) return fail("data field " + quote(k) + " appears twice");
      }
      field_key_ = std::move(k);
      return true;
    }
    for (std::size_t i = 0; i < kKeyNames.size(); ++i) {
      if (kKeyNames[i] != k) continue;
      if (seen_[i]) return fail("key " + quote(k) + " appears twice");
      seen_[i] = true;
      key_ = static_cast<Key>(i);
      return true;
    }
    return fail("unknown key " + quote(k) +
                " (an event has seq, t_ns, node, fiber, kind and data)");
  }

  bool parse_error(std::size_t position, const std::string&, const json::exception& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, column 5: <why>"
    const std::string_view what = e.what();
    const std::size_t colon = what.find(": ");
    const std::string_view why = colon == std::string_view::npos ? what : what.substr(colon + 2);
    return fail(std::string("not JSON (at byte ")
                    .append(std::to_string(position))
                    .append("): ")
                    .append(why.substr(0, 160)));
  }

  const std::string& error() const { return error_; }

 private:
  enum class Depth : std::uint8_t { kTop, kEnvelope, kData, kDone };

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  // A value of a type that no key of the event takes.
  bool wrong_type(std::string_view found) {
    switch (depth_) {
      case Depth::kTop:
      case Depth::kDone:
        return fail(std::string("a line must be one JSON object, found ").append(found));
      case Depth::kEnvelope:
        return fail(std::string("key \"")
                        .append(kKeyNames[static_cast<std::size_t>(key_)])
                        .append("\" must be ")
                        .append(kKeyTypes[static_cast<std::size_t>(key_)])
                        .append(", found ")
                        .append(found));
      case Depth::kData:
        return fail(
            "data field " + quote(field_key_) +
            std::string(" must be an integer, a boolean or a string, found ").append(found));
    }
    return false;
  }

  template <typename T>
  bool scalar(T&& v, std::string_view type) {
    if (depth_ == Depth::kData) {
      out_.fields.push_back(TraceField{std::move(field_key_), TraceValue(std::forward<T>(v))});
      field_key_.clear();
      return true;
    }
    if (depth_ != Depth::kEnvelope) return wrong_type(type);
    using V = std::decay_t<T>;
    switch (key_) {
      case Key::kSeq:
      case Key::kFiber:
        if constexpr (std::is_same_v<V, std::uint64_t>) {
          (key_ == Key::kSeq ? out_.seq : out_.fiber) = v;
          return true;
        }
        break;
      case Key::kTNs:
        if constexpr (std::is_same_v<V, std::uint64_t>) {
          if (v > static_cast<std::uint64_t>(std::numeric_limits<Nanos>::max())) break;
          out_.t_ns = static_cast<Nanos>(v);
          return true;
        }
        break;
      case Key::kNode:
      case Key::kKind:
        if constexpr (std::is_same_v<V, std::string>) {
          (key_ == Key::kNode ? out_.node : out_.kind) = std::move(v);
          return true;
        }
        break;
      case Key::kData:
      case Key::kCount:
        break;
    }
    if constexpr (std::is_same_v<V, std::uint64_t>) {
      if (key_ == Key::kTNs) return wrong_type("an integer of 2^63 or more");
    }
    return wrong_type(type);
  }

  TraceEvent& out_;
  std::string error_;
  Depth depth_ = Depth::kTop;
  Key key_ = Key::kCount;  // the envelope key whose value comes next
  std::array<bool, static_cast<std::size_t>(Key::kCount)> seen_{};
  std::string field_key_;  // the data field whose value comes next
};

bool only_whitespace(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// "line N: " for messages.
std::string line_prefix(std::uint64_t n) {
  return std::string("line ").append(std::to_string(n)).append(": ");
}

}  // namespace

std::string format_trace_value(const TraceValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<V, std::string>) {
          std::string out;
          append_json_string(out, v);
          return out;
        } else {
          return std::to_string(v);
        }
      },
      value);
}

std::string format_trace_event(const TraceEvent& e) {
  std::string out("{\"seq\":");
  out.append(std::to_string(e.seq)).append(",\"t_ns\":").append(std::to_string(e.t_ns));
  out.append(",\"node\":");
  append_json_string(out, e.node);
  out.append(",\"fiber\":").append(std::to_string(e.fiber)).append(",\"kind\":");
  append_json_string(out, e.kind);
  out.append(",\"data\":{");
  for (std::size_t i = 0; i < e.fields.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, e.fields[i].key);
    out += ':';
    out.append(format_trace_value(e.fields[i].value));
  }
  out.append("}}");
  return out;
}

const TraceValue* TraceEvent::find(std::string_view key) const {
  for (const TraceField& f : fields) {
    if (f.key == key) return &f.value;
  }
  return nullptr;
}

Result<TraceEvent> parse_trace_line(std::string_view line) {
  if (only_whitespace(line)) return Status::corruption("empty line");
  TraceEvent event;
  EventBuilder builder(event);
  bool parsed = false;
  try {
    // strict: anything but whitespace after the object is an error.
    parsed = json::sax_parse(line.begin(), line.end(), &builder, json::input_format_t::json,
                             /*strict=*/true);
  } catch (const json::exception& e) {
    // The parser reports through the handler; this is only a safety net, so that no input
    // can make the reader throw.
    return Status::corruption(std::string("not JSON: ").append(e.what()));
  }
  if (!parsed) {
    return Status::corruption(builder.error().empty() ? std::string("not one trace event")
                                                      : builder.error());
  }
  return event;
}

Result<std::optional<TraceEvent>> TraceReader::next() {
  line_.clear();
  if (in_.bad()) return Status::io_error(line_prefix(line_number_ + 1) + "the stream failed");
  if (!in_.good()) return std::optional<TraceEvent>();  // the end was reached before
  // The line in chunks, so that a line without end is reported, never buffered whole.
  std::array<char, 4096> chunk;
  bool read_any = false;
  bool too_long = false;
  try {
    for (;;) {
      in_.getline(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      if (in_.bad()) {
        return Status::io_error(line_prefix(line_number_ + 1) + "the stream failed");
      }
      const auto got = static_cast<std::size_t>(in_.gcount());
      read_any = read_any || got > 0;
      // Three ways a chunk ends: the newline (extracted, not stored, counted by gcount),
      // the end of the input (eofbit), or a full chunk (failbit alone: more follows).
      const bool newline = !in_.fail() && !in_.eof();
      const std::size_t stored = newline ? got - 1 : got;
      if (line_.size() + stored > max_line_bytes_) {
        too_long = true;
      } else {
        line_.append(chunk.data(), stored);
      }
      if (newline || in_.eof()) break;
      in_.clear(in_.rdstate() & ~std::ios_base::failbit);  // a full chunk: read on
    }
  } catch (const std::ios_base::failure& e) {
    // Only a stream whose exceptions() mask asks for it throws.
    return Status::io_error(line_prefix(line_number_ + 1) + e.what());
  }
  if (!read_any) return std::optional<TraceEvent>();  // nothing after the last newline
  ++line_number_;
  if (too_long) {
    return Status::corruption(line_prefix(line_number_) + "longer than " +
                              std::to_string(max_line_bytes_) + " bytes");
  }
  Result<TraceEvent> event = parse_trace_line(line_);
  if (!event.is_ok()) {
    return Status::corruption(line_prefix(line_number_) + event.status().message());
  }
  return std::optional<TraceEvent>(std::move(event).value());
}

}  // namespace aurora::sim
