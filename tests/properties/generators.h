// rapidcheck generators shared by the engine's properties: redo writes, MTRs and crash
// plans, shaped by the system's configuration. Each shrinks toward the simplest case
// (page 0, offset 0, one byte, one write, a drop-all crash with nothing in flight).
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <vector>

#include "tests/properties/engine_system.h"

namespace aurora::properties {

// One write of 1..32 bytes that fits a page.
inline rc::Gen<check_write> gen_write(const SystemConfig& c) {
  return rc::gen::exec([c] {
    check_write w;
    w.page = *rc::gen::inRange<PageId>(0, c.pages);
    w.offset = *rc::gen::inRange<std::uint32_t>(0, c.page_size);
    const std::uint32_t max_len = std::min<std::uint32_t>(32, c.page_size - w.offset);
    const auto len = *rc::gen::inRange<std::size_t>(1, max_len + 1);
    w.bytes = *rc::gen::container<std::vector<std::uint8_t>>(len, rc::gen::arbitrary<std::uint8_t>());
    return w;
  });
}

// An MTR of 1..4 writes; several pages in one MTR make it a multi-page MTR.
inline rc::Gen<std::vector<check_write>> gen_mtr(const SystemConfig& c) {
  return rc::gen::exec([c] {
    const auto n = *rc::gen::inRange<std::size_t>(1, 5);
    return *rc::gen::container<std::vector<check_write>>(n, gen_write(c));
  });
}

inline rc::Gen<CrashPlan> gen_crash_plan(const SystemConfig& c) {
  return rc::gen::exec([c] {
    CrashPlan p;
    p.mode = *rc::gen::element(sim::CrashMode::kDropAll, sim::CrashMode::kPrefix,
                               sim::CrashMode::kSubset);
    p.tear = *rc::gen::arbitrary<bool>();
    const auto n = *rc::gen::inRange<std::size_t>(0, 4);
    p.in_flight = *rc::gen::container<std::vector<std::vector<check_write>>>(n, gen_mtr(c));
    // A few MTRs in flight are durable after about 10 steps: most crashes strike before.
    p.steps = *rc::gen::inRange<std::uint64_t>(0, 16);
    p.at_unsynced_write = *rc::gen::arbitrary<bool>();
    return p;
  });
}

inline void show_writes(const std::vector<check_write>& writes, std::ostream& os) {
  os << "[";
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const check_write& w = writes[i];
    os << (i ? ", " : "") << "page " << w.page << " @" << w.offset << " +" << w.bytes.size();
  }
  os << "]";
}

inline void show_crash_plan(const CrashPlan& p, std::ostream& os) {
  os << sim::crash_mode_name(p.mode) << (p.tear ? ", torn" : "") << ", " << p.in_flight.size()
     << " MTRs in flight";
  for (const auto& mtr : p.in_flight) {
    os << " ";
    show_writes(mtr, os);
  }
  if (p.in_flight.empty()) return;
  if (p.at_unsynced_write) {
    os << " until a log write waits for its fsync";
  } else {
    os << " for " << p.steps << " steps";
  }
}

}  // namespace aurora::properties
