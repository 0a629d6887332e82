// The commands of the engine's stateful property (engine_state_property_test.cc).
//
// rapidcheck's model (EngineModel) carries only what the preconditions need: whether the
// storage is up. It cannot carry the expected pages, because the engine assigns the LSNs
// and a crash decides which unacknowledged MTRs survive. The oracle is the harness's
// reference model instead (check::Suite inside EngineSystem), fed every observation, and
// each command also compares what it read with that model directly.
//
// Every precondition lives in checkPreconditions, none in a constructor, so every list of
// commands shrinking produces is checked against the same rules as a generated one.
#pragma once

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <ostream>
#include <string>

#include "tests/properties/engine_system.h"
#include "tests/properties/generators.h"

namespace aurora::properties {

struct EngineModel {
  bool up = true;  // a new volume is open
};

using EngineCommand = rc::state::Command<EngineModel, EngineSystem>;

// The configuration every command is generated for.
inline const SystemConfig& property_config() {
  static const SystemConfig config;
  return config;
}

// Fails the property with `what` (and what the world says) unless `ok`.
inline void require(bool ok, const std::string& what) {
  if (!ok) RC_FAIL(what);
}

// After every command: the world settled and the Suite found nothing.
inline void require_consistent(const EngineSystem& sys) {
  require(sys.stuck().empty(), "the world deadlocked:\n" + sys.stuck());
  const std::string v = sys.violations();
  require(v.empty(), "the reference model's checkers fired:\n" + v);
}

template <typename T>
std::string status_of(const Result<T>& r) {
  return r.is_ok() ? "ok" : r.status().to_string();
}

struct NeedsStorageUp : EngineCommand {
  void checkPreconditions(const EngineModel& m) const override { RC_PRE(m.up); }
};

struct Put : NeedsStorageUp {
  int node = *rc::gen::inRange(0, EngineSystem::kComputeNodes);
  std::vector<check_write> writes = *gen_mtr(property_config());

  void run(const EngineModel&, EngineSystem& sys) const override {
    const Result<Lsn> cpl = sys.put(node, writes);
    require_consistent(sys);
    require(cpl.is_ok(), "commit failed: " + status_of(cpl));
    require(sys.node(node).read_point() >= *cpl, "the node does not read its own write");
  }
  void show(std::ostream& os) const override {
    os << "Put(" << EngineSystem::node_name(node) << ", ";
    show_writes(writes, os);
    os << ")";
  }
};

struct Read : NeedsStorageUp {
  int node = *rc::gen::inRange(0, EngineSystem::kComputeNodes);
  PageId page = *rc::gen::inRange<PageId>(0, property_config().pages);
  bool cold = *rc::gen::arbitrary<bool>();  // also read it with every cache dropped

  void run(const EngineModel&, EngineSystem& sys) const override {
    const EngineSystem::NodeRead r = sys.read(node, page, cold);
    require_consistent(sys);
    require(r.warm.is_ok(), "read failed: " + status_of(r.warm));
    require(*r.warm == sys.model_page(page, r.at),
            "page " + std::to_string(page) + " at " + std::to_string(r.at) + " differs from the model");
    if (cold) {
      require(r.cold.has_value() && r.cold->is_ok(), "cold read failed");
      require(**r.cold == *r.warm, "a cold read differs from a warm one");
    }
  }
  void show(std::ostream& os) const override {
    os << "Read(" << EngineSystem::node_name(node) << ", page " << page << (cold ? ", cold" : "")
       << ")";
  }
};

// read(page, R) for a read point R between the GC floor and VDL, picked at run time
// (LSNs are the engine's): `pick` shrinks toward the floor.
struct ReadAt : NeedsStorageUp {
  PageId page = *rc::gen::inRange<PageId>(0, property_config().pages);
  std::uint64_t pick = *rc::gen::arbitrary<std::uint64_t>();

  void run(const EngineModel&, EngineSystem& sys) const override {
    const Lsn floor = sys.storage().log().gc_floor();
    const Lsn at = floor + pick % (sys.storage().vdl() - floor + 1);
    const Result<std::vector<std::byte>> got = sys.read_at(page, at);
    require_consistent(sys);
    if (!got.is_ok()) {
      // Only a read point GC may already have passed may be refused.
      require(got.kind() == ErrorKind::kOutOfRange, "read at " + std::to_string(at) +
                                                        " failed: " + status_of(got));
      return;
    }
    require(*got == sys.model_page(page, at),
            "page " + std::to_string(page) + " at " + std::to_string(at) + " differs from the model");
  }
  void show(std::ostream& os) const override {
    os << "ReadAt(page " << page << ", pick " << pick << ")";
  }
};

struct Refresh : NeedsStorageUp {
  int node = *rc::gen::inRange(0, EngineSystem::kComputeNodes);

  void run(const EngineModel&, EngineSystem& sys) const override {
    const Result<Lsn> rp = sys.refresh(node);
    require_consistent(sys);
    require(rp.is_ok(), "refresh failed: " + status_of(rp));
    require(*rp == sys.storage().vdl(), "refresh did not move the read point to VDL");
  }
  void show(std::ostream& os) const override {
    os << "Refresh(" << EngineSystem::node_name(node) << ")";
  }
};

struct Sync : NeedsStorageUp {
  void run(const EngineModel&, EngineSystem& sys) const override {
    const Status s = sys.sync();
    require_consistent(sys);
    require(s.is_ok(), "sync failed: " + s.to_string());
  }
  void show(std::ostream& os) const override { os << "Sync"; }
};

struct WriteImages : NeedsStorageUp {
  void run(const EngineModel&, EngineSystem& sys) const override {
    const Result<std::size_t> n = sys.write_images();
    require_consistent(sys);
    require(n.is_ok(), "image writing failed: " + status_of(n));
  }
  void show(std::ostream& os) const override { os << "WriteImages"; }
};

struct Gc : NeedsStorageUp {
  void run(const EngineModel&, EngineSystem& sys) const override {
    const Result<std::size_t> n = sys.collect();
    require_consistent(sys);
    require(n.is_ok(), "GC failed: " + status_of(n));
  }
  void show(std::ostream& os) const override { os << "Gc"; }
};

struct Tier : NeedsStorageUp {
  void run(const EngineModel&, EngineSystem& sys) const override {
    const Result<std::size_t> n = sys.tier();
    require_consistent(sys);
    require(n.is_ok(), "tiering failed: " + status_of(n));
  }
  void show(std::ostream& os) const override { os << "Tier"; }
};

struct Rotate : NeedsStorageUp {
  void run(const EngineModel&, EngineSystem& sys) const override {
    const Result<std::uint64_t> n = sys.rotate();
    require_consistent(sys);
    require(n.is_ok(), "writing to a segment's end failed: " + status_of(n));
    require(*n >= 1, "the log never started a new segment");
  }
  void show(std::ostream& os) const override { os << "Rotate"; }
};

struct Crash : NeedsStorageUp {
  CrashPlan plan = *gen_crash_plan(property_config());

  void apply(EngineModel& m) const override { m.up = false; }
  void run(const EngineModel&, EngineSystem& sys) const override {
    sys.crash(plan);
    require_consistent(sys);
  }
  void show(std::ostream& os) const override {
    os << "Crash(";
    show_crash_plan(plan, os);
    os << ")";
  }
};

struct Recover : EngineCommand {
  void checkPreconditions(const EngineModel& m) const override { RC_PRE(!m.up); }
  void apply(EngineModel& m) const override { m.up = true; }
  void run(const EngineModel&, EngineSystem& sys) const override {
    const Status s = sys.recover();
    require_consistent(sys);
    // Crashes and torn writes only: recovery must always succeed.
    require(s.is_ok(), "recovery failed: " + s.to_string());
  }
  void show(std::ostream& os) const override { os << "Recover"; }
};

// Puts and reads twice as often as the rest.
inline auto engine_commands() {
  return rc::state::gen::execOneOfWithArgs<Put, Put, Read, Read, ReadAt, Refresh, Sync,
                                           WriteImages, Gc, Tier, Rotate, Crash, Recover>();
}

}  // namespace aurora::properties
