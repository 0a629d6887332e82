// The quorum tier as the world sees it, in the terms of the model: what each segment's disk
// holds (never what the writer believes), for the observations of invariants 13 and 15.
#pragma once

#include <functional>
#include <map>

#include "engine/quorum/segment.h"
#include "engine/quorum/writer.h"
#include "workloads/check/history.h"

namespace aurora::workloads {

struct SegmentStates {
  const quorum::VolumeLayout& layout;
  // The segment as its node runs it; null while the node is down or the segment not open.
  std::function<const quorum::Segment*(quorum::SegmentId)> live;
  // The SCL of what each segment's disk held when its node last went down.
  const std::map<quorum::SegmentId, wal::Lsn>& down_scl;

  // The SCL of the records on segment s's disk.
  wal::Lsn durable_scl(quorum::SegmentId s) const;
  // Down, not open, stopped (a failed fsync) or suspect (its log was cut).
  bool lost(quorum::SegmentId s) const;
};

check::obs::PgMembers pg_members(quorum::PgId pg, const quorum::Membership& m);

// Observed just before the Recovered of `writer`'s recovery.
check::obs::QuorumRecovery quorum_recovery_observation(const quorum::QuorumWriter& writer,
                                                       const SegmentStates& world);
check::obs::QuorumWatermarks quorum_watermarks_observation(const quorum::QuorumWriter& writer,
                                                           const SegmentStates& world,
                                                           bool settled);
// True when the writer's SCL of every segment equals what its disk holds.
bool writer_caught_up(const quorum::QuorumWriter& writer, const SegmentStates& world);

}  // namespace aurora::workloads
