#include "workloads/mtr/mtr_workload.h"

#include <algorithm>
#include <utility>

#include "engine/storage/presets.h"
#include "engine/wal/log.h"
#include "workloads/mtr/mtr_parts.h"

namespace aurora::workloads {
namespace {

using compute::ComputeNode;
using storage::Lsn;
using storage::PageId;
using compute::Mtr;
namespace obs = check::obs;

}  // namespace

struct MtrWorkload::ComputeSlot {
  std::string name;
  NodeId node = 0;
  std::unique_ptr<compute::RemoteStorage> link;
  ComputeNode* live = nullptr;         // while its boot fiber runs
  std::uint64_t storage_crashes_seen = 0;  // storage crashes this incarnation outlived
};

MtrWorkload::MtrWorkload(sim::World& world, const Spec& spec)
    : world_(world),
      spec_(spec),
      storage_options_(storage_options_for(spec)),
      segment_dir_(storage_options_.log.dir + "/wal/"),
      suite_(spec.faults.regime == FaultRegime::kUnrestricted, spec.storage.page_size),
      quorum_(storage::is_quorum_preset(spec.storage.preset)) {}

MtrWorkload::~MtrWorkload() {
  // Compute fibers reference the links and the storage: they go first.
  for (auto& c : computes_) {
    if (world_.up(c->node)) world_.crash(c->node);
  }
  for (auto& r : replicas_) {
    if (world_.up(r->node)) world_.crash(r->node);
  }
  for (NodeId n : {storage_node_, stale_node_, standby_node_}) {
    if (n != 0 && world_.up(n)) world_.crash(n);
  }
  for (NodeId n : segment_nodes_) {
    if (world_.up(n)) world_.crash(n);
  }
  for (auto& c : computes_) c->link.reset();
  for (auto& r : replicas_) {
    r->replica.reset();
    r->link.reset();
  }
  volume_ = nullptr;
  server_.reset();
  storage_.reset();
  writer_.reset();
  stale_server_.reset();
  stale_writer_.reset();
  segment_servers_.clear();
  world_.trace().set_listener(nullptr);
  world_.set_crash_handler(nullptr);
}

void MtrWorkload::install() {
  world_.trace().set_listener(
      [this](std::string_view kind, std::span<const Field> fields) { on_event(kind, fields); });
  world_.set_crash_handler([this](NodeId node, std::string_view) { crash_at_point(node); });
  storage_node_ = world_.add_node("storage", [this](Runtime rt) { boot_storage(rt); });
  if (quorum_) {
    // Two segment nodes in each zone; the layout is set before any of them boots (boots run
    // as fibers, once the world runs).
    const char* zones = "aabbcc";
    for (std::size_t i = 0; i < quorum::kReplicas; ++i) {
      segment_nodes_.push_back(world_.add_node(std::string("s").append(std::to_string(i)),
                                               [this](Runtime rt) { boot_segments(rt); },
                                               std::string(1, zones[i])));
    }
    layout_ = quorum_layout_for(spec_, segment_nodes_);
  }
  for (std::uint32_t i = 0; i < spec_.workload.compute_nodes; ++i) {
    auto slot = std::make_unique<ComputeSlot>();
    slot->name = std::string("c").append(std::to_string(i));
    computes_.push_back(std::move(slot));
    computes_.back()->node =
        world_.add_node(computes_.back()->name, [this, i](Runtime rt) { boot_compute(i, rt); });
  }
  for (std::uint32_t i = 0; quorum_ && i < spec_.workload.read_replicas; ++i) {
    auto slot = std::make_unique<ReplicaSlot>();
    slot->name = std::string("r").append(std::to_string(i));
    replicas_.push_back(std::move(slot));
    replicas_.back()->node =
        world_.add_node(replicas_.back()->name, [this, i](Runtime rt) { boot_replica(i, rt); });
  }
  if (quorum_ && spec_.workload.crash_failover_weight > 0) {
    // Added last, so that specs without failovers number their nodes as before.
    standby_node_ = world_.add_node("storage2", [this](Runtime rt) { boot_storage(rt); }, "b");
  }
  world_.spawn("driver", [this] { run_driver(); });
}

// --- observations ----------------------------------------------------------------------

void MtrWorkload::observe(check::Observation o) { record(suite_.observe(o)); }

void MtrWorkload::record(std::vector<Violation> found) {
  for (Violation& v : found) {
    v.at = world_.clock().now();
    v.event = world_.trace().events();
    violations_.push_back(std::move(v));
    failed_ = true;
  }
  if (failed_) wake_all();  // every loop winds down
}

void MtrWorkload::observe_state() {
  if (volume_ == nullptr) return;
  std::vector<Lsn> read_points;
  for (const auto& c : computes_) {
    if (c->live != nullptr) read_points.push_back(c->live->read_point());
  }
  observe(storage_ ? state_observation(*storage_, std::move(read_points))
                   : state_observation(*writer_, std::move(read_points)));
  observe_horizon();
}

bool MtrWorkload::volume_stopped() const {
  if (storage_) return storage_->log().stopped();
  return writer_ && writer_->stopped();
}

// The model keeps every page version a read could still ask for. Reads come at a compute
// node's read point (never below the GC floor: pinned) or at a past LSN at or above the
// floor when the read is made; a floor is final once durable. So the horizon is the
// durable floor, held down by every read under way and every live node's read point.
void MtrWorkload::observe_horizon() {
  Lsn h = durable_gc_floor_;
  if (!reads_in_flight_.empty()) h = std::min(h, *reads_in_flight_.begin());
  for (const auto& c : computes_) {
    if (c->live != nullptr) h = std::min(h, c->live->read_point());
  }
  for (const auto& r : replicas_) {
    if (r->replica && world_.up(r->node)) h = std::min(h, r->replica->read_point());
  }
  if (h <= horizon_told_) return;
  horizon_told_ = h;
  observe(obs::GcHorizon{h});
}

// Invariant 11 is about the files that hold acknowledged data: after an fsync of a log
// segment fails, nothing more may be acknowledged in that incarnation. (The engine also
// stops after a failed fsync of anything else, a control file, an image file or a
// directory, but those do not decide what is durable, and an fsync of a segment already
// under way may rightly complete and acknowledge while the engine learns of the failure.
// Cold copies made by tiering are not the segment until the control file says so.)
void MtrWorkload::on_event(std::string_view kind, std::span<const Field> fields) {
  coverage_.on_event(kind, fields);
  if (std::optional<obs::Annulled> a = annulled_observation(kind, fields)) {
    annulling_epoch_ = std::max(annulling_epoch_, a->epoch);
    observe(*a);
    return;
  }
  if (kind.starts_with("fault.")) ++stats_.faults_fired;
  if (kind == "segment.accept") {
    obs::SegmentAccepted s;
    for (const Field& f : fields) {
      if (f.key == "segment") s.segment = static_cast<std::uint32_t>(f.u);
      if (f.key == "what") s.what = std::string(f.s);
      if (f.key == "volume") s.volume_epoch = f.u;
      if (f.key == "membership") s.membership_epoch = f.u;
    }
    observe(std::move(s));
    return;
  }
  if (kind == "segment.stopped") {
    driver_wakeup_.notify_all(world_.sched());  // it waits for its node to restart
    return;
  }
  if (kind == "wal.stopped") {
    // The counters as the log stopped: the driver restarts it at once, and with the
    // network between them no compute node may look before it does (a VDL set back by a
    // failed fsync was seen only then).
    observe_state();
    driver_wakeup_.notify_all(world_.sched());  // a stopped log waits for a restart
    return;
  }
  if (kind == "wal.collected") {
    // Emitted once the control file with the new floor is durable.
    bool removed = false;
    for (const Field& f : fields) {
      if (f.key == "floor") durable_gc_floor_ = std::max(durable_gc_floor_, f.u);
      if (f.key == "segments") removed = f.u > 0;
    }
    const bool held = storage_ && std::any_of(computes_.begin(), computes_.end(), [&](const auto& c) {
      return c->live != nullptr && c->live->read_point() < storage_->vdl();
    });
    if (removed && held) coverage_.hit("gc_below_held_read_point");
    return;
  }
  if (kind == "fs.write" || kind == "fs.fsync") {
    // Log bytes written and not yet fsynced: the window aim_at_write_window() waits for.
    for (const Field& f : fields) {
      if (f.key == "path" && f.s.starts_with(segment_dir_) && f.s.ends_with(".seg")) {
        log_write_unsynced_ = kind == "fs.write";
        if (log_write_unsynced_) driver_wakeup_.notify_all(world_.sched());
      }
    }
    return;
  }
  if (kind != "fault.fsync_eio") return;
  std::string_view node, path;
  for (const Field& f : fields) {
    if (f.key == "node") node = f.s;
    if (f.key == "path") path = f.s;
  }
  if (node != "storage") return;
  fsync_failed_since_open_ = true;
  if (path.starts_with(segment_dir_) && path.ends_with(".seg")) observe(obs::FsyncFailed{});
}

// --- the storage node --------------------------------------------------------------------

void MtrWorkload::boot_segments(Runtime rt) {
  Result<std::unique_ptr<quorum::SegmentServer>> server = quorum::SegmentServer::start(
      rt, layout_.segments_on(rt.node, spec_.storage.page_size),
      quorum::SegmentServer::gossip_for(layout_, rt.node));
  AURORA_ASSERT(server.is_ok(), "the segment port is free on a node that just booted: " +
                                    server.status().to_string());
  segment_servers_[rt.node] = std::move(server).value();
  // A segment that did not open waits for the driver to restart this node.
  if (segment_servers_[rt.node]->needs_restart()) driver_wakeup_.notify_all(world_.sched());
}

void MtrWorkload::boot_writer(Runtime rt) {
  Result<std::unique_ptr<quorum::QuorumWriter>> opened =
      quorum::QuorumWriter::open(rt, writer_options_for(spec_, layout_));
  if (!opened.is_ok()) {
    storage_failed_ = true;
    ++stats_.failed_opens;
    wake_all();
    return;
  }
  storage_failed_ = false;
  writer_ = std::move(opened).value();
  volume_ = writer_.get();
  if (!replicas_.empty()) {
    Result<std::unique_ptr<quorum::ReplicaFeed>> feed =
        quorum::ReplicaFeed::open(rt, writer_->epoch(), replica_addresses());
    AURORA_ASSERT(feed.is_ok(), "a free port on a node that just booted: " +
                                    feed.status().to_string());
    writer_->attach_feed(std::move(feed).value());
  }
  ++stats_.recoveries;
  check::obs::QuorumRecovery recovery = quorum_recovery_observation(*writer_, segment_states());
  if (std::any_of(recovery.pgs.begin(), recovery.pgs.end(), [](const auto& pg) {
        return pg.sources.size() < static_cast<std::size_t>(quorum::kReplicas);
      })) {
    coverage_.hit("recovered_from_read_quorum");
  }
  observe(std::move(recovery));
  observe(recovered_observation(*writer_));
  serve_volume(rt);
}

void MtrWorkload::serve_volume(Runtime rt) {
  // A server left on a failover's stale writer hands out stale hooks once this one opened.
  compute::CommitObserver observer = [this, node = rt.node, book = hooks_.observer()](
                                         const compute::MtrId& id,
                                         std::span<const wal::Redo> mtr) {
    if (node != storage_node_ && writer_ != nullptr) return stale_hooks(mtr);
    return book(id, mtr);
  };
  Result<std::unique_ptr<compute::StorageServer>> server =
      compute::StorageServer::start(rt, *volume_, std::move(observer));
  AURORA_ASSERT(server.is_ok(), "the storage's port is free on a node that just booted: " +
                                    server.status().to_string());
  server_ = std::move(server).value();
  // After a failover, the compute nodes' calls go here from now on (a node still booting
  // has its link already, and may be waiting on it).
  for (auto& c : computes_) {
    if (c->link) c->link->redirect(server_->address());
  }
  for (auto& r : replicas_) {
    if (r->link) r->link->redirect(server_->address());
  }
  observe_state();
  wake_all();  // compute nodes waiting for the storage, and the driver
}

void MtrWorkload::boot_storage(Runtime rt) {
  if (rt.node != storage_node_) return;  // the standby: idle until a failover boots it
  if (quorum_) {
    boot_writer(rt);
    return;
  }
  Result<std::unique_ptr<storage::Storage>> opened = storage::Storage::open(rt, storage_options_);
  if (!opened.is_ok()) {
    storage_failed_ = true;
    wake_all();
    ++stats_.failed_opens;
    if (opened.kind() == ErrorKind::kCorruption) {
      volume_lost_ = true;  // it will refuse to open every time: restarts cannot help
      ++stats_.corruptions_reported;
      coverage_.hit("corruption_reported");
      observe(obs::Recovered{.corruption = opened.status().to_string()});
    }
    return;  // an injected I/O error, say: the driver restarts the node later
  }
  storage_failed_ = false;
  open_backoff_ = kMillisecond;
  storage_ = std::move(opened).value();
  volume_ = storage_.get();
  durable_gc_floor_ = storage_->log().gc_floor();
  const wal::RecoveryReport& r = storage_->log().recovery();
  ++stats_.recoveries;
  if (r.torn_tail) coverage_.hit("torn_tail_truncated");
  if (r.records_beyond_hole > 0) coverage_.hit("valid_records_after_hole_annulled");
  if (r.vcl_found > r.vdl_found) coverage_.hit("crash_mid_mtr_recovered");
  if (std::exchange(fsync_failed_since_open_, false)) coverage_.hit("fsync_error_survived");
  observe(recovered_observation(*storage_));
  serve_volume(rt);
}

// --- compute nodes -------------------------------------------------------------------------

void MtrWorkload::boot_compute(std::size_t index, Runtime rt) {
  ComputeSlot& slot = *computes_[index];
  Result<std::unique_ptr<compute::RemoteStorage>> link = compute::RemoteStorage::open(
      rt, Address{storage_node_, compute::StorageServer::kPort}, remote_options_for(spec_));
  AURORA_ASSERT(link.is_ok(), "a free port on a node that just booted: " + link.status().to_string());
  slot.link = std::move(link).value();
  ComputeNode node(*slot.link, slot.name,
                   compute::ComputeOptions{.buffer_pages = spec_.storage.buffer_pages,
                                           .node = rt.node,
                                           .incarnation = rt.incarnation});
  struct Live {
    MtrWorkload& w;
    ComputeSlot& slot;
    ~Live() {
      slot.live = nullptr;
      w.driver_wakeup_.notify_all(w.world_.sched());  // the driver may wait for this
    }
  } live{*this, slot};
  slot.live = &node;
  slot.storage_crashes_seen = 0;
  observe(obs::SessionStarted{slot.name});
  sim::Rng& rng = world_.stream(std::string("node/").append(slot.name));
  while (!stopping_ && !failed_) {
    if (volume_ == nullptr) {  // the harness pauses the node while the storage is down
      (void)storage_up_.wait(world_.sched(), "the storage to come up");
      continue;
    }
    rng.mark_unit();  // an operation: the shrinker deletes whole ones (sim/rng.h)
    op(slot, node, rng);
    ++stats_.ops;
    driver_wakeup_.notify_all(world_.sched());
    observe_state();
    rt.clock.sleep_for(static_cast<Nanos>(rng.below(20)) * kMicrosecond);
  }
}

void MtrWorkload::op(ComputeSlot& slot, ComputeNode& node, sim::Rng& rng) {
  const WorkloadSpec& w = spec_.workload;
  const double weights[] = {w.commit_weight, w.read_weight, w.read_past_weight,
                            w.refresh_weight, w.sync_weight};
  switch (rng.pick_weighted(weights)) {
    case 0: commit(slot, node, rng); break;
    case 1: read(slot, node, rng); break;
    case 2: read_past(slot, rng); break;
    case 3: {
      Result<Lsn> rp = node.refresh();
      if (!rp.is_ok() && !storage_unavailable(rp.kind())) {
        observe(obs::RefreshFailed{.node = slot.name, .error = rp.status().to_string()});
      }
      break;
    }
    default: {
      const Status s = slot.link->sync();
      (void)s;  // a failed sync acknowledges nothing; the log's own checks cover it
      break;
    }
  }
}

void MtrWorkload::commit(ComputeSlot& slot, ComputeNode& node, sim::Rng& rng) {
  RandomMtr m = random_mtr(spec_, rng);
  const compute::MtrId id = node.new_mtr_id();
  // The hooks run on the storage node when the commit reaches it, maybe after this fiber
  // died or gave up.
  storage::CommitHooks hooks = observing_hooks(
      slot.name, id, std::move(m.writes), spec_.storage.lal,
      [this]() -> std::optional<Lsn> {
        const storage::Volume* v = volume_here();
        if (v == nullptr) return std::nullopt;
        return v->vdl();
      },
      [this](check::Observation o) {
        // A writer a failover left behind may go on allocating after a newer writer's
        // recovery decided its annulment: LSNs of that annulled range, which can never
        // become durable (a read quorum of every PG refuses the old epoch), so not the
        // model's to count. What it acknowledges still is (QuorumAcked, epoch_fencing), and
        // any of its records that became visible would be bytes no MTR the model knows wrote.
        const quorum::QuorumWriter* w = writer_here();
        if (std::holds_alternative<check::obs::Appended>(o) && w != nullptr &&
            w == stale_writer_.get() && w->epoch() < annulling_epoch_) {
          return;
        }
        observe(std::move(o));
      });
  if (quorum_) {
    // Invariant 12 is judged at the acknowledgement, on the segments' disks.
    std::vector<PageId> pages;
    for (const wal::Redo& r : m.mtr.redo()) pages.push_back(r.page);
    hooks.acknowledged = [this, pages = std::move(pages),
                          inner = std::move(hooks.acknowledged)](Lsn cpl) {
      const quorum::QuorumWriter* w = writer_here();
      observe(quorum_acked(cpl, pages, w ? w->epoch() : 0));
      if (w != nullptr && w == writer_.get()) {
        observe(quorum_watermarks_observation(*w, segment_states(), false));
      }
      if (inner) inner(cpl);
    };
  }
  hooks_.expect(id, std::move(hooks));
  Result<Lsn> cpl = node.commit(m.mtr, id);
  if (cpl.is_ok()) {
    observe(obs::Committed{slot.name, *cpl, compute::to_string(id)});
    ++stats_.commits_acked;
    return;
  }
  ++stats_.commits_failed;
  if (cpl.kind() == ErrorKind::kNodeDown) coverage_.hit("call_failed_storage_down");
  if (cpl.kind() == ErrorKind::kInvalidArgument) {
    observe(obs::CommitRefused{slot.name, compute::to_string(id), cpl.status().to_string()});
    return;
  }
  // Anything else may have happened after the append (a lost answer, a crash or a stopped
  // log under way): the MTR's fate is up to the storage and its recoveries.
  ++stats_.commits_unknown;
  if (cpl.kind() == ErrorKind::kTimeout) coverage_.hit("commit_outcome_unknown");
  observe(obs::CommitUnknown{slot.name, compute::to_string(id), cpl.status().to_string()});
}

void MtrWorkload::read(ComputeSlot& slot, ComputeNode& node, sim::Rng& rng) {
  const PageId page = rng.below(spec_.workload.pages);
  // A node without a read point reads at the VDL (it refreshes first), above the floor.
  ReadInFlight in_flight(*this, node.read_point());
  // GC may pass a read point the storage no longer holds: the storage restarted, and the
  // node's pin has not reached the new incarnation yet (or will not, lost). Then, and only
  // then, may the storage refuse the node's own read point.
  const std::uint64_t recoveries = stats_.recoveries;
  const bool held = server_ && server_->holds_read_point(slot.node, node.read_point());
  Result<std::vector<std::byte>> got = node.read(page);
  const Lsn at = node.read_point();  // after the read: a node without one refreshes first
  const Lsn may_refuse_below = held && stats_.recoveries == recoveries ? 0 : UINT64_MAX;
  if (!got.is_ok() && storage_unavailable(got.kind())) {
    coverage_.hit("call_failed_storage_down");
    return;
  }
  if (got.is_ok() && slot.storage_crashes_seen > 0) coverage_.hit("compute_outlived_storage");
  if (!got.is_ok() && got.kind() == ErrorKind::kCorruption) coverage_.hit("corruption_reported");
  observe(read_observation(slot.name, page, at, /*at_read_point=*/true, got, may_refuse_below));
  ++stats_.reads_checked;
  // Sometimes the same read again with every cache cold (invariant 9).
  if (got.is_ok() && volume_ != nullptr && rng.chance(0.1)) {
    if (storage_) storage_->pages().drop_cache();
    for (auto& [node, server] : segment_servers_) server->drop_caches();
    Result<std::vector<std::byte>> cold = slot.link->read(page, at);
    if (cold.is_ok()) observe(obs::ColdWarm{page, at, plain_bytes(*got), plain_bytes(*cold)});
  }
}

void MtrWorkload::read_past(ComputeSlot& slot, sim::Rng& rng) {
  if (volume_ == nullptr) return;
  const Lsn floor = storage_ ? storage_->log().gc_floor() : 0;
  const Lsn vdl = volume_->vdl();
  const Lsn at = floor + rng.below(vdl - floor + 1);
  const PageId page = rng.below(spec_.workload.pages);
  // The storage may refuse below its GC bound: the lowest read point it holds, or its own
  // floor when that is higher (a restarted storage holds no read point at first and may
  // collect up to its VDL; read points pinned again afterwards may be below that).
  auto gc_bound = [this] {
    if (writer_) return writer_->min_read_point();
    return std::max(storage_->min_read_point(), storage_->pages().read_floor());
  };
  Lsn may_refuse_below = gc_bound();
  const std::uint64_t recoveries = stats_.recoveries;
  ReadInFlight in_flight(*this, at);
  Result<std::vector<std::byte>> got = slot.link->read(page, at);
  if (!got.is_ok() && storage_unavailable(got.kind())) return;
  // The request takes time to arrive, and the bound may rise meanwhile (read points move
  // up). A storage that restarted meanwhile may have collected up to its VDL.
  if (volume_ != nullptr) may_refuse_below = std::max(may_refuse_below, gc_bound());
  if (stats_.recoveries != recoveries) may_refuse_below = UINT64_MAX;
  if (!got.is_ok() && got.kind() == ErrorKind::kOutOfRange) coverage_.hit("read_below_gc_refused");
  observe(read_observation(slot.name, page, at, /*at_read_point=*/false, got, may_refuse_below));
  ++stats_.reads_checked;
}

// --- crashes and the driver ------------------------------------------------------------------

void MtrWorkload::crash_storage() {
  log_write_unsynced_ = false;
  if (!world_.up(storage_node_)) return;
  world_.crash(storage_node_);
  for (auto& c : computes_) {
    if (c->live != nullptr) ++c->storage_crashes_seen;
  }
  (void)highest_vdl();  // what the writer reached stays the bound of what replicas saw
  volume_ = nullptr;  // first: the log's destructor reports its stop, and we look then
  server_.reset();
  storage_.reset();
  writer_.reset();
  // The crash dropped every request on its way to the storage, and a retry of an older MTR
  // is refused by the next incarnation: no commit under way can be appended any more.
  hooks_.forget_all();
  observe(obs::Crashed{});
}

void MtrWorkload::crash_segment_node(std::size_t index) {
  const NodeId node = segment_nodes_[index];
  if (!world_.up(node)) return;
  world_.crash(node);
  // What its disks hold stays durable while it is down (records are indexed only once
  // fsynced, and a crash loses only what was not): it still counts for invariant 12.
  if (const auto it = segment_servers_.find(node); it != segment_servers_.end()) {
    for (const quorum::SegmentOptions& o : layout_.segments_on(node, spec_.storage.page_size)) {
      const quorum::Segment* seg = it->second->segment(o.segment);
      if (seg == nullptr) continue;
      std::vector<Lsn>& held = down_holdings_[o.segment];
      held.clear();
      for (const quorum::RecordMeta& r : seg->held()) held.push_back(r.lsn);  // ascending
      down_scl_[o.segment] = seg->scl();
    }
  }
  segment_servers_.erase(node);
}

bool MtrWorkload::segment_holds(quorum::SegmentId s, Lsn lsn) const {
  if (const auto it = segment_servers_.find(layout_.node_of.at(s)); it != segment_servers_.end()) {
    if (const quorum::Segment* seg = it->second->segment(s)) return seg->holds(lsn);
  }
  const auto d = down_holdings_.find(s);
  return d != down_holdings_.end() && std::binary_search(d->second.begin(), d->second.end(), lsn);
}

SegmentStates MtrWorkload::segment_states() const {
  return SegmentStates{.layout = layout_,
                       .live = [this](quorum::SegmentId s) -> const quorum::Segment* {
                         const auto it = segment_servers_.find(layout_.node_of.at(s));
                         return it == segment_servers_.end() ? nullptr : it->second->segment(s);
                       },
                       .down_scl = down_scl_};
}

void MtrWorkload::observe_settled_watermarks(Nanos bound) {
  if (!writer_ || writer_->stopped()) return;
  const Nanos deadline = world_.clock().now() + bound;
  while (writer_ && !writer_caught_up(*writer_, segment_states()) && !failed_ &&
         world_.clock().now() < deadline) {
    world_.clock().sleep_for(kMillisecond);
  }
  if (writer_ && !writer_->stopped() && !failed_) {
    observe(quorum_watermarks_observation(*writer_, segment_states(), true));
    coverage_.hit("watermarks_settled");
  }
}

check::obs::QuorumAcked MtrWorkload::quorum_acked(Lsn cpl, const std::vector<PageId>& pages,
                                                  std::uint64_t writer_epoch) const {
  check::obs::QuorumAcked a{.cpl = cpl, .writer_epoch = writer_epoch};
  const Lsn first = cpl + 1 - pages.size();
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const Lsn lsn = first + i;
    const quorum::PgId pg = layout_.pg_of(pages[i]);
    std::uint32_t holders = 0;
    for (quorum::SegmentId s : quorum::all_segments(layout_.members.at(pg))) {
      holders += segment_holds(s, lsn) ? 1 : 0;
    }
    a.records.push_back({lsn, pg, holders});
  }
  return a;
}

// Invariant 17: with faults off and every node up and connected, every segment reaches its
// PG's PGCL within a bound: gossip converges. The PGCLs are the writer's when the check
// begins; the segments are asked until they all reach them or the bound passes.
void MtrWorkload::check_gossip_converges(Nanos bound) {
  if (!writer_) return;
  std::map<quorum::PgId, Lsn> target;
  for (const auto& [pg, m] : layout_.members) target[pg] = writer_->pgcl(pg);
  const Nanos deadline = world_.clock().now() + bound;
  std::string behind;
  for (;;) {
    behind.clear();
    for (const auto& [pg, m] : layout_.members) {
      for (quorum::SegmentId s : quorum::all_segments(m)) {
        const auto it = segment_servers_.find(layout_.node_of.at(s));
        const quorum::Segment* seg = it == segment_servers_.end() ? nullptr
                                                                 : it->second->segment(s);
        const Lsn scl = seg == nullptr ? 0 : seg->scl();
        if (scl >= target[pg]) continue;
        behind.append(behind.empty() ? "" : ", ").append("segment ").append(std::to_string(s));
        behind.append(" of PG ").append(std::to_string(pg)).append(" at SCL ");
        behind.append(std::to_string(scl)).append(" (PGCL ").append(std::to_string(target[pg]));
        behind.append(seg == nullptr ? ", down)" : ")");
      }
    }
    if (behind.empty() || failed_ || world_.clock().now() >= deadline) break;
    world_.clock().sleep_for(kMillisecond);
  }
  if (behind.empty()) {
    coverage_.hit("gossip_converged");
    return;
  }
  if (failed_) return;
  record({Violation{.invariant = "gossip_converges",
                    .message = "with faults off and every node up, every segment should reach "
                               "its PG's PGCL within " + std::to_string(bound / kMillisecond) +
                               " ms of virtual time; still behind: " + behind}});
}

bool MtrWorkload::segments_need_restart() const {
  return std::any_of(segment_servers_.begin(), segment_servers_.end(),
                     [](const auto& e) { return e.second->needs_restart(); });
}

// A segment that stopped (a failed fsync) or did not open answers nothing until its node
// restarts (invariant 11), as a stopped log waits for its restart: the driver restarts the
// node, backing off (1 ms, doubling up to 1 s) while restarts keep failing.
void MtrWorkload::restart_failed_segments() {
  if (!segments_need_restart()) {
    segment_backoff_ = kMillisecond;
    return;
  }
  if (world_.clock().now() < segment_restart_at_) return;
  for (std::size_t i = 0; i < segment_nodes_.size(); ++i) {
    const auto it = segment_servers_.find(segment_nodes_[i]);
    if (it == segment_servers_.end() || !it->second->needs_restart()) continue;
    coverage_.hit("segment_stopped");
    crash_segment_node(i);
    ++stats_.segment_crashes;
    world_.restart(segment_nodes_[i]);
  }
  segment_restart_at_ = world_.clock().now() + segment_backoff_;
  segment_backoff_ = std::min<Nanos>(segment_backoff_ * 2, kSecond);
}

// A storage crash of the quorum tier, drawn by the spec's weights: the writer (false: the
// caller crashes it as it would the one storage), one storage node, a zone, or a zone and
// one node more. A zone outage lasts a drawn while, with the workload going on meanwhile.
bool MtrWorkload::crash_quorum_storage(sim::Rng& rng) {
  const WorkloadSpec& w = spec_.workload;
  const double weights[] = {w.crash_writer_weight, w.crash_segment_node_weight,
                            w.crash_zone_weight, w.crash_zone_plus_one_weight,
                            w.crash_failover_weight};
  const std::size_t kind = rng.pick_weighted(weights);
  if (kind == 0) return false;
  if (kind == 4) return fail_over(rng);
  if (kind == 1) {
    crash_segment_node(rng.below(segment_nodes_.size()));
    ++stats_.segment_crashes;
    coverage_.hit("segment_node_crashed");
    return true;
  }
  // Zones are a, b and c: nodes 0-1, 2-3 and 4-5.
  const std::size_t zone = rng.below(3);
  crash_segment_node(2 * zone);
  crash_segment_node(2 * zone + 1);
  stats_.segment_crashes += 2;
  if (kind == 3) {
    crash_segment_node((2 * zone + 2 + rng.below(4)) % segment_nodes_.size());
    ++stats_.segment_crashes;
  }
  coverage_.hit(kind == 2 ? "zone_down" : "zone_plus_one_down");
  world_.clock().sleep_for(static_cast<Nanos>(rng.below(
      static_cast<std::uint64_t>(w.zone_outage / kMicrosecond) + 1)) * kMicrosecond);
  return true;
}

// A failover: the writer is cut off from its segments (both ways) for a drawn while, as a
// partition would, and a writer on the standby node recovers the volume, fencing the old
// one, and serves the compute nodes (serve_volume redirects them). The old writer lives on,
// still sure it is the writer: once the partition heals, its next call to a segment must
// find it fenced, and it must acknowledge nothing more (invariant 14). Not while an earlier
// failover's old writer is still about, nor when there is no open writer to cut off.
bool MtrWorkload::fail_over(sim::Rng& rng) {
  if (standby_node_ == 0 || stale_node_ != 0 || !writer_ || writer_->stopped()) return false;
  const Nanos cut = static_cast<Nanos>(rng.below(static_cast<std::uint64_t>(
                        spec_.workload.failover_partition / kMicrosecond)) + 1) * kMicrosecond;
  world_.net().partition({storage_node_}, segment_nodes_, true, world_.clock().now() + cut);
  stale_node_ = storage_node_;
  stale_writer_ = std::move(writer_);
  stale_server_ = std::move(server_);
  volume_ = nullptr;
  storage_node_ = std::exchange(standby_node_, stale_node_);
  if (world_.up(storage_node_)) world_.crash(storage_node_);  // idle since it booted
  world_.restart(storage_node_);
  ++stats_.failovers;
  coverage_.hit("writer_failed_over");
  return true;
}

void MtrWorkload::retire_stale_writer(bool now) {
  if (stale_node_ == 0) return;
  if (stale_writer_ && stale_writer_->fenced()) coverage_.hit("stale_writer_fenced");
  if (!now && !(stale_writer_ && stale_writer_->stopped())) return;
  (void)highest_vdl();
  if (world_.up(stale_node_)) world_.crash(stale_node_);
  stale_server_.reset();
  stale_writer_.reset();
  stale_node_ = 0;  // its node is the standby from now on, down until the next failover
}

quorum::QuorumWriter* MtrWorkload::writer_here() const {
  const NodeId node = world_.sched().current_node();
  if (node == storage_node_) return writer_.get();
  if (node == stale_node_ && stale_node_ != 0) return stale_writer_.get();
  return nullptr;
}

storage::Volume* MtrWorkload::volume_here() const {
  const NodeId node = world_.sched().current_node();
  if (node == storage_node_) return volume_;
  if (node == stale_node_ && stale_node_ != 0) return stale_writer_.get();
  return nullptr;
}

storage::CommitHooks MtrWorkload::stale_hooks(std::span<const wal::Redo> mtr) {
  std::vector<PageId> pages;
  for (const wal::Redo& r : mtr) pages.push_back(r.page);
  storage::CommitHooks h;
  h.acknowledged = [this, pages = std::move(pages)](Lsn cpl) {
    const quorum::QuorumWriter* w = writer_here();
    observe(quorum_acked(cpl, pages, w ? w->epoch() : 0));
  };
  return h;
}

void MtrWorkload::crash_compute(std::size_t index) {
  ComputeSlot& slot = *computes_[index];
  if (world_.up(slot.node)) world_.crash(slot.node);
}

// A crash point fired on `node` (engine/runtime/crash_point.h): this runs before any other
// fiber, so the node crashes exactly there; it restarts at once (the driver's own crashes
// wait a drawn while first: this one draws nothing, so that the crash point's decision is
// the only choice it adds to the tape).
void MtrWorkload::crash_at_point(NodeId node) {
  coverage_.hit("crash_point_crashed");
  const auto seg = std::find(segment_nodes_.begin(), segment_nodes_.end(), node);
  if (node == stale_node_ && stale_node_ != 0) {
    retire_stale_writer(true);  // its node stays down: the standby
    wake_all();
    return;
  }
  if (node == storage_node_) {
    crash_storage();
    ++stats_.storage_crashes;
  } else if (seg != segment_nodes_.end()) {
    crash_segment_node(static_cast<std::size_t>(seg - segment_nodes_.begin()));
    ++stats_.segment_crashes;
  } else {
    for (std::size_t i = 0; i < computes_.size(); ++i) {
      if (computes_[i]->node == node) crash_compute(i);
    }
    for (std::size_t i = 0; i < replicas_.size(); ++i) {
      if (replicas_[i]->node == node) crash_replica(i);
    }
    ++stats_.compute_crashes;
  }
  world_.restart(node);
  wake_all();
}

void MtrWorkload::restart_down_nodes() {
  if (!world_.up(storage_node_)) world_.restart(storage_node_);
  for (NodeId n : segment_nodes_) {
    if (!world_.up(n)) world_.restart(n);
  }
  for (auto& c : computes_) {
    if (!world_.up(c->node)) world_.restart(c->node);
  }
  for (auto& r : replicas_) {
    if (!world_.up(r->node)) world_.restart(r->node);
  }
}

// Waits until `done` or `bound` passes; true when done. `done` is looked at again whenever
// something it may depend on changed (driver_wakeup_), not polled: a poll every few
// microseconds of virtual time was most of the events of a crash-heavy run.
bool MtrWorkload::wait_for(const std::function<bool()>& done, Nanos bound) {
  const Nanos deadline = world_.clock().now() + bound;
  while (!done()) {
    if (failed_ || world_.clock().now() >= deadline) return done();
    (void)driver_wakeup_.wait(world_.sched(), "the driver's condition", deadline);
  }
  return true;
}

void MtrWorkload::wake_all() {
  driver_wakeup_.notify_all(world_.sched());
  storage_up_.notify_all(world_.sched());
}

// A crash at an operation boundary rarely finds log writes in flight (the window between a
// write and its fsync is a few tens of microseconds of each millisecond), so half of the
// storage crashes wait for that window: the driver is woken by the log write itself and
// crashes the storage before its fsync. That is where torn tails and MTRs durable only in
// part come from.
void MtrWorkload::aim_at_write_window() {
  wait_for([&] { return log_write_unsynced_; }, 20 * kMillisecond);
}

void MtrWorkload::run_driver() {
  const WorkloadSpec& w = spec_.workload;
  sim::Rng& rng = world_.stream("workload");
  // Safety phase: faults on, crashes at ops drawn from the seed.
  std::vector<std::uint64_t> crash_at;
  for (std::uint32_t i = 0; i < w.crashes; ++i) crash_at.push_back(1 + rng.below(w.ops));
  std::sort(crash_at.begin(), crash_at.end());
  const double crash_weights[] = {w.crash_storage_weight, w.crash_compute_weight,
                                  w.crash_all_weight};
  std::size_t next_crash = 0;
  // A stall of this long without an operation completing, faults on, means the system is
  // stuck: reported, not waited out.
  const Nanos stall_bound = std::max<Nanos>(w.liveness_bound * 10, 10 * kSecond);
  Nanos last_progress = world_.clock().now();
  std::uint64_t last_ops = 0;
  while (stats_.ops < w.ops && !failed_ && !volume_lost_) {
    // Nothing to do until an operation completes, the log stops, an open fails, the
    // backoff after a failed open ends, or the stall bound passes: each wakes the driver.
    Nanos wake_at = last_progress + stall_bound + 1;
    if (storage_failed_) wake_at = std::min(wake_at, std::max(next_open_at_, world_.clock().now()));
    if (segments_need_restart()) {
      wake_at = std::min(wake_at, std::max(segment_restart_at_, world_.clock().now()));
    }
    if (wake_at > world_.clock().now()) {
      (void)driver_wakeup_.wait(world_.sched(), "work for the driver", wake_at);
    }
    if (stats_.ops != last_ops) {
      last_ops = stats_.ops;
      last_progress = world_.clock().now();
    } else if (world_.clock().now() - last_progress > stall_bound) {
      break;  // the liveness phase below reports it if the system does not recover
    }
    // A stopped log (fsync failure) or a failed open waits for a restart: it recovers from
    // what is durable. Failed opens in a row back off (1 ms, doubling up to 1 s), as a
    // supervisor would: a sector that stays unreadable fails every attempt the same way.
    restart_failed_segments();
    retire_stale_writer(false);
    const bool stopped = volume_stopped();
    if (stopped || (storage_failed_ && world_.clock().now() >= next_open_at_)) {
      if (stopped) coverage_.hit("log_stopped");
      if (storage_failed_) {
        next_open_at_ = world_.clock().now() + open_backoff_;
        open_backoff_ = std::min<Nanos>(open_backoff_ * 2, kSecond);
      }
      crash_storage();
      ++stats_.storage_crashes;
      storage_failed_ = false;  // until this new attempt to open fails too
      world_.restart(storage_node_);
    }
    if (next_crash >= crash_at.size() || stats_.ops < crash_at[next_crash]) continue;
    ++next_crash;
    rng.mark_unit();  // a crash decision, a unit for the shrinker
    const std::size_t target = rng.pick_weighted(crash_weights);
    if (target != 1 && !quorum_ && rng.chance(0.5)) aim_at_write_window();
    switch (target) {
      case 0:
        if (quorum_ && crash_quorum_storage(rng)) break;
        crash_storage();
        ++stats_.storage_crashes;
        coverage_.hit("storage_crashed");
        break;
      case 1:
        crash_compute(rng.below(computes_.size()));
        ++stats_.compute_crashes;
        coverage_.hit("compute_crashed");
        break;
      default:
        for (std::size_t i = 0; i < computes_.size(); ++i) crash_compute(i);
        for (std::size_t i = 0; i < replicas_.size(); ++i) crash_replica(i);
        retire_stale_writer(true);
        for (std::size_t i = 0; i < segment_nodes_.size(); ++i) crash_segment_node(i);
        crash_storage();
        ++stats_.full_crashes;
        coverage_.hit("everything_crashed");
        break;
    }
    world_.clock().sleep_for(static_cast<Nanos>(rng.below(2000)) * kMicrosecond);
    restart_down_nodes();
  }

  // Liveness phase: faults off; everything comes back and makes progress in time.
  in_liveness_ = true;
  bool settled = false;  // every node up and the volume making progress, faults off
  for (sim::FaultRule& r : world_.faults().mutable_config().rules) r.enabled = false;
  world_.net().calm();
  retire_stale_writer(true);
  if (!failed_) {
    segment_restart_at_ = 0;
    restart_failed_segments();
    if (!volume_lost_ && (storage_failed_ || volume_ == nullptr || volume_stopped())) {
      crash_storage();
      storage_failed_ = false;
      world_.restart(storage_node_);
    }
    restart_down_nodes();
    const std::uint64_t target = stats_.ops + w.liveness_ops;
    const bool progressed =
        !volume_lost_ && wait_for([&] { return stats_.ops >= target; }, w.liveness_bound);
    // Under media faults the engine may fail loudly for good: a corruption report, or a
    // volume it can no longer open (a sector that stays unreadable).
    const bool excused = spec_.faults.regime == FaultRegime::kUnrestricted &&
                         (stats_.corruptions_reported > 0 || storage_failed_);
    if (progressed && quorum_) check_gossip_converges(w.liveness_bound);
    settled = progressed;
    if (progressed) {
      coverage_.hit("liveness_reached");
    } else if (!excused && !failed_) {
      record({Violation{
          .invariant = "liveness",
          .message = "after faults were switched off, " + std::to_string(w.liveness_ops) +
                     " operations should complete within " +
                     std::to_string(w.liveness_bound / kMillisecond) + " ms of virtual time; " +
                     std::to_string(stats_.ops - (target - w.liveness_ops)) + " did" +
                     (volume_ != nullptr ? "" : " (the storage is not up)")}});
    }
  }

  // The end: the compute nodes stop, everything crashes once more, the storage recovers
  // (its recovery checked like every other), and the end-of-run checks run.
  stopping_ = true;
  wake_all();
  wait_for([&] {
    return std::none_of(computes_.begin(), computes_.end(),
                        [](const auto& c) { return c->live != nullptr; });
  }, kSecond);
  for (std::size_t i = 0; i < computes_.size(); ++i) crash_compute(i);
  for (std::size_t i = 0; i < replicas_.size(); ++i) crash_replica(i);
  if (settled && quorum_) observe_settled_watermarks(w.liveness_bound);
  for (std::size_t i = 0; i < segment_nodes_.size(); ++i) crash_segment_node(i);
  crash_storage();
  ++stats_.full_crashes;
  if (!failed_) {
    world_.restart(storage_node_);
    for (NodeId n : segment_nodes_) world_.restart(n);
    wait_for([&] { return volume_ != nullptr || storage_failed_; }, w.liveness_bound);
  }
  if (!failed_) record(suite_.finish());
  // Stops every daemon fiber, so the run ends.
  for (std::size_t i = 0; i < computes_.size(); ++i) crash_compute(i);
  for (std::size_t i = 0; i < replicas_.size(); ++i) crash_replica(i);
  retire_stale_writer(true);
  for (std::size_t i = 0; i < segment_nodes_.size(); ++i) crash_segment_node(i);
  crash_storage();
}

}  // namespace aurora::workloads
