#include "workloads/mtr/quorum_observations.h"

namespace aurora::workloads {

wal::Lsn SegmentStates::durable_scl(quorum::SegmentId s) const {
  if (const quorum::Segment* seg = live(s)) return seg->scl();
  const auto it = down_scl.find(s);
  return it == down_scl.end() ? 0 : it->second;
}

bool SegmentStates::lost(quorum::SegmentId s) const {
  const quorum::Segment* seg = live(s);
  return seg == nullptr || seg->suspect() || !seg->stopped().is_ok();
}

check::obs::PgMembers pg_members(quorum::PgId pg, const quorum::Membership& m) {
  check::obs::PgMembers out{.pg = pg};
  out.members.assign(m.members.begin(), m.members.end());
  if (m.next) out.next.assign(m.next->begin(), m.next->end());
  return out;
}

check::obs::QuorumRecovery quorum_recovery_observation(const quorum::QuorumWriter& writer,
                                                       const SegmentStates& world) {
  const quorum::RecoveryPlan& plan = writer.recovery();
  check::obs::QuorumRecovery r{.epoch = plan.epoch, .vdl = plan.vdl};
  for (const auto& [pg, m] : world.layout.members) {
    check::obs::QuorumRecovery::Pg out{.layout = pg_members(pg, m)};
    if (const auto it = plan.sources.find(pg); it != plan.sources.end()) {
      out.sources.assign(it->second.begin(), it->second.end());
    }
    for (quorum::SegmentId s : quorum::all_segments(m)) out.lost += world.lost(s) ? 1 : 0;
    r.pgs.push_back(std::move(out));
  }
  return r;
}

check::obs::QuorumWatermarks quorum_watermarks_observation(const quorum::QuorumWriter& writer,
                                                           const SegmentStates& world,
                                                           bool settled) {
  check::obs::QuorumWatermarks w{.writer_epoch = writer.epoch(),
                                 .settled = settled,
                                 .vcl = writer.vcl(),
                                 .vdl = writer.vdl(),
                                 .pg_pages = world.layout.pg_pages};
  const auto& reported = writer.scls();
  for (const auto& [pg, m] : world.layout.members) {
    w.pgs.push_back({.layout = pg_members(pg, m), .reported_pgcl = writer.pgcl(pg)});
    for (quorum::SegmentId s : quorum::all_segments(m)) {
      const auto it = reported.find(s);
      w.segments.push_back({.segment = s,
                            .pg = pg,
                            .reported_scl = it == reported.end() ? 0 : it->second,
                            .durable_scl = world.durable_scl(s)});
    }
  }
  return w;
}

bool writer_caught_up(const quorum::QuorumWriter& writer, const SegmentStates& world) {
  for (const auto& [pg, m] : world.layout.members) {
    for (quorum::SegmentId s : quorum::all_segments(m)) {
      const auto it = writer.scls().find(s);
      if ((it == writer.scls().end() ? 0 : it->second) != world.durable_scl(s)) return false;
    }
  }
  return true;
}

}  // namespace aurora::workloads
