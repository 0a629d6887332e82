#include "tests/properties/engine_system.h"

#include <algorithm>
#include <sstream>

#include "workloads/mtr/mtr_parts.h"

namespace aurora::properties {

namespace check = workloads::check;
namespace obs = workloads::check::obs;

namespace {

sim::WorldOptions world_options(std::uint64_t seed) {
  sim::WorldOptions o;
  o.seed = seed;
  // No fault fires on its own: each crash says what survives and whether writes tear.
  o.faults = sim::FaultConfig::none();
  // Records are about a hundred bytes: a small atomic unit lets a crash tear inside one.
  o.faults.atomic_unit = 64;
  return o;
}

storage::StorageOptions storage_options(const SystemConfig& c) {
  storage::StorageOptions o;
  o.log.segment_bytes = c.segment_bytes;
  o.log.durability = c.durability;
  o.pages.page_size = c.page_size;
  o.pages.image_after = c.image_after;
  o.pages.cache_pages = 8;
  o.pages.compact_min_dead = 4;
  // Background work happens only when a command asks for it (see the header).
  o.maintenance_interval = 3600 * kSecond;
  return o;
}

std::vector<wal::Redo> redo_of(const std::vector<check_write>& writes) {
  std::vector<wal::Redo> out;
  for (const check_write& w : writes) {
    std::vector<std::byte> bytes(w.bytes.size());
    std::transform(w.bytes.begin(), w.bytes.end(), bytes.begin(),
                   [](std::uint8_t b) { return static_cast<std::byte>(b); });
    out.push_back(wal::Redo{w.page, w.offset, std::move(bytes)});
  }
  return out;
}

// What an operation answers when the world settled without it finishing: a deadlock,
// which stuck() describes and every property fails on.
Status not_finished() { return Status::stopped("the operation did not finish (see stuck())"); }

}  // namespace

EngineSystem::EngineSystem(std::uint64_t seed, SystemConfig config)
    : config_(config),
      options_(storage_options(config)),
      world_(world_options(seed)),
      suite_(/*unrestricted=*/false, config.page_size) {
  storage_node_ = world_.add_node("storage", nullptr);
  // A recovery's annulment is observed when it becomes durable, as in the MTR workload.
  world_.trace().set_listener([this](std::string_view kind, std::span<const Field> fields) {
    if (kind == "fs.write" || kind == "fs.fsync") {
      for (const Field& f : fields) {
        if (f.key == "path" && f.s.ends_with(".seg")) {
          log_write_unsynced_ = kind == "fs.write";
        }
      }
      return;
    }
    if (std::optional<obs::Annulled> a = workloads::annulled_observation(kind, fields)) observe(*a);
  });
  const Status opened = recover();
  AURORA_ASSERT(opened.is_ok(), "a new volume on a disk without faults must open");
}

EngineSystem::~EngineSystem() {
  nodes_.clear();  // they unpin their read points in the storage
  storage_.reset();
}

std::string EngineSystem::node_name(int node) { return node == 0 ? "A" : "B"; }

bool EngineSystem::run(std::function<void()> body) {
  world_.sched().spawn(storage_node_, "property.command", std::move(body));
  const RunOutcome out = world_.run();
  stuck_ = out.kind == RunOutcome::Kind::kCompleted ? "" : out.describe();
  return stuck_.empty();
}

void EngineSystem::observe(check::Observation o) { (void)suite_.observe(o); }

void EngineSystem::observe_state() {
  if (!storage_) return;
  std::vector<Lsn> read_points;
  for (const auto& n : nodes_) read_points.push_back(n->read_point());
  observe(workloads::state_observation(*storage_, std::move(read_points)));
}

storage::CommitHooks EngineSystem::hooks(std::string node, const compute::MtrId& id,
                                         const std::vector<check_write>& writes) {
  storage::CommitHooks h = workloads::observing_hooks(
      std::move(node), id, writes, options_.log.lal,
      [this]() -> std::optional<Lsn> {
        if (!storage_) return std::nullopt;
        return storage_->vdl();
      },
      [this](check::Observation o) { observe(std::move(o)); });
  // Also keep every acknowledged CPL, for the properties about recovery.
  h.acknowledged = [this, ack = std::move(h.acknowledged)](Lsn cpl) {
    acked_.push_back(cpl);
    ack(cpl);
  };
  return h;
}

void EngineSystem::start_nodes() {
  nodes_.clear();
  ++generation_;  // the nodes' new incarnation: their MTR ids never repeat an older one's
  for (int i = 0; i < kComputeNodes; ++i) {
    // Each node its own id in its MTRs' ids, so that no two nodes' MTRs share one.
    nodes_.push_back(std::make_unique<compute::ComputeNode>(
        *storage_, node_name(i),
        compute::ComputeOptions{
            .buffer_pages = 4, .node = static_cast<NodeId>(i + 1), .incarnation = generation_},
        book_.observer()));
  }
}

Result<Lsn> EngineSystem::put(int node, const std::vector<check_write>& writes) {
  compute::Mtr mtr;
  for (const wal::Redo& r : redo_of(writes)) mtr.put(r.page, r.offset, r.bytes);
  Result<Lsn> cpl = not_finished();
  const compute::MtrId id = this->node(node).new_mtr_id();
  book_.expect(id, hooks(node_name(node), id, writes));
  if (!run([&] { cpl = this->node(node).commit(mtr, id); })) return not_finished();
  observe_state();
  return cpl;
}

EngineSystem::NodeRead EngineSystem::read(int node, PageId page, bool cold) {
  NodeRead out;
  const bool done = run([&] {
    out.warm = this->node(node).read(page);
    out.at = this->node(node).read_point();  // after the read: a node without one refreshes
    if (cold && out.warm.is_ok()) {
      storage_->pages().drop_cache();
      out.cold = storage_->read(page, out.at);
    }
  });
  if (!done) {
    out.warm = not_finished();
    return out;
  }
  observe(workloads::read_observation(node_name(node), page, out.at, /*at_read_point=*/true,
                                      out.warm));
  if (out.cold && out.cold->is_ok() && out.warm.is_ok()) {
    observe(obs::ColdWarm{page, out.at, workloads::plain_bytes(*out.warm),
                          workloads::plain_bytes(**out.cold)});
  }
  observe_state();
  return out;
}

Result<std::vector<std::byte>> EngineSystem::read_at(PageId page, Lsn at) {
  const Lsn may_refuse_below = storage_->min_read_point();
  Result<std::vector<std::byte>> got = not_finished();
  if (!run([&] { got = storage_->read(page, at); })) return not_finished();
  observe(workloads::read_observation("direct", page, at, /*at_read_point=*/false, got,
                                      may_refuse_below));
  observe_state();
  return got;
}

Result<Lsn> EngineSystem::refresh(int node) {
  Result<Lsn> rp = not_finished();
  if (!run([&] { rp = this->node(node).refresh(); })) return not_finished();
  observe_state();
  return rp;
}

Status EngineSystem::sync() {
  Status s = not_finished();
  if (!run([&] { s = storage_->sync(); })) return not_finished();
  observe_state();
  return s;
}

Result<std::size_t> EngineSystem::write_images() {
  Result<std::size_t> n = not_finished();
  if (!run([&] { n = storage_->pages().write_images(storage_->vdl()); })) {
    return not_finished();
  }
  observe_state();
  return n;
}

Result<std::size_t> EngineSystem::collect() {
  Result<std::size_t> n = not_finished();
  if (!run([&] { n = storage_->pages().collect(storage_->min_read_point()); })) {
    return not_finished();
  }
  observe_state();
  return n;
}

Result<std::size_t> EngineSystem::tier() {
  Result<std::size_t> n = not_finished();
  if (!run([&] { n = storage_->log().tier_sealed_segments(storage_->vdl()); })) {
    return not_finished();
  }
  observe_state();
  return n;
}

Result<std::uint64_t> EngineSystem::rotate(std::size_t max_mtrs) {
  const std::uint64_t before = storage_->log().stats().rotations;
  // Whole-page writes to page 0: the fewest MTRs that fill a segment.
  const std::vector<check_write> fill{
      check_write{.page = 0, .offset = 0, .bytes = std::vector<std::uint8_t>(config_.page_size, 0xAB)}};
  for (std::size_t i = 0; i < max_mtrs && storage_->log().stats().rotations == before; ++i) {
    Result<Lsn> cpl = put(0, fill);
    if (!cpl.is_ok()) return cpl.status();
  }
  return storage_->log().stats().rotations - before;
}

void EngineSystem::crash(const CrashPlan& plan) {
  // The MTRs in flight: each commits in its own fiber on the storage node, and the world
  // runs `steps` scheduler steps before the crash strikes (the run may also complete).
  for (std::size_t i = 0; i < plan.in_flight.size(); ++i) {
    const std::vector<wal::Redo> mtr = redo_of(plan.in_flight[i]);
    world_.sched().spawn(storage_node_, "property.in_flight",
                         [this, mtr,
                          h = hooks(node_name(0), compute::MtrId{0, 0, ++in_flight_mtrs_},
                                    plan.in_flight[i])] {
                           (void)storage_->commit(mtr, h);
                         });
  }
  // (The scheduler counts steps over the whole run, not per call.)
  if (!plan.in_flight.empty()) {
    if (!plan.at_unsynced_write) {
      (void)world_.run(RunLimits{.max_steps = world_.sched().steps() + plan.steps});
    }
    for (int i = 0; plan.at_unsynced_write && !log_write_unsynced_ && i < 200; ++i) {
      const RunOutcome step = world_.run(RunLimits{.max_steps = world_.sched().steps() + 1});
      if (step.kind == RunOutcome::Kind::kCompleted) break;
    }
  }

  sim::FaultRule& torn = world_.faults().mutable_config().rule(sim::FaultKind::kTornWrite);
  torn = sim::FaultRule{.enabled = plan.tear, .probability = 0.5};
  world_.crash(storage_node_, plan.mode);
  log_write_unsynced_ = false;
  torn = sim::FaultRule{};
  nodes_.clear();
  storage_.reset();
  ++crashes_;
  observe(obs::Crashed{});
}

Status EngineSystem::recover() {
  if (!world_.up(storage_node_)) world_.restart(storage_node_);
  Result<std::unique_ptr<storage::Storage>> opened = not_finished();
  if (!run([&] { opened = storage::Storage::open(world_.runtime(storage_node_), options_); })) {
    return not_finished();
  }
  if (!opened.is_ok()) {
    if (opened.kind() == ErrorKind::kCorruption) {
      observe(obs::Recovered{.corruption = opened.status().to_string()});
    }
    return opened.status();
  }
  storage_ = std::move(opened).value();
  last_recovery_ = storage_->log().recovery();
  if (last_recovery_.torn_tail) ++torn_tails_;
  if (last_recovery_.vcl_found > last_recovery_.vdl_found || last_recovery_.records_beyond_hole > 0) {
    ++annulments_;
  }
  observe(workloads::recovered_observation(*storage_));
  start_nodes();
  observe_state();
  return Status::ok();
}

std::vector<std::byte> EngineSystem::model_page(PageId page, Lsn at) const {
  const std::vector<std::uint8_t> p = suite_.model().page_at(page, at);
  std::vector<std::byte> out(p.size());
  std::transform(p.begin(), p.end(), out.begin(), [](std::uint8_t b) { return std::byte{b}; });
  return out;
}

std::string EngineSystem::violations() const {
  std::ostringstream out;
  for (const workloads::Violation& v : suite_.violations()) {
    out << v.invariant << ": " << v.message << "\n";
  }
  return out.str();
}

std::string EngineSystem::finish() {
  (void)suite_.finish();
  return violations();
}

}  // namespace aurora::properties
