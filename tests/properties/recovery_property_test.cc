// Properties of recovery and of reads after it, each over a random history of rounds:
// acknowledged MTRs, maybe page images and GC, then a crash (any mode, maybe tearing, with
// MTRs in flight) and a recovery.
//
//  - recovery is idempotent: recovering again, with nothing new written, changes no page
//    and no version;
//  - the recovered VDL is a consistency point, and covers every acknowledged CPL;
//  - read(page, R) equals the reference model for every read point R the engine accepts;
//  - a read with every cache cold equals the same read with the caches warm.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>

#include "tests/properties/engine_commands.h"

namespace aurora::properties {
namespace {

struct Round {
  std::vector<std::vector<check_write>> mtrs;  // committed and acknowledged through node A
  bool images = false;
  bool gc = false;
  CrashPlan crash;
};

rc::Gen<Round> gen_round() {
  return rc::gen::exec([] {
    const SystemConfig& c = property_config();
    Round r;
    const auto n = *rc::gen::inRange<std::size_t>(0, 12);
    r.mtrs = *rc::gen::container<std::vector<std::vector<check_write>>>(n, gen_mtr(c));
    r.images = *rc::gen::arbitrary<bool>();
    r.gc = *rc::gen::arbitrary<bool>();
    r.crash = *gen_crash_plan(c);
    return r;
  });
}

rc::Gen<std::vector<Round>> gen_history() {
  return rc::gen::exec([] {
    const auto n = *rc::gen::inRange<std::size_t>(1, 5);
    return *rc::gen::container<std::vector<Round>>(n, gen_round());
  });
}

// Plays one round: its MTRs, images, GC, the crash and the recovery.
void play(EngineSystem& sys, const Round& r) {
  for (const auto& mtr : r.mtrs) {
    const Result<Lsn> cpl = sys.put(0, mtr);
    require_consistent(sys);
    require(cpl.is_ok(), "commit failed: " + status_of(cpl));
  }
  if (r.images) require(sys.write_images().is_ok(), "image writing failed");
  // Both nodes catch up first, so that GC has something below their read points.
  if (r.gc) {
    for (int i = 0; i < EngineSystem::kComputeNodes; ++i) (void)sys.refresh(i);
    require(sys.collect().is_ok(), "GC failed");
  }
  sys.crash(r.crash);
  const Status s = sys.recover();
  require_consistent(sys);
  require(s.is_ok(), "recovery failed: " + s.to_string());
}

// The pages and their versions, as the open storage holds them at VDL.
struct Snapshot {
  std::map<PageId, std::vector<std::byte>> pages;
  std::map<PageId, std::vector<Lsn>> versions;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

Snapshot snapshot(EngineSystem& sys) {
  Snapshot s;
  for (PageId p = 0; p < sys.config().pages; ++p) {
    const Result<std::vector<std::byte>> got = sys.read_at(p, sys.storage().vdl());
    require(got.is_ok(), "read at VDL failed: " + status_of(got));
    s.pages[p] = *got;
    if (const std::vector<Lsn>* v = sys.storage().log().versions(p)) s.versions[p] = *v;
  }
  return s;
}

// Read points worth trying: the GC floor, VDL, and each version of each page with its
// neighbours (where a page's bytes change), all within [floor, VDL].
std::set<Lsn> read_points(EngineSystem& sys) {
  const Lsn floor = sys.storage().log().gc_floor();
  const Lsn vdl = sys.storage().vdl();
  std::set<Lsn> out{floor, vdl};
  for (PageId p = 0; p < sys.config().pages; ++p) {
    const std::vector<Lsn>* versions = sys.storage().log().versions(p);
    if (versions == nullptr) continue;
    for (const Lsn v : *versions) {
      for (const Lsn at : {v - 1, v, v + 1}) {
        if (at >= floor && at <= vdl) out.insert(at);
      }
    }
  }
  return out;
}

RC_GTEST_PROP(RecoveryProperties, RecoveryIsIdempotent, ()) {
  EngineSystem sys(*rc::gen::noShrink(rc::gen::arbitrary<std::uint64_t>()));
  for (const Round& r : *gen_history()) play(sys, r);
  const Snapshot first = snapshot(sys);
  const Lsn vdl = sys.storage().vdl();

  sys.crash(CrashPlan{});  // nothing in flight, nothing unsynced: the same bytes again
  const Status s = sys.recover();
  require(s.is_ok(), "the second recovery failed: " + s.to_string());
  require_consistent(sys);
  const wal::RecoveryReport& again = sys.last_recovery();
  require(!again.torn_tail && again.records_beyond_hole == 0,
          "the second recovery cut off records the first one kept");
  require(sys.storage().vdl() >= vdl, "the second recovery lowered VDL");
  require(snapshot(sys) == first, "the second recovery changed a page or its versions");
}

RC_GTEST_PROP(RecoveryProperties, RecoveredVdlIsAConsistencyPointAtOrAboveEveryAck, ()) {
  EngineSystem sys(*rc::gen::noShrink(rc::gen::arbitrary<std::uint64_t>()));
  // Consistency points so far: 0, every CPL ever appended, every recovery's VDL and the
  // end of its annulment (the new volume's consistency point).
  std::set<Lsn> consistency_points{0};
  for (const Round& r : *gen_history()) {
    play(sys, r);
    for (const auto& [first, cpl] : sys.model().allocations()) consistency_points.insert(cpl);
    const wal::RecoveryReport& rec = sys.last_recovery();
    require(consistency_points.contains(rec.vdl_found),
            "recovered VDL " + std::to_string(rec.vdl_found) + " is not a consistency point");
    for (const Lsn acked : sys.acked()) {
      require(rec.vdl_found >= acked, "recovered VDL " + std::to_string(rec.vdl_found) +
                                          " is below acknowledged CPL " + std::to_string(acked));
    }
    consistency_points.insert(sys.storage().vdl());
    if (rec.annulled) consistency_points.insert(rec.annulled->to);
  }
}

RC_GTEST_PROP(RecoveryProperties, EveryAcceptedReadPointReadsAsTheModel, ()) {
  EngineSystem sys(*rc::gen::noShrink(rc::gen::arbitrary<std::uint64_t>()));
  for (const Round& r : *gen_history()) play(sys, r);
  for (const auto& mtr : *rc::gen::container<std::vector<std::vector<check_write>>>(
           *rc::gen::inRange<std::size_t>(0, 8), gen_mtr(property_config()))) {
    require(sys.put(1, mtr).is_ok(), "commit failed");
  }
  for (const Lsn at : read_points(sys)) {
    for (PageId p = 0; p < sys.config().pages; ++p) {
      const Result<std::vector<std::byte>> got = sys.read_at(p, at);
      require_consistent(sys);
      if (!got.is_ok()) {
        require(got.kind() == ErrorKind::kOutOfRange, "read failed: " + status_of(got));
        continue;
      }
      require(*got == sys.model_page(p, at), "page " + std::to_string(p) + " at " +
                                                 std::to_string(at) + " differs from the model");
    }
  }
}

RC_GTEST_PROP(RecoveryProperties, ColdReadsEqualWarmReads, ()) {
  EngineSystem sys(*rc::gen::noShrink(rc::gen::arbitrary<std::uint64_t>()));
  for (const Round& r : *gen_history()) play(sys, r);
  if (*rc::gen::arbitrary<bool>()) require(sys.write_images().is_ok(), "image writing failed");
  for (const Lsn at : read_points(sys)) {
    for (PageId p = 0; p < sys.config().pages; ++p) {
      const Result<std::vector<std::byte>> warm = sys.read_at(p, at);
      const Result<std::vector<std::byte>> warmer = sys.read_at(p, at);  // from the cache
      sys.storage().pages().drop_cache();
      const Result<std::vector<std::byte>> cold = sys.read_at(p, at);
      require_consistent(sys);
      require(warm.is_ok() == cold.is_ok() && warmer.is_ok() == cold.is_ok(),
              "a read's outcome depends on the cache");
      if (cold.is_ok()) {
        require(*warm == *cold && *warmer == *cold, "page " + std::to_string(p) + " at " +
                                                        std::to_string(at) +
                                                        " differs cold and warm");
      }
    }
  }
}

}  // namespace
}  // namespace aurora::properties
