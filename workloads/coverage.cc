#include "workloads/coverage.h"

#include <algorithm>
#include <array>

#include "engine/runtime/assert.h"

namespace aurora::workloads {
namespace {

constexpr std::array kMarks = {
    CoverageMark{"crash_mid_mtr_recovered", "recovery cut an MTR that was durable only in part"},
    CoverageMark{"torn_tail_truncated", "recovery annulled a torn tail"},
    CoverageMark{"valid_records_after_hole_annulled",
                 "recovery annulled valid records lying after a hole"},
    CoverageMark{"fsync_error_survived", "an fsync failed and a later incarnation recovered"},
    CoverageMark{"log_stopped", "the log stopped after a failed fsync or write"},
    CoverageMark{"write_retried", "a failed log write was rewritten at the same LSNs"},
    CoverageMark{"lal_wait", "an append waited for the LSN allocation limit"},
    CoverageMark{"segment_rotated", "the log moved to a new segment"},
    CoverageMark{"segment_tiered", "a sealed segment moved to the cold tier"},
    CoverageMark{"segments_collected", "GC removed log segments"},
    CoverageMark{"gc_below_held_read_point",
                 "GC removed segments while a compute node held a read point below VDL"},
    CoverageMark{"image_written", "page images were written"},
    CoverageMark{"image_ignored", "an image torn or damaged was ignored"},
    CoverageMark{"image_compacted", "the image file was compacted"},
    CoverageMark{"read_retried", "a read looked again after GC or tiering moved its records"},
    CoverageMark{"read_below_gc_refused", "a read below the GC horizon was refused"},
    CoverageMark{"storage_crashed", "the storage node crashed"},
    CoverageMark{"compute_crashed", "a compute node crashed"},
    CoverageMark{"everything_crashed", "every node crashed at once"},
    CoverageMark{"crash_point_crashed", "a node crashed at one of the engine's crash points"},
    CoverageMark{"compute_outlived_storage",
                 "a compute node read from its pool across a storage crash"},
    CoverageMark{"call_failed_storage_down", "a compute node's call failed: storage down"},
    CoverageMark{"corruption_reported", "the engine reported corruption (media faults)"},
    CoverageMark{"liveness_reached", "the liveness phase made its progress in time"},
    // the network (DESIGN.md section 5b)
    CoverageMark{"message_lost", "the network dropped a message"},
    CoverageMark{"message_duplicated", "the network delivered a message twice"},
    CoverageMark{"frame_rejected", "a damaged frame was rejected by its checksum"},
    CoverageMark{"partitioned", "a partition cut links between nodes"},
    CoverageMark{"clogged", "a link or a node's interface stalled"},
    CoverageMark{"rpc_timed_out", "a call got no answer before its deadline"},
    CoverageMark{"commit_outcome_unknown", "a commit ended without knowing whether it happened"},
    CoverageMark{"retry_joined", "the storage answered a commit sent again from its first attempt"},
    CoverageMark{"retry_refused", "a commit sent again reached a restarted storage: refused"},
    // the quorum tier (DESIGN.md section 3)
    CoverageMark{"segment_node_crashed", "a storage node of the quorum tier crashed"},
    CoverageMark{"segment_stopped", "a segment stopped after a failed fsync and restarted"},
    CoverageMark{"segment_repaired", "a suspect segment was repaired from its peers"},
    CoverageMark{"zone_down", "a whole zone of storage nodes was down (writes went on)"},
    CoverageMark{"zone_plus_one_down", "a zone and one storage node more were down"},
    CoverageMark{"gossip_converged", "every segment reached its PG's PGCL after the faults"},
    CoverageMark{"recovered_from_read_quorum",
                 "a recovery planned a PG from fewer than its 6 segments' reports"},
    CoverageMark{"watermarks_settled", "the writer's watermarks were checked once settled"},
    CoverageMark{"writer_failed_over", "a writer on the standby node took the volume over"},
    CoverageMark{"stale_writer_fenced", "the writer a failover left behind found it was fenced"},
    CoverageMark{"replica_read", "a read replica served a page as of its read point"},
    CoverageMark{"replica_restarted",
                 "a read replica dropped its cache (a gap in the stream, or a new writer)"},
};

// Trace event kinds that stand for a mark by themselves, sorted by kind: every event of a
// run is looked up here. (Not wal.stopped: a log that is closed stops too; the workload
// hits log_stopped when it finds a log stopped by a failure.)
constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kEventMarks = {{
    {"fault.net_loss", "message_lost"},
    {"image.compact", "image_compacted"},
    {"image.ignored", "image_ignored"},
    {"image.write", "image_written"},
    {"net.clog", "clogged"},
    {"net.duplicate", "message_duplicated"},
    {"net.partition", "partitioned"},
    {"net.reject", "frame_rejected"},
    {"page.read_retry", "read_retried"},
    {"rpc.timeout", "rpc_timed_out"},
    {"segment.repaired", "segment_repaired"},
    {"server.retry_joined", "retry_joined"},
    {"server.retry_refused", "retry_refused"},
    {"wal.collected", "segments_collected"},
    {"wal.lal_wait", "lal_wait"},
    {"wal.rotate", "segment_rotated"},
    {"wal.tiered", "segment_tiered"},
    {"wal.write_retry", "write_retried"},
}};
static_assert(std::is_sorted(kEventMarks.begin(), kEventMarks.end()));

bool known(std::string_view name) {
  return std::any_of(kMarks.begin(), kMarks.end(),
                     [&](const CoverageMark& m) { return m.name == name; });
}

}  // namespace

std::span<const CoverageMark> coverage_marks() { return kMarks; }

void Coverage::hit(std::string_view name) {
  AURORA_ASSERT(known(name), "unknown coverage mark '" + std::string(name) + "'");
  auto it = hits_.find(name);
  if (it == hits_.end()) {
    hits_.emplace(std::string(name), 1);
  } else {
    ++it->second;
  }
}

void Coverage::on_event(std::string_view kind, std::span<const Field> fields) {
  const auto it = std::lower_bound(kEventMarks.begin(), kEventMarks.end(), kind,
                                   [](const auto& entry, std::string_view k) { return entry.first < k; });
  if (it == kEventMarks.end() || it->first != kind) return;
  // A collection that removed nothing is not the mark.
  if (kind == "wal.collected") {
    for (const Field& f : fields) {
      if (f.key == "segments" && f.u == 0) return;
    }
  }
  hit(it->second);
}

std::uint64_t Coverage::count(std::string_view name) const {
  auto it = hits_.find(name);
  return it == hits_.end() ? 0 : it->second;
}

std::vector<std::string> Coverage::reached() const {
  std::vector<std::string> out;
  for (const CoverageMark& m : kMarks) {
    if (count(m.name) > 0) out.emplace_back(m.name);
  }
  return out;
}

std::vector<std::string> Coverage::missed() const {
  std::vector<std::string> out;
  for (const CoverageMark& m : kMarks) {
    if (count(m.name) == 0) out.emplace_back(m.name);
  }
  return out;
}

}  // namespace aurora::workloads
