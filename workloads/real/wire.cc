#include "workloads/real/wire.h"

#include <limits>
#include <stdexcept>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace aurora::workloads::real {
namespace {

using nlohmann::json;
namespace obs = check::obs;

std::string hex(const std::vector<std::uint8_t>& b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (std::uint8_t x : b) {
    s += kDigits[x >> 4];
    s += kDigits[x & 15];
  }
  return s;
}

std::optional<std::vector<std::uint8_t>> unhex(const std::string& s) {
  if (s.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = digit(s[2 * i]);
    const int lo = digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

json to_json(const check::Observation& o) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, obs::Appended>) {
          json writes = json::array();
          for (const check::Write& w : x.writes) writes.push_back({w.page, w.offset, hex(w.bytes)});
          json j = {{"o", "appended"}, {"node", x.node}, {"first", x.first}, {"cpl", x.cpl},
                    {"vdl", x.vdl},    {"lal", x.lal},   {"writes", writes}};
          if (!x.mtr.empty()) j["mtr"] = x.mtr;
          return j;
        } else if constexpr (std::is_same_v<T, obs::Acked>) {
          return {{"o", "acked"}, {"node", x.node}, {"cpl", x.cpl}, {"vdl", x.vdl}};
        } else if constexpr (std::is_same_v<T, obs::Read>) {
          json j = {{"o", "read"}, {"node", x.node}, {"page", x.page}, {"at", x.at},
                    {"rp", x.at_read_point}, {"refuse_below", x.may_refuse_below}};
          if (x.bytes) j["bytes"] = hex(*x.bytes);
          if (x.error) j["error"] = *x.error;
          return j;
        } else if constexpr (std::is_same_v<T, obs::Recovered>) {
          if (x.corruption) return {{"o", "recovered"}, {"corruption", *x.corruption}};
          return {{"o", "recovered"}, {"fresh", x.fresh}, {"epoch", x.epoch},
                  {"vcl", x.vcl},     {"vdl", x.vdl},     {"watermark", x.watermark},
                  {"annul_from", x.annul_from}, {"annul_to", x.annul_to},
                  {"next_lsn", x.next_lsn}, {"lal", x.lal}};
        } else if constexpr (std::is_same_v<T, obs::Annulled>) {
          return {{"o", "annulled"},
                  {"from", x.from},
                  {"to", x.to},
                  {"epoch", x.epoch},
                  {"watermark", x.watermark}};
        } else if constexpr (std::is_same_v<T, obs::SessionStarted>) {
          return {{"o", "session_started"}, {"node", x.node}};
        } else if constexpr (std::is_same_v<T, obs::Committed>) {
          return {{"o", "committed"}, {"node", x.node}, {"cpl", x.cpl}, {"mtr", x.mtr}};
        } else if constexpr (std::is_same_v<T, obs::CommitUnknown>) {
          return {{"o", "commit_unknown"}, {"node", x.node}, {"mtr", x.mtr}, {"error", x.error}};
        } else if constexpr (std::is_same_v<T, obs::CommitRefused>) {
          return {{"o", "commit_refused"}, {"node", x.node}, {"mtr", x.mtr}, {"error", x.error}};
        } else if constexpr (std::is_same_v<T, obs::Crashed>) {
          return {{"o", "crashed"}};
        } else if constexpr (std::is_same_v<T, obs::FsyncFailed>) {
          return {{"o", "fsync_failed"}};
        } else {
          // A real incarnation never sends these: no state snapshots, cold reads or refresh
          // reports, and no horizon (a run of kills is short enough for the model to keep
          // every version).
          // Nor the quorum tier's, which runs only in simulation.
          static_assert(std::is_same_v<T, obs::State> || std::is_same_v<T, obs::ColdWarm> ||
                        std::is_same_v<T, obs::RefreshFailed> ||
                        std::is_same_v<T, obs::GcHorizon> || std::is_same_v<T, obs::QuorumAcked> ||
                        std::is_same_v<T, obs::SegmentAccepted> ||
                        std::is_same_v<T, obs::QuorumRecovery> ||
                        std::is_same_v<T, obs::QuorumWatermarks> ||
                        std::is_same_v<T, obs::ReplicaRead>);
          return {{"o", "unsupported"}};
        }
      },
      o);
}

// Reads an unsigned integer of type T. nlohmann's get<T>() converts whatever number it
// finds: a fraction or an integer beyond 64 bits (kept as a double) became an out-of-range
// float-to-integer conversion, which is undefined behaviour (tests/fuzz/wire_fuzz.cc found
// it: corpus/wire/regression-lal-beyond-64-bits), and a negative or too large integer
// silently wrapped. Every integer encode_observation writes is one of these, exactly.
template <typename T>
T integer(const json& v) {
  static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>);
  if (!v.is_number_unsigned()) {
    throw std::invalid_argument(
        std::string("expected a non-negative integer, found ").append(v.type_name()));
  }
  const auto x = v.get<std::uint64_t>();
  if (x > std::numeric_limits<T>::max()) throw std::invalid_argument("integer out of range");
  return static_cast<T>(x);
}

// Reads one field; throws on a missing field or a wrong type.
template <typename T>
T field(const json& j, const char* key) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return integer<T>(j.at(key));
  } else {
    return j.at(key).get<T>();
  }
}

check::Observation from_json(const json& j, std::string_view kind) {
  if (kind == "appended") {
    obs::Appended a{.node = field<std::string>(j, "node"), .first = field<check::Lsn>(j, "first"),
                    .cpl = field<check::Lsn>(j, "cpl"), .vdl = field<check::Lsn>(j, "vdl"),
                    .lal = field<check::Lsn>(j, "lal")};
    if (j.contains("mtr")) a.mtr = field<std::string>(j, "mtr");
    for (const json& w : j.at("writes")) {
      auto bytes = unhex(w.at(2).get<std::string>());
      if (!bytes) throw std::invalid_argument("bad hex in a write");
      a.writes.push_back(
          {integer<check::PageId>(w.at(0)), integer<std::uint32_t>(w.at(1)), *bytes});
    }
    return a;
  }
  if (kind == "acked") {
    return obs::Acked{field<std::string>(j, "node"), field<check::Lsn>(j, "cpl"),
                      field<check::Lsn>(j, "vdl")};
  }
  if (kind == "read") {
    obs::Read r{.node = field<std::string>(j, "node"), .page = field<check::PageId>(j, "page"),
                .at = field<check::Lsn>(j, "at"), .at_read_point = field<bool>(j, "rp"),
                .may_refuse_below = field<check::Lsn>(j, "refuse_below")};
    if (j.contains("bytes")) {
      r.bytes = unhex(field<std::string>(j, "bytes"));
      if (!r.bytes) throw std::invalid_argument("bad hex in a read");
    } else {
      r.error = field<std::string>(j, "error");
    }
    return r;
  }
  if (kind == "recovered") {
    obs::Recovered r;
    if (j.contains("corruption")) {
      r.corruption = field<std::string>(j, "corruption");
      return r;
    }
    r.fresh = field<bool>(j, "fresh");
    r.epoch = field<std::uint64_t>(j, "epoch");
    r.vcl = field<check::Lsn>(j, "vcl");
    r.vdl = field<check::Lsn>(j, "vdl");
    r.watermark = field<check::Lsn>(j, "watermark");
    r.annul_from = field<check::Lsn>(j, "annul_from");
    r.annul_to = field<check::Lsn>(j, "annul_to");
    r.next_lsn = field<check::Lsn>(j, "next_lsn");
    r.lal = field<check::Lsn>(j, "lal");
    return r;
  }
  if (kind == "annulled") {
    return obs::Annulled{field<check::Lsn>(j, "from"), field<check::Lsn>(j, "to"),
                         field<std::uint64_t>(j, "epoch"), field<check::Lsn>(j, "watermark")};
  }
  if (kind == "session_started") return obs::SessionStarted{field<std::string>(j, "node")};
  if (kind == "committed") {
    return obs::Committed{field<std::string>(j, "node"), field<check::Lsn>(j, "cpl"),
                          field<std::string>(j, "mtr")};
  }
  if (kind == "commit_unknown") {
    return obs::CommitUnknown{field<std::string>(j, "node"), field<std::string>(j, "mtr"),
                              field<std::string>(j, "error")};
  }
  if (kind == "commit_refused") {
    return obs::CommitRefused{field<std::string>(j, "node"), field<std::string>(j, "mtr"),
                              field<std::string>(j, "error")};
  }
  if (kind == "crashed") return obs::Crashed{};
  if (kind == "fsync_failed") return obs::FsyncFailed{};
  throw std::invalid_argument("unknown observation '" + std::string(kind) + "'");
}

}  // namespace

std::string encode_observation(const check::Observation& o) { return to_json(o).dump() + "\n"; }

std::optional<WireLine> decode_line(const std::string& line, std::string& error) {
  const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("o") || !j["o"].is_string()) {
    error = "not an observation line: " + line.substr(0, 80);
    return std::nullopt;
  }
  const std::string kind = j["o"].get<std::string>();
  if (kind == "ready") return WireLine{.ready = true};
  try {
    return WireLine{.observation = from_json(j, kind)};
  } catch (const std::exception& e) {
    error = "bad '" + kind + "' line (" + e.what() + "): " + line.substr(0, 80);
    return std::nullopt;
  }
}

}  // namespace aurora::workloads::real
