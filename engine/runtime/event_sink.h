// EventSink: how the engine reports what it does (an append, a VDL advance, a
// recovery truncation) without knowing who listens. In simulation the sink is the run's
// trace (sim/trace.h), whose hash fingerprints the run; on real files it is usually the
// null sink or a JSON writer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <type_traits>

namespace aurora {

// One key/value field of an event. Keys are string literals (they outlive the event), kept
// with their length, which the compiler knows: a sink hashing or comparing a key every
// event never scans it for its end. String values are copied by sinks that keep them.
struct Field {
  enum class Type : std::uint8_t { kInt, kUint, kStr, kBool };

  template <typename I>
    requires std::is_integral_v<I>
  Field(std::string_view k, I v) : key(k) {
    if constexpr (std::is_same_v<I, bool>) {
      type = Type::kBool;
      u = v ? 1 : 0;
    } else if constexpr (std::is_signed_v<I>) {
      type = Type::kInt;
      i = v;
    } else {
      type = Type::kUint;
      u = v;
    }
  }
  Field(std::string_view k, std::string_view v) : key(k), type(Type::kStr), s(v) {}
  Field(std::string_view k, const char* v) : key(k), type(Type::kStr), s(v) {}

  std::string_view key;
  Type type;
  union {
    std::int64_t i;
    std::uint64_t u = 0;
  };
  std::string_view s;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // `kind` is a dotted literal such as "wal.append" or "fs.fsync".
  virtual void emit(std::string_view kind, std::span<const Field> fields) = 0;
  void emit(std::string_view kind, std::initializer_list<Field> fields) {
    emit(kind, std::span<const Field>(fields.begin(), fields.size()));
  }
  void emit(std::string_view kind) { emit(kind, std::span<const Field>()); }
};

class NullEventSink final : public EventSink {
 public:
  using EventSink::emit;
  void emit(std::string_view, std::span<const Field>) override {}
};

}  // namespace aurora
