#include "engine/quorum/layout.h"

#include <algorithm>
#include <string>

#include "engine/runtime/assert.h"

namespace aurora::quorum {

PgId VolumeLayout::pg_of_segment(SegmentId s) const {
  for (const auto& [pg, m] : members) {
    const std::vector<SegmentId> all = all_segments(m);
    if (std::find(all.begin(), all.end(), s) != all.end()) return pg;
  }
  AURORA_UNREACHABLE("a segment of no PG");
}

std::vector<SegmentOptions> VolumeLayout::segments_on(NodeId node,
                                                      std::uint32_t page_size) const {
  std::vector<SegmentOptions> out;
  for (const auto& [s, n] : node_of) {
    if (n != node) continue;
    out.push_back(SegmentOptions{"seg-" + std::to_string(s), s, pg_of_segment(s), page_size});
  }
  return out;
}

std::vector<SegmentId> VolumeLayout::peers_of(SegmentId s) const {
  std::vector<SegmentId> out = all_segments(members.at(pg_of_segment(s)));
  std::erase(out, s);
  return out;
}

VolumeLayout VolumeLayout::standard(std::uint32_t pg_count, PageId pg_pages,
                                    std::span<const NodeId> six_nodes) {
  AURORA_ASSERT(six_nodes.size() == kReplicas, "the standard layout needs 6 storage nodes");
  AURORA_ASSERT(pg_count >= 1 && pg_pages >= 1, "a layout needs a PG of a page at least");
  VolumeLayout l;
  l.pg_count = pg_count;
  l.pg_pages = pg_pages;
  for (PgId pg = 0; pg < pg_count; ++pg) {
    Membership m;
    for (std::size_t i = 0; i < kReplicas; ++i) {
      const SegmentId s = pg * kReplicas + static_cast<SegmentId>(i) + 1;
      m.members[i] = s;
      l.node_of[s] = six_nodes[i];
    }
    l.members[pg] = m;
  }
  return l;
}

}  // namespace aurora::quorum
